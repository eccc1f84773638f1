"""pretix's JSON of the transaction journal (``…/transactions/``), a page at a time."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.api.renderers.orders import money, timestamp
from core.models import Event, Order, Transaction


def render_transactions(session: Session, rows: Sequence[Transaction], *,
                        with_event: bool = False) -> list[dict[str, Any]]:
    """The JSON of ``rows``; ``with_event`` adds the event slug (organizer-level lists). One query per page."""
    orders: dict[int, tuple[str, str]] = {}
    if rows:
        orders = {order_id: (code, slug) for order_id, code, slug in session.execute(
            select(Order.id, Order.code, Event.slug).join(Event, Event.id == Order.event_id)
            .where(Order.id.in_({row.order_id for row in rows})))}
    out = []
    for row in rows:
        code, slug = orders[row.order_id]
        data: dict[str, Any] = {"id": row.id}
        if with_event:
            data["event"] = slug
        data.update({
            "order": code, "count": row.count, "created": timestamp(row.created),
            "datetime": timestamp(row.datetime), "item": row.item_id, "variation": row.variation_id,
            "positionid": row.positionid, "price": money(row.price), "subevent": row.subevent_id,
            "tax_code": row.tax_code, "tax_rate": money(row.tax_rate), "tax_rule": row.tax_rule_id,
            "tax_value": money(row.tax_value), "fee_type": row.fee_type, "internal_type": row.internal_type,
        })
        out.append(data)
    return out
