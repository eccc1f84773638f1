"""pretix's JSON of cart positions (``…/cartpositions/``), a page at a time."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.orm import Session

from core.api.renderers.answers import cart_answers
from core.api.renderers.orders import money, timestamp
from core.models import CartPosition


def render_cart_positions(session: Session, positions: Sequence[CartPosition]) -> list[dict[str, Any]]:
    """The JSON of ``positions`` (answers loaded for all of them at once); prices are gross (``includes_tax``)."""
    answers = cart_answers(session, [p.id for p in positions])
    return [{
        "id": p.id, "cart_id": p.cart_id, "item": p.item_id, "variation": p.variation_id, "price": money(p.price),
        "attendee_name": p.attendee_name_cached, "attendee_name_parts": p.attendee_name_parts or {},
        "attendee_email": p.attendee_email, "voucher": p.voucher_id, "addon_to": p.addon_to_id,
        "is_bundled": p.is_bundled, "subevent": p.subevent_id, "datetime": timestamp(p.datetime),
        "expires": timestamp(p.expires), "includes_tax": True, "seat": None, "answers": answers.get(p.id, []),
    } for p in positions]
