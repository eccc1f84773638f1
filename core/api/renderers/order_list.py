"""Orders read back from the database (list pages, the detail, action answers) with a constant, small number of
statements, however many orders a page holds.

One statement reads the page's orders with their sales channel, invoice address and positions as plain columns
(no ORM objects are built for them) and tells which orders have fees, payments or refunds and which positions
have answers; those are then queried only when the page has any. ORM objects are loaded only where the contract
promises them: payment providers get :class:`OrderPayment` / :class:`OrderRefund`, :class:`IOrderApiData`
providers get :class:`Order` / :class:`OrderPosition` (and only where such a provider is active). The JSON is
built by :func:`~core.api.renderers.orders.order_json` and its siblings, like an order placed in this request.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from types import SimpleNamespace
from typing import Any

from pyramid.request import Request
from sqlalchemy import Select, and_, exists, select
from sqlalchemy.orm import Session

from core.api.renderers.answers import among, answers_of
from core.api.renderers.orders import (
    _ORDER_KEYS,
    _events,
    _plugin_data,
    _site,
    order_json,
    position_json,
    render_fee,
    render_payment,
    render_refund,
)
from core.interfaces.api import IOrderApiData
from core.models import (
    Event,
    InvoiceAddress,
    Order,
    OrderFee,
    OrderPayment,
    OrderPosition,
    OrderRefund,
    QuestionAnswer,
    SalesChannel,
)
from core.pluginhost import providers_for
from core.services.payments.lookup import payment_providers

log = logging.getLogger("ticketry.api")

_ORDER_COLUMNS = (
    "id", "event_id", "code", "status", "testmode", "secret", "email", "phone", "locale", "datetime", "expires",
    "total", "tax_rounding_mode", "comment", "custom_followup_at", "checkin_attention", "checkin_text",
    "last_modified", "require_approval", "valid_if_pending", "api_meta", "cancellation_date",
)
_ADDRESS_COLUMNS = (
    "id", "last_modified", "is_business", "company", "name_cached", "name_parts", "street", "zipcode", "city",
    "country", "state", "vat_id", "vat_id_validated", "custom_field", "internal_reference", "transmission_type",
    "transmission_info",
)
_POSITION_COLUMNS = (
    "id", "order_id", "positionid", "item_id", "variation_id", "price", "attendee_name_cached", "attendee_name_parts",
    "company", "street", "zipcode", "city", "country", "state", "discount_id", "attendee_email", "voucher_id",
    "tax_rate", "tax_value", "secret", "addon_to_id", "subevent_id", "tax_rule_id", "pseudonymization_id",
    "canceled", "tax_code", "valid_from", "valid_until", "blocked", "voucher_budget_use",
)
_FEE_COLUMNS = ("id", "order_id", "fee_type", "value", "description", "internal_type", "tax_rate", "tax_value",
                "tax_rule_id", "tax_code", "canceled")


def _has(model: Any, column: Any) -> Any:
    return exists().where(column == model.id)


_ORDER_SELECT = (
    [getattr(Order, name) for name in _ORDER_COLUMNS]
    + [SalesChannel.identifier.label("channel"), _has(Order, OrderFee.order_id).label("has_fees"),
       _has(Order, OrderPayment.order_id).label("has_payments"), _has(Order, OrderRefund.order_id).label("has_refunds")]
)
_ADDRESS_SELECT = [getattr(InvoiceAddress, name).label(f"address_{name}") for name in _ADDRESS_COLUMNS]
_POSITION_SELECT = ([getattr(OrderPosition, name).label(f"position_{name}") for name in _POSITION_COLUMNS]
                    + [_has(OrderPosition, QuestionAnswer.orderposition_id).label("position_has_answers")])
_FEE_SELECT = [getattr(OrderFee, name) for name in _FEE_COLUMNS]


def _page_rows(session: Session, keys: Select, order_by: Sequence[Any], skip: set[str],
               include_canceled_positions: bool) -> list[Any]:
    """One row per position of the page's orders (one for an order without), in the list's order: the order's
    columns with its sales channel, invoice address, whether it has fees, payments, refunds, and the position's
    columns with whether it has answers."""
    stmt = select(*_ORDER_SELECT).outerjoin(SalesChannel, SalesChannel.id == Order.sales_channel_id)
    if "invoice_address" not in skip:
        stmt = stmt.add_columns(*_ADDRESS_SELECT).outerjoin(InvoiceAddress, InvoiceAddress.order_id == Order.id)
    order_by = list(order_by)
    if "positions" not in skip:
        joined = OrderPosition.order_id == Order.id
        if not include_canceled_positions:
            joined = and_(joined, OrderPosition.canceled.is_(False))
        stmt = stmt.add_columns(*_POSITION_SELECT).outerjoin(OrderPosition, joined)
        order_by.append(OrderPosition.positionid)
    return list(session.execute(stmt.where(Order.id.in_(keys.scalar_subquery())).order_by(*order_by)))


def _part(row: Any, start: int, names: Sequence[str]) -> SimpleNamespace:
    """The columns ``names`` of ``row`` from index ``start`` on, as attributes (a position or an address)."""
    return SimpleNamespace(**dict(zip(names, row[start:start + len(names)], strict=True)))


def _by_order(rows: Iterable[Any]) -> dict[int, list[Any]]:
    out: dict[int, list[Any]] = defaultdict(list)
    for row in rows:
        out[row.order_id].append(row)
    return out


def _plugin(session: Session, events: Mapping[int, Event], model: Any, ids_by_event: Mapping[int, list[int]],
            method: str) -> dict[int, dict[str, Any]]:
    """``plugin_data`` of the rows ``ids_by_event``; their ORM objects are loaded only for events with a provider."""
    wanted: list[int] = []
    event_of: dict[int, int] = {}
    for event_id, ids in ids_by_event.items():
        try:
            active = providers_for(events[event_id], IOrderApiData)
        except Exception:
            log.exception("IOrderApiData providers of event %s could not be built", event_id)
            continue
        if active:
            wanted += ids
            event_of.update(dict.fromkeys(ids, event_id))
    if not wanted:
        return {}
    objects = list(session.scalars(select(model).where(among(session, model.id, wanted))))
    return _plugin_data(events, objects, method, lambda obj: event_of[obj.id])


def _render_positions(request: Request, orders: Mapping[int, Any], positions: Sequence[tuple[SimpleNamespace, bool]],
                      events: Mapping[int, Event]) -> dict[int, list[dict[str, Any]]]:
    """The position JSON of ``positions`` (``(columns, has answers)``) per order id; answers in one query."""
    session: Session = request.dbsession
    site = _site(request)
    event_of = {p.id: orders[p.order_id].event_id for p, _answered in positions}

    def file_url(position_id: int, question_id: int) -> str:
        event = events[event_of[position_id]]
        return (f"{site}/api/v1/organizers/{event.organizer.slug}/events/{event.slug}/orderpositions/"
                f"{position_id}/answer/{question_id}/")

    answered = [p.id for p, has_answers in positions if has_answers]
    answers = answers_of(session, QuestionAnswer.orderposition_id, answered, file_url=file_url) if answered else {}
    ids_by_event: dict[int, list[int]] = defaultdict(list)
    for position, _answered in positions:
        ids_by_event[event_of[position.id]].append(position.id)
    plugin = _plugin(session, events, OrderPosition, ids_by_event, "position_data")
    out: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for p, _answered in positions:
        out[p.order_id].append(position_json(p, orders[p.order_id].code, answers.get(p.id, []), plugin.get(p.id, {})))
    return out


def _loaded(rows: Sequence[Any], flag: str, load: Callable[[list[int]], dict[int, list[Any]]]) -> dict[int, list[Any]]:
    ids = [row.id for row in rows if getattr(row, flag)]
    return load(ids) if ids else {}


def render_order_page(request: Request, keys: Select, order_by: Sequence[Any], *,
                      include_canceled_positions: bool = False, include_canceled_fees: bool = False,
                      exclude: Iterable[str] = (), include: Iterable[str] = ()) -> list[dict[str, Any]]:
    """pretix's JSON of the orders whose ids ``keys`` selects, in ``order_by`` order.

    The switches are pretix's query parameters: canceled positions and fees are left out unless asked for;
    ``exclude`` drops top-level keys, ``include`` keeps only the named ones. Parts left out are not loaded.
    """
    session: Session = request.dbsession
    keep = set(include)
    skip = set(exclude) | ({k for k in _ORDER_KEYS if k not in keep} if keep else set())
    rows = _page_rows(session, keys, order_by, skip, include_canceled_positions)
    if not rows:
        return []
    fields = rows[0]._fields
    address_at = fields.index("address_id") if "address_id" in fields else 0
    orders: dict[int, Any] = {}
    positions: list[tuple[SimpleNamespace, bool]] = []
    if "positions" in skip:
        orders = {row.id: row for row in rows}
    else:
        start = fields.index("position_id")
        for row in rows:
            orders.setdefault(row.id, row)
            if row.position_id is not None:
                positions.append((_part(row, start, _POSITION_COLUMNS), row.position_has_answers))
    events = _events(session, {row.event_id for row in orders.values()})
    rendered_positions = _render_positions(request, orders, positions, events) if positions else {}
    rows = list(orders.values())

    def fees(ids: list[int]) -> dict[int, list[Any]]:
        stmt = select(*_FEE_SELECT).where(among(session, OrderFee.order_id, ids))
        if not include_canceled_fees:
            stmt = stmt.where(OrderFee.canceled.is_(False))
        return _by_order(session.execute(stmt.order_by(OrderFee.id)))

    fee_rows = {} if "fees" in skip else _loaded(rows, "has_fees", fees)
    payments = _loaded(rows, "has_payments", lambda ids: _by_order(session.scalars(
        select(OrderPayment).where(among(session, OrderPayment.order_id, ids)).order_by(OrderPayment.local_id))))
    refunds = {} if "refunds" in skip else _loaded(rows, "has_refunds", lambda ids: _by_order(session.scalars(
        select(OrderRefund).where(among(session, OrderRefund.order_id, ids)).order_by(OrderRefund.local_id))))
    providers = ({event_id: payment_providers(event) for event_id, event in events.items()}
                 if payments or refunds else {})
    ids_by_event: dict[int, list[int]] = defaultdict(list)
    for row in rows:
        ids_by_event[row.event_id].append(row.id)
    plugin = _plugin(session, events, Order, ids_by_event, "order_data")
    out = []
    for order in rows:
        event = events[order.event_id]
        own_payments = payments.get(order.id, [])
        local_ids = {p.id: p.local_id for p in own_payments}
        own_providers = providers.get(order.event_id, {})
        data = order_json(
            request, order, event, channel=order.channel, positions=rendered_positions.get(order.id, []),
            fees=[render_fee(f) for f in fee_rows.get(order.id, [])], payments=own_payments,
            address=None if "invoice_address" in skip or order.address_id is None
            else _part(order, address_at, _ADDRESS_COLUMNS), plugin_data=plugin.get(order.id, {}),
            rendered_payments=[render_payment(request, p, order, event, own_providers) for p in own_payments],
            rendered_refunds=[render_refund(request, r, local_ids, own_providers) for r in refunds.get(order.id, [])],
        )
        for key in skip:
            data.pop(key, None)
        out.append(data)
    return out
