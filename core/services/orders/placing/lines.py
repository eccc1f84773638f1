"""The positions of an order to be placed: direct requests (API) or cart positions, loaded into :class:`Line`.

A direct request is a :class:`PositionRequest` (or a dict with the same keys); a cart is read by its ``cart_id``.
Both become :class:`Line` objects that the checks, the price computation and the writing share. Loading costs a
constant number of statements: objects passed in are used as they are, ids are fetched through the session's
identity map, vouchers given as codes are read in one query.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from core.models.cart import CartPosition
from core.models.event import Event, SubEvent
from core.models.items import Item
from core.models.variations import ItemVariation
from core.models.vouchers import Voucher
from core.services import positions
from core.services.catalogue.cache import cached_objects
from core.services.errors import OrderError

#: Attendee and extra columns copied from a request or cart position onto the order position.
ATTENDEE_FIELDS = (
    "attendee_name_parts", "attendee_email", "company", "street", "zipcode", "city", "country", "state", "meta_info",
)


@dataclass
class PositionRequest:
    """One position of a directly placed order (the API's ``positions[]`` entry).

    ``item``, ``variation``, ``subevent`` and ``voucher`` are model objects or ids (the voucher may also be its
    code). ``price`` is an explicit gross price (the API may set any price); without it the price is computed.
    ``addon_to`` is the index (in the request list) of the parent position; ``is_bundled`` marks a bundled child.
    """

    item: Any
    variation: Any = None
    subevent: Any = None
    voucher: Any = None
    price: Decimal | None = None
    addon_to: int | None = None
    is_bundled: bool = False
    attendee_name_parts: dict[str, Any] | None = None
    attendee_email: str | None = None
    company: str | None = None
    street: str | None = None
    zipcode: str | None = None
    city: str | None = None
    country: str | None = None
    state: str | None = None
    meta_info: dict[str, Any] | None = None
    valid_from: dt.datetime | None = None
    valid_until: dt.datetime | None = None


_REQUEST_KEYS = frozenset(f.name for f in fields(PositionRequest))


@dataclass(eq=False)
class Line(positions.PositionRequest):
    """One position on its way into the order (a shared :class:`~core.services.positions.PositionRequest`, so the
    shared checks apply to it), with the prices computed for it. ``addon_to`` is the parent's index in the lines."""

    addon_to: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    explicit_price: Decimal | None = None
    cart: CartPosition | None = None
    # filled in by the price computation
    listed_price: Decimal | None = None
    price_after_voucher: Decimal | None = None
    price: Decimal = Decimal("0.00")
    tax_rate: Decimal = Decimal("0")
    tax_value: Decimal = Decimal("0.00")
    tax_code: str | None = None
    tax_rule_id: int | None = None
    price_correction: Decimal = Decimal("0.00")
    tax_correction: Decimal = Decimal("0.00")
    voucher_budget_use: Decimal | None = None
    discount_id: int | None = None
    requires_approval: bool = False


def _bad(message: str, **params: Any) -> OrderError:
    return OrderError("invalid_position", message, **params)


def _item(session: Session, event: Event, item_id: int) -> Item | None:
    """The item with its variations, from the catalogue cache when possible."""
    found = cached_objects(session, "item", event.id, item_id, lambda: session.scalars(
        select(Item).options(selectinload(Item.variations)).where(Item.id == item_id)).all())
    return found[0] if found else None


def _resolve(session: Session, model: type[Any], value: Any, what: str, event: Event) -> Any:
    if value is None or isinstance(value, model):
        obj = value
    elif isinstance(value, int):
        obj = _item(session, event, value) if model is Item else session.get(model, value)
        if obj is None:
            raise _bad(f"Unknown {what} {value}.", **{what: value})
    else:
        raise _bad(f"{what} must be a {model.__name__} or its id, got {value!r}.")
    if obj is None:
        return None
    owner = obj.item.event_id if isinstance(obj, ItemVariation) else obj.event_id
    if owner != event.id:
        raise _bad(f"The {what} {obj.id} belongs to another event.", **{what: obj.id})
    return obj


def _vouchers_by_code(session: Session, event: Event, codes: set[str]) -> dict[str, Voucher]:
    if not codes:
        return {}
    rows = session.scalars(select(Voucher).where(Voucher.event_id == event.id, Voucher.code.in_(codes)))
    found = {v.code: v for v in rows}
    missing = sorted(codes - found.keys())
    if missing:
        raise OrderError("voucher_invalid", f"The voucher code {missing[0]!r} is not known.", voucher=missing[0])
    return found


def _as_request(raw: PositionRequest | Mapping[str, Any], index: int) -> PositionRequest:
    if isinstance(raw, PositionRequest):
        return raw
    if not isinstance(raw, Mapping):
        raise _bad(f"Position {index} must be a PositionRequest or a dict, got {type(raw).__name__}.", index=index)
    unknown = set(raw) - _REQUEST_KEYS
    if unknown:
        raise _bad(f"Position {index} has unknown fields: {', '.join(sorted(unknown))}.", index=index)
    if "item" not in raw:
        raise _bad(f"Position {index} needs an item.", index=index)
    return PositionRequest(**raw)


def lines_from_requests(
    session: Session, event: Event, requests: Sequence[PositionRequest | Mapping[str, Any]]
) -> list[Line]:
    """Resolve direct position requests into lines; ``invalid_position`` / ``voucher_invalid`` on bad input."""
    reqs = [_as_request(raw, i) for i, raw in enumerate(requests)]
    codes = {r.voucher.strip().upper() for r in reqs if isinstance(r.voucher, str)}
    by_code = _vouchers_by_code(session, event, codes)
    lines: list[Line] = []
    for index, req in enumerate(reqs):
        item = _resolve(session, Item, req.item, "item", event)
        variation = _resolve(session, ItemVariation, req.variation, "variation", event)
        subevent = _resolve(session, SubEvent, req.subevent, "subevent", event)
        voucher = by_code[req.voucher.strip().upper()] if isinstance(req.voucher, str) else _resolve(
            session, Voucher, req.voucher, "voucher", event)
        if req.addon_to is not None and not 0 <= req.addon_to < index:
            raise _bad(f"Position {index}: addon_to must point to an earlier position.", index=index)
        extra = {name: getattr(req, name) for name in (*ATTENDEE_FIELDS, "valid_from", "valid_until")
                 if getattr(req, name) is not None}
        price = None if req.price is None else Decimal(req.price)
        lines.append(Line(item=item, variation=variation, subevent=subevent, voucher=voucher, addon_to=req.addon_to,
                          is_bundled=req.is_bundled, extra=extra, explicit_price=price))
    return lines


def lines_from_cart(session: Session, event: Event, cart_id: str) -> list[Line]:
    """The positions of cart ``cart_id`` of ``event`` as lines (parents before their add-ons); ``empty`` if none."""
    rows = list(session.scalars(
        select(CartPosition)
        .where(CartPosition.event_id == event.id, CartPosition.cart_id == cart_id)
        .options(selectinload(CartPosition.item), selectinload(CartPosition.variation),
                 selectinload(CartPosition.voucher), selectinload(CartPosition.subevent))
        .order_by(CartPosition.id)
    ))
    if not rows:
        raise OrderError("empty", "Your cart is empty.")
    index = {row.id: i for i, row in enumerate(rows)}
    lines = []
    for row in rows:
        extra = {name: getattr(row, name) for name in ATTENDEE_FIELDS if getattr(row, name) is not None}
        lines.append(Line(item=row.item, variation=row.variation, subevent=row.subevent, voucher=row.voucher,
                          addon_to=index.get(row.addon_to_id), is_bundled=row.is_bundled, extra=extra, cart=row))
    return lines
