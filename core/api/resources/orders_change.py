"""``POST /orders/{code}/change/``: several content changes of an order in one step (pretix's change API).

The body lists ``patch_positions``, ``cancel_positions``, ``create_positions``, ``split_positions``,
``create_fees``, ``patch_fees``, ``cancel_fees``, ``recalculate_taxes`` (``keep_net`` / ``keep_gross``),
``send_email`` and ``reissue_invoice``. Every id is resolved first (unknown ones are field errors naming the
entry), then all operations go to one :class:`~core.services.orders.changes.OrderChangeManager` and are committed
together: either everything is applied or nothing. The answer is the order's JSON.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import Field
from pyramid.config import Configurator
from pyramid.request import Request
from sqlalchemy import select

from core.api.errors import ValidationFailed
from core.api.renderers.order_models import OrderOut
from core.api.resources.order_create_schema import FeeType
from core.api.resources.orders import DETAIL, WRITE, order_of, respond
from core.api.schemas import ApiInput, Money
from core.models import Item, ItemVariation, Order, OrderFee, OrderPosition, SubEvent, TaxRule
from core.services.orders.changes import KEEP_GROSS, KEEP_NET, OrderChangeManager


class PositionPatch(ApiInput):
    item: int | None = None
    variation: int | None = None
    subevent: int | None = None
    price: Money | None = None
    tax_rule: int | None = None
    valid_from: dt.datetime | None = None
    valid_until: dt.datetime | None = None
    secret: str | None = None


class PatchPosition(ApiInput):
    position: int
    body: PositionPatch


class PositionRef(ApiInput):
    position: int


class CreatePosition(ApiInput):
    item: int
    variation: int | None = None
    subevent: int | None = None
    price: Money | None = None
    addon_to: int | None = None


class CreateFee(ApiInput):
    fee_type: FeeType
    value: Money
    description: str = Field(default="", max_length=190)
    tax_rule: int | None = None


class FeePatch(ApiInput):
    value: Money | None = None


class PatchFee(ApiInput):
    fee: int
    body: FeePatch


class FeeRef(ApiInput):
    fee: int


class OrderChange(ApiInput):
    patch_positions: list[PatchPosition] = []
    cancel_positions: list[PositionRef] = []
    create_positions: list[CreatePosition] = []
    split_positions: list[PositionRef] = []
    create_fees: list[CreateFee] = []
    patch_fees: list[PatchFee] = []
    cancel_fees: list[FeeRef] = []
    recalculate_taxes: Literal["keep_net", "keep_gross"] | None = None
    send_email: bool = False
    reissue_invoice: bool = True


def _pk(value: Any) -> list[str]:
    return [f'Invalid pk "{value}" - object does not exist.']


class _Resolver:
    """Loads every object the body names (one query per kind) and collects field errors."""

    def __init__(self, request: Request, order: Order, body: OrderChange) -> None:
        session, event_id = request.dbsession, order.event_id
        self.positions = {p.id: p for p in session.scalars(select(OrderPosition).where(
            OrderPosition.order_id == order.id, OrderPosition.canceled.is_(False)))}
        self.fees = {f.id: f for f in session.scalars(select(OrderFee).where(
            OrderFee.order_id == order.id, OrderFee.canceled.is_(False)))}
        entries = [p.body for p in body.patch_positions] + list(body.create_positions)
        self.items = {i.id: i for i in session.scalars(select(Item).where(
            Item.event_id == event_id, Item.id.in_({e.item for e in entries if e.item is not None})))}
        self.variations = {v.id: v for v in session.scalars(select(ItemVariation).where(
            ItemVariation.id.in_({e.variation for e in entries if e.variation is not None})))}
        self.subevents = {s.id: s for s in session.scalars(select(SubEvent).where(
            SubEvent.event_id == event_id, SubEvent.id.in_({e.subevent for e in entries if e.subevent is not None})))}
        rules = {p.body.tax_rule for p in body.patch_positions} | {f.tax_rule for f in body.create_fees}
        self.rules = {r.id: r for r in session.scalars(select(TaxRule).where(
            TaxRule.event_id == event_id, TaxRule.id.in_({r for r in rules if r is not None})))}
        self.errors: dict[str, list[dict[str, Any]]] = {}

    def fail(self, field: str, size: int, index: int, errors: dict[str, Any]) -> None:
        listed = self.errors.setdefault(field, [{} for _ in range(size)])
        listed[index].update(errors)

    def lookup(self, table: dict[int, Any], value: int | None, field: str, where: tuple[str, int, int]) -> Any:
        if value is None:
            return None
        found = table.get(value)
        if found is None:
            self.fail(where[0], where[1], where[2], {field: _pk(value)})
        return found


def _record(ocm: OrderChangeManager, resolve: _Resolver, body: OrderChange) -> None:
    size = len(body.patch_positions)
    for index, entry in enumerate(body.patch_positions):
        where = ("patch_positions", size, index)
        position = resolve.lookup(resolve.positions, entry.position, "position", where)
        sent = entry.body.model_fields_set
        item = resolve.lookup(resolve.items, entry.body.item, "item", where)
        variation = resolve.lookup(resolve.variations, entry.body.variation, "variation", where)
        subevent = resolve.lookup(resolve.subevents, entry.body.subevent, "subevent", where)
        rule = resolve.lookup(resolve.rules, entry.body.tax_rule, "tax_rule", where)
        if position is None or resolve.errors:
            continue
        if "item" in sent or "variation" in sent:
            ocm.change_item(position, item or position.item, variation)
        if "subevent" in sent:
            ocm.change_subevent(position, subevent)
        if "price" in sent and entry.body.price is not None:
            ocm.change_price(position, entry.body.price)
        if "tax_rule" in sent:
            ocm.change_tax_rule(position, rule)
        validity = {k: getattr(entry.body, k) for k in ("valid_from", "valid_until") if k in sent}
        if validity:
            ocm.change_validity(position, **validity)
        if "secret" in sent:
            ocm.regenerate_secret(position)
    for field, method in (("cancel_positions", ocm.cancel_position), ("split_positions", None)):
        refs = getattr(body, field)
        found = [resolve.lookup(resolve.positions, r.position, "position", (field, len(refs), i))
                 for i, r in enumerate(refs)]
        if resolve.errors:
            continue
        if method is not None:
            for position in found:
                method(position)
        elif found:
            ocm.split(*found)
    size = len(body.create_positions)
    for index, entry in enumerate(body.create_positions):
        where = ("create_positions", size, index)
        item = resolve.lookup(resolve.items, entry.item, "item", where)
        variation = resolve.lookup(resolve.variations, entry.variation, "variation", where)
        subevent = resolve.lookup(resolve.subevents, entry.subevent, "subevent", where)
        parent = resolve.lookup(resolve.positions, entry.addon_to, "addon_to", where)
        if item is not None and not resolve.errors:
            ocm.add_position(item, variation, entry.price, addon_to=parent, subevent=subevent)
    _record_fees(ocm, resolve, body)
    if body.recalculate_taxes is not None:
        ocm.recalculate_taxes(KEEP_NET if body.recalculate_taxes == "keep_net" else KEEP_GROSS)


def _record_fees(ocm: OrderChangeManager, resolve: _Resolver, body: OrderChange) -> None:
    size = len(body.create_fees)
    for index, entry in enumerate(body.create_fees):
        rule = resolve.lookup(resolve.rules, entry.tax_rule, "tax_rule", ("create_fees", size, index))
        if not resolve.errors:
            ocm.add_fee(entry.fee_type, entry.value, tax_rule=rule, description=entry.description)
    size = len(body.patch_fees)
    for index, patch in enumerate(body.patch_fees):
        fee = resolve.lookup(resolve.fees, patch.fee, "fee", ("patch_fees", size, index))
        if fee is not None and patch.body.value is not None and not resolve.errors:
            ocm.change_fee(fee, patch.body.value)
    size = len(body.cancel_fees)
    for index, ref in enumerate(body.cancel_fees):
        fee = resolve.lookup(resolve.fees, ref.fee, "fee", ("cancel_fees", size, index))
        if fee is not None and not resolve.errors:
            ocm.cancel_fee(fee)


def change(request: Request) -> dict[str, Any]:
    body: OrderChange = request.api_body
    order = order_of(request)
    resolve = _Resolver(request, order, body)
    ocm = OrderChangeManager(order, actor=request.identity, notify=body.send_email,
                             reissue_invoice=body.reissue_invoice)
    _record(ocm, resolve, body)
    if resolve.errors:
        raise ValidationFailed(resolve.errors)
    ocm.commit()
    return respond(request, order)


def includeme(config: Configurator) -> None:
    config.add_api_view(change, path=f"{DETAIL}change/", method="POST", permission=WRITE, body=OrderChange,
                        response=OrderOut, summary="Change positions and fees of an order", tags=("orders",))
