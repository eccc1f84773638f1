"""``POST /organizers/{o}/events/{e}/orders/``: create an order as pretix does (section 9 "Order creation").

The body is checked first (field errors naming the position), then :func:`core.services.orders.place_order` runs
with the positions; its refusals become pretix's field errors. What placement does not know is applied to the new
order in the same transaction: a chosen ``code``, answers, explicit fees, follow-up date, check-in flags, API meta
data and ``status: "p"`` (the payment is confirmed). ``simulate`` places nothing: the order is computed, rendered
with code and secrets ``PREVIEW`` and ids 0, and every write is rolled back. ``consume_carts`` deletes those carts
before the capacity checks (their places are the order's).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from pyramid.config import Configurator
from pyramid.request import Request
from sqlalchemy import delete, inspect, select
from sqlalchemy.orm import Session

from core.api.renderers.order_models import OrderOut
from core.api.renderers.orders import order_json, position_json, render_fee, render_new_order
from core.api.resources.order_create_checks import Checked, check_body, map_placement_error, parent_indexes
from core.api.resources.order_create_schema import OrderCreate, PositionIn
from core.api.resources.order_patch import InvoiceAddressIn
from core.api.resources.orders import LIST, WRITE, respond
from core.models import (
    CartPosition,
    Event,
    InvoiceAddress,
    Order,
    OrderFee,
    OrderPayment,
    QuestionAnswer,
    QuestionOption,
    TaxRule,
)
from core.models.position_base import cached_name
from core.pluginhost.activity import kept_over_commit
from core.services.errors import CommerceError
from core.services.orders import PositionRequest, place_order
from core.services.payments import confirm_payment
from core.services.payments.states import create_payment
from core.services.pricing.taxes import taxed_from_gross
from core.services.transactions import create_transactions
from core.settings import settings_for

PREVIEW = "PREVIEW"


def _name_parts(position: PositionIn, scheme: str) -> dict[str, Any] | None:
    if position.attendee_name_parts:
        return {"_scheme": scheme, **position.attendee_name_parts}
    if position.attendee_name:
        return {"_scheme": "full", "full_name": position.attendee_name}
    return None


def _requests(body: OrderCreate, scheme: str, checked: Checked) -> list[PositionRequest]:
    parents = parent_indexes(body.positions)
    return [PositionRequest(
        item=checked.items[p.item], variation=checked.variations.get(p.variation) if p.variation else None,
        subevent=p.subevent, voucher=p.voucher, price=p.price,
        addon_to=parent, attendee_name_parts=_name_parts(p, scheme), attendee_email=p.attendee_email,
        company=p.company, street=p.street, zipcode=p.zipcode, city=p.city,
        country=p.country.upper() if p.country else None, state=p.state, valid_from=p.valid_from,
        valid_until=p.valid_until,
    ) for p, parent in zip(body.positions, parents, strict=True)]


def _address(values: InvoiceAddressIn | None) -> InvoiceAddress | None:
    if values is None:
        return None
    data = values.model_dump()
    data["name_cached"] = cached_name(values.name_parts)
    data["country"] = (values.country or "").upper() or None
    return InvoiceAddress(**data)


def _extra_fees(session: Session, order: Order, body: OrderCreate) -> list[OrderFee]:
    fees = []
    for fee in body.fees:
        rule = session.get(TaxRule, fee.tax_rule) if fee.tax_rule is not None else None
        taxed = taxed_from_gross(fee.value, rule.rate, order.event.currency, rule.code) if rule is not None else None
        fees.append(OrderFee(
            order=order, organizer_id=order.organizer_id, fee_type=fee.fee_type, value=fee.value,
            description=fee.description, internal_type=fee.internal_type, tax_rule_id=fee.tax_rule,
            tax_rate=taxed.rate if taxed else Decimal("0"), tax_value=taxed.tax if taxed else Decimal("0.00"),
            tax_code=taxed.code if taxed else None,
        ))
    if fees:
        order.total += sum((f.value for f in fees), Decimal("0.00"))
    return fees


def _set_fields(order: Order, body: OrderCreate) -> None:
    """The body's extra order fields; only those that differ from a new order's defaults are set (no UPDATE)."""
    if body.custom_followup_at is not None:
        order.custom_followup_at = body.custom_followup_at
    if body.checkin_attention:
        order.checkin_attention = True
    if body.checkin_text is not None:
        order.checkin_text = body.checkin_text
    if body.api_meta:
        order.api_meta = dict(body.api_meta)
    if body.valid_if_pending:
        order.valid_if_pending = True
    if body.code is not None:
        order.code = body.code


def _answers(session: Session, order: Order, body: OrderCreate) -> None:
    if not any(p.answers for p in body.positions):
        return
    wanted = {o for p in body.positions for a in p.answers for o in a.options}
    options = {o.id: o for o in session.scalars(select(QuestionOption).where(
        QuestionOption.id.in_(wanted)))} if wanted else {}
    for position, data in zip(order.all_positions, body.positions, strict=True):
        for answer in data.answers:
            chosen = [options[o] for o in answer.options]
            text = answer.answer or ", ".join(str(o.answer) for o in chosen)
            session.add(QuestionAnswer(organizer_id=order.organizer_id, question_id=answer.question,
                                       orderposition=position, answer=text, options=chosen))


def _pay(request: Request, order: Order, body: OrderCreate) -> None:
    session: Session = request.dbsession
    payment = next((p for p in order.payments if p.state in OrderPayment.OPEN_STATES), None)
    if payment is None:
        if order.status == Order.STATUS_PAID:
            return
        payment = create_payment(order, body.payment_provider or "manual", order.total, info=body.payment_info)
    elif body.payment_info is not None:
        payment.info = dict(body.payment_info)
    payment.amount = order.total
    session.flush()
    confirm_payment(payment, actor=request.identity, force=True, send_mail=bool(body.send_email),
                    payment_date=body.payment_date or dt.datetime.now(dt.UTC))


def create_order(request: Request) -> dict[str, Any]:
    body: OrderCreate = request.api_body
    session: Session = request.dbsession
    event: Event = request.context.event
    checked = check_body(session, event, body)
    scheme = settings_for(session, event)["name_scheme"]
    requests = _requests(body, scheme, checked)
    savepoint = session.begin_nested() if body.simulate else None
    try:
        if body.consume_carts:
            session.execute(delete(CartPosition).where(CartPosition.event_id == event.id,
                                                       CartPosition.cart_id.in_(body.consume_carts)))
        try:
            order = place_order(
                session, event, positions=requests, email=body.email, phone=body.phone, locale=body.locale,
                sales_channel=checked.channel, payment_provider=body.payment_provider,
                invoice_address=_address(body.invoice_address), comment=body.comment, testmode=body.testmode,
                simulate=body.simulate, force=body.force, send_email=bool(body.send_email),
                require_approval=body.require_approval or None, actor=request.identity,
            )
        except CommerceError as error:
            raise map_placement_error(session, event, body, error) from None
        if body.simulate:
            return _simulated(request, order, body)
    finally:
        if savepoint is not None:
            savepoint.rollback()
    _complete(request, order, body)
    order_id = order.id
    answered = any(p.answers for p in body.positions) or any(
        isinstance(obj, QuestionAnswer) for obj in session.identity_map.values())
    kept = _detach_loaded(session, order, event)
    # Commit now: the placement's capacity locks are held until the transaction ends, and rendering the
    # answer needs no lock.
    with kept_over_commit(session):
        request.tm.commit()
    request.tm.begin()
    if not kept:
        return respond(request, session.get(Order, order_id))
    session.add_all(kept)
    return render_new_order(request, order, event, body.sales_channel, answered=answered)


_RENDERED = {"all_positions", "all_fees", "payments", "invoice_address"}


def _detach_loaded(session: Session, order: Order, event: Event) -> list[Any]:
    """Detach the new order's objects and the event so that the commit does not expire them; added back after
    the commit, they render the answer without reading anything back. Nothing is detached (empty list) when a
    part is not loaded, e.g. after a payment was confirmed: the order is then read back."""
    if inspect(order).unloaded & _RENDERED:
        return []
    objects = [order, *order.all_positions, *order.all_fees, *order.payments, event, event.organizer]
    if order.invoice_address is not None:
        objects.append(order.invoice_address)
    if any(inspect(obj).expired_attributes for obj in objects):
        return []
    for obj in objects:
        session.expunge(obj)
    return objects


def _complete(request: Request, order: Order, body: OrderCreate) -> None:
    session: Session = request.dbsession
    _set_fields(order, body)
    _answers(session, order, body)
    fees = _extra_fees(session, order, body)
    session.add_all(fees)
    if fees:
        for payment in order.payments:
            if payment.state in OrderPayment.OPEN_STATES:
                payment.amount = order.total
        session.flush()
        create_transactions(session, order)
    if body.status == Order.STATUS_PAID:
        _pay(request, order, body)
    session.flush()


def _simulated(request: Request, order: Order, body: OrderCreate) -> dict[str, Any]:
    """The order as it would have been placed (nothing of it is stored)."""
    _set_fields(order, body)
    order.code, order.secret = body.code or PREVIEW, PREVIEW
    _extra_fees(request.dbsession, order, body)
    positions = []
    for position, data in zip(order.all_positions, body.positions, strict=True):
        position.id, position.secret, position.pseudonymization_id = 0, PREVIEW, PREVIEW
        answers = [{"question": a.question, "answer": a.answer, "question_identifier": None,
                    "options": list(a.options), "option_identifiers": []} for a in data.answers]
        positions.append(position_json(position, order.code, answers, {}))
    fees = [{**render_fee(f), "id": 0} for f in order.all_fees]
    if body.status == Order.STATUS_PAID:
        order.status = Order.STATUS_PAID
    return order_json(request, order, request.context.event, channel=body.sales_channel, positions=positions,
                      fees=fees, payments=[], address=order.invoice_address, plugin_data={},
                      rendered_payments=[], rendered_refunds=[])


def includeme(config: Configurator) -> None:
    config.add_api_view(create_order, path=LIST, method="POST", permission=WRITE, body=OrderCreate,
                        response=OrderOut, status=201, summary="Create an order (or simulate it)", tags=("orders",))
