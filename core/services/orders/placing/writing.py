"""Writing a placed order: the rows (:func:`insert_order`), then what follows the capacity checks
(:func:`complete_order`).

:func:`insert_order` writes the order, its invoice address, positions, fees and payment with direct inserts
(:mod:`core.db.direct_insert`: a flush of them cost more than the rest of the locked section) and counts their
usage as the flush hook would (:func:`~core.models.usage.count_inserted`). It gives the positions their ticket
secrets, writes the journal from the new rows (nothing is read back) and the audit log entry
``pretix.event.order.placed`` (or ``.placed.require_approval``). It touches no capacity: other transactions count
capacity from the usage counters, which this transaction changes only at its commit, so the rows may be written
before the capacity locks are taken (:mod:`core.services.orders.placement` does, inside a savepoint it rolls back
when a check refuses).

:func:`complete_order` counts the voucher redemptions, moves the cart's answers to the new positions and deletes the
cart, sends :class:`~core.interfaces.orders.IOrderPlaced`, confirms a free order's ``free`` payment and queues the
placed mail for after the commit. A simulation only counts and deletes (inside the caller's savepoint).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core.db.direct_insert import insert_new
from core.logs import log_action
from core.models.answers import QuestionAnswer
from core.models.cart import CartPosition
from core.models.orders import Order
from core.models.payments import OrderPayment
from core.models.positions import OrderFee, OrderPosition
from core.models.usage import count_inserted
from core.models.vouchers import Voucher
from core.pluginhost import send
from core.services.codes import is_order_code_collision
from core.services.order_signals import OrderPlaced
from core.services.orders.placing.lines import Line
from core.services.orders.placing.notify import queue_placed_mail
from core.services.orders.placing.validity import validity_of
from core.services.payments import confirm_payment
from core.services.payments.states import log_actor
from core.services.secrets import assign_ticket_secrets
from core.services.transactions import create_transactions


def _positions(order: Order, lines: Sequence[Line], moment: dt.datetime) -> list[OrderPosition]:
    created: list[OrderPosition] = []
    for number, line in enumerate(lines, start=1):
        valid_from, valid_until = validity_of(line, moment)
        created.append(OrderPosition(
            organizer_id=order.organizer_id, positionid=number, item=line.item,
            variation=line.variation, subevent=line.subevent, voucher=line.voucher, price=line.price,
            price_includes_rounding_correction=line.price_correction, tax_rate=line.tax_rate,
            tax_rule_id=line.tax_rule_id, tax_code=line.tax_code, tax_value=line.tax_value,
            tax_value_includes_rounding_correction=line.tax_correction,
            voucher_budget_use=line.voucher_budget_use, discount_id=line.discount_id, is_bundled=line.is_bundled,
            addon_to=created[line.addon_to] if line.addon_to is not None else None,
            valid_from=valid_from, valid_until=valid_until, **line.extra,
        ))
    order.all_positions = created  # replaces those of an earlier attempt (a taken order code)
    return created


def _payment(order: Order, provider: Any, fees: Sequence[OrderFee]) -> OrderPayment | None:
    if order.require_approval:
        return None
    if order.total == 0:
        identifier = "free"
    elif provider is not None:
        identifier = provider.identifier
    else:
        return None
    fee = next((f for f in fees if f.fee_type == OrderFee.FEE_TYPE_PAYMENT and f.internal_type == identifier), None)
    return OrderPayment(order=order, organizer_id=order.organizer_id, local_id=1, provider=identifier,
                        amount=order.total, state=OrderPayment.PAYMENT_STATE_CREATED, fee=fee)


class OrderCodeTaken(Exception):
    """The order's code is already used by another order of the organizer (found by the insert itself)."""


def insert_order(session: Session, order: Order, lines: Sequence[Line], fees: list[OrderFee], *, provider: Any,
                 invoice_address: Any, moment: dt.datetime, actor: Any) -> tuple[list[OrderPosition],
                                                                                 OrderPayment | None]:
    """Write ``order`` with its positions (from ``lines``), fees, payment, journal and log entry; see the module
    docstring. Returns ``(positions, payment or None)``; raises :class:`OrderCodeTaken` when the order's code is
    taken (nothing was written then; the caller rolls back its savepoint and tries another code)."""
    if invoice_address is not None:
        invoice_address.organizer_id = order.organizer_id
    order.invoice_address = invoice_address
    created = _positions(order, lines, moment)
    for fee in fees:
        fee.organizer_id = order.organizer_id
    order.all_fees = list(fees)
    payment = _payment(order, provider, fees)
    order.payments = [payment] if payment is not None else []
    try:
        insert_new(session, _rows_of(order))
    except IntegrityError as error:
        if is_order_code_collision(error):
            raise OrderCodeTaken(order.code) from error
        raise
    count_inserted(session, order, created)
    assign_ticket_secrets(session, order.event, created)
    create_transactions(session, order, now=order.datetime, is_new=True, contents=(created, fees))
    action = "pretix.event.order.placed.require_approval" if order.require_approval else "pretix.event.order.placed"
    log_action(order, action, {"total": order.total, "positions": len(created), "testmode": order.testmode,
                               "sales_channel": order.sales_channel.identifier}, **log_actor(actor))
    return created, payment


def _rows_of(order: Order) -> list[Any]:
    """The new objects of a placed order, parents first."""
    address = [order.invoice_address] if order.invoice_address is not None else []
    return [order, *address, *order.all_positions, *order.all_fees, *order.payments]


def complete_order(session: Session, order: Order, lines: Sequence[Line], created: Sequence[OrderPosition],
                   payment: OrderPayment | None, *, cart_id: str | None, actor: Any, send_email: bool,
                   simulate: bool) -> Order:
    """Voucher redemptions, the cart, the placed signal, a free order's payment and the placed mail; see the module
    docstring."""
    _redeem_vouchers(session, order, lines)
    if cart_id is not None:
        _consume_cart(session, order, lines, created)
    free = payment is not None and payment.provider == "free"
    if simulate:
        if free:
            payment.state, order.status = OrderPayment.PAYMENT_STATE_CONFIRMED, Order.STATUS_PAID  # type: ignore
        return order
    kind = "placed_require_approval" if order.require_approval else "placed"
    send(OrderPlaced(order))
    if free:
        confirm_payment(payment, actor=actor, send_mail=False)
        kind = "placed_free"
    if send_email and order.email:
        queue_placed_mail(session, order, kind)
    return order


def _redeem_vouchers(session: Session, order: Order, lines: Sequence[Line]) -> None:
    uses = Counter(line.voucher.id for line in lines if line.voucher is not None)
    if not uses:
        return
    for voucher_id, count in sorted(uses.items()):
        session.execute(update(Voucher).where(Voucher.id == voucher_id)
                        .values(redeemed=Voucher.redeemed + count).execution_options(synchronize_session=False))
    vouchers = {line.voucher.id: line.voucher for line in lines if line.voucher is not None}
    for voucher_id in uses:
        session.expire(vouchers[voucher_id], ["redeemed"])
        log_action(vouchers[voucher_id], "pretix.voucher.redeemed", {"order_code": order.code,
                                                                     "count": uses[voucher_id]})


def _consume_cart(session: Session, order: Order, lines: Sequence[Line], created: Sequence[OrderPosition]) -> None:
    ids = [line.cart.id for line in lines if line.cart is not None]
    by_cart = {line.cart.id: position for line, position in zip(lines, created, strict=True)
               if line.cart is not None}
    answered = set(session.scalars(select(QuestionAnswer.cartposition_id)
                                   .where(QuestionAnswer.cartposition_id.in_(ids))))
    for cart_position_id in sorted(answered):
        session.execute(update(QuestionAnswer).where(QuestionAnswer.cartposition_id == cart_position_id)
                        .values(cartposition_id=None, orderposition_id=by_cart[cart_position_id].id,
                                order_id=order.id)
                        .execution_options(synchronize_session=False))
    for line in lines:
        if line.cart is not None:
            session.expunge(line.cart)
    session.execute(delete(CartPosition).where(CartPosition.id.in_(ids))
                    .execution_options(synchronize_session=False))
