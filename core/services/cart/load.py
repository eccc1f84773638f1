"""Loading what a cart operation needs: the channel, the cart's positions, and the requested rows."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.models.cart import API_CART_SUFFIX, CartPosition
from core.models.channels import SalesChannel
from core.models.event import Event, SubEvent
from core.models.items import Item
from core.models.variations import ItemVariation
from core.models.vouchers import Voucher
from core.services.errors import CartError
from core.services.positions import PositionRequest
from core.settings import settings_for


def real_now(now: dt.datetime | None) -> dt.datetime:
    return now if now is not None else dt.datetime.now(dt.UTC)


def new_api_cart_id() -> str:
    """A fresh cart id for a cart created through the API (ends in ``@api``)."""
    return f"{secrets.token_urlsafe(24)}{API_CART_SUFFIX}"


def resolve_channel(session: Session, event: Event, channel: SalesChannel | str) -> SalesChannel:
    if isinstance(channel, SalesChannel):
        return channel
    found = session.scalar(select(SalesChannel).where(SalesChannel.identifier == channel))
    if found is None:
        raise CartError("unknown_channel", f"There is no sales channel {channel!r}.", channel=channel)
    return found


def check_cart_id(cart_id: str, channel: SalesChannel) -> None:
    """A cart id is non-empty; carts of the ``api`` channel type end in ``@api``."""
    if not cart_id or len(cart_id) > 255:
        raise CartError("cart_id_invalid", "A cart id of 1 to 255 characters is needed.")
    if channel.type == "api" and not cart_id.endswith(API_CART_SUFFIX):
        raise CartError("cart_id_invalid", f"Cart ids of API carts must end in {API_CART_SUFFIX!r}.",
                        cart_id=cart_id)


def cart_positions(session: Session, event: Event, cart_id: str) -> list[CartPosition]:
    """All positions of the cart (valid and expired), parents before their add-ons."""
    rows = session.scalars(
        select(CartPosition).where(CartPosition.event_id == event.id, CartPosition.cart_id == cart_id)
        .order_by(CartPosition.id)
    )
    return list(rows)


def settings_of(session: Session, event: Event) -> tuple[dt.timedelta, int]:
    """``(reservation_time, max_items_per_order)`` of the event."""
    settings = settings_for(session, event)
    return dt.timedelta(minutes=int(settings["reservation_time"])), int(settings["max_items_per_order"])


def _get(session: Session, model: Any, value: Any, what: str) -> Any:
    if value is None or isinstance(value, model):
        return value
    row = session.get(model, value)
    if row is None:
        raise CartError("unknown_position" if model is CartPosition else "unavailable",
                        f"There is no {what} with id {value}.", **{what.replace(' ', '_'): value})
    return row


def find_voucher(session: Session, event: Event, voucher: Voucher | str | None) -> Voucher | None:
    """The voucher object for a code (case-insensitive) or a ``Voucher``; ``voucher_invalid`` if unknown."""
    if voucher is None or isinstance(voucher, Voucher):
        return voucher
    code = voucher.strip().upper()
    found = session.scalar(select(Voucher).where(Voucher.event_id == event.id, func.upper(Voucher.code) == code))
    if found is None:
        raise CartError("voucher_invalid", f"The voucher code {voucher} is not known.", voucher=voucher)
    return found


def build_requests(
    session: Session, event: Event, entries: Sequence[dict[str, Any]], existing: Sequence[CartPosition]
) -> list[PositionRequest]:
    """One :class:`PositionRequest` per unit of each entry (``count`` units, default 1).

    Entry keys: ``item`` (Item or id), ``variation``, ``subevent`` (object or id), ``count``, ``price`` (free-price
    input), ``price_is_net``, ``voucher`` (code or Voucher), ``addon_to`` (id of a position of this cart),
    ``requested_valid_from``, and attendee fields (``attendee_name_parts``, ``attendee_email``, ...) in ``meta``.
    """
    own = {position.id: position for position in existing}
    requests = []
    known = {"item", "variation", "subevent", "count", "price", "price_is_net", "voucher", "addon_to",
             "requested_valid_from"}
    for entry in entries:
        unknown = set(entry) - known - {"meta"}
        if unknown:
            raise CartError("invalid_request", f"Unknown cart fields: {', '.join(sorted(unknown))}.")
        item = _get(session, Item, entry.get("item"), "product")
        if item is None:
            raise CartError("invalid_request", "Every cart entry needs an item.")
        variation = _get(session, ItemVariation, entry.get("variation"), "variation")
        subevent = _get(session, SubEvent, entry.get("subevent"), "date")
        voucher = find_voucher(session, event, entry.get("voucher"))
        parent = entry.get("addon_to")
        if parent is not None:
            parent_id = parent.id if isinstance(parent, CartPosition) else parent
            if parent_id not in own:
                raise CartError("unknown_position", f"Position {parent_id} is not in this cart.",
                                position=parent_id)
            parent = own[parent_id]
            subevent = subevent or parent.subevent
        count = entry.get("count", 1)
        if not isinstance(count, int) or count < 1:
            raise CartError("invalid_request", f"count must be a positive number, got {count!r}.")
        price = entry.get("price")
        for _ in range(count):
            requests.append(PositionRequest(
                item=item, variation=variation, subevent=subevent, voucher=voucher, addon_to=parent,
                custom_price=Decimal(price) if isinstance(price, int) else price,
                custom_price_is_net=bool(entry.get("price_is_net")),
                requested_valid_from=entry.get("requested_valid_from"), meta=dict(entry.get("meta") or {}),
            ))
    return requests
