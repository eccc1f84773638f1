"""Refunds: created against a confirmed payment, executed by its provider, done, canceled or failed.

A refund counts against the money held while it is ``created``, ``transit`` or ``done``. Once the counting refunds
of a payment reach its amount, the payment becomes ``refunded``. Refunds noticed at the provider (a chargeback, a
transfer the organizer made by hand) are recorded with :func:`create_external_refund`.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import object_session

from core.db.tenancy import scope
from core.logs import log_action
from core.models.orders import Order
from core.models.payments import OrderPayment, OrderRefund
from core.services.payments.confirm import lock_order
from core.services.payments.context import PaymentError
from core.services.payments.lookup import payment_provider
from core.services.payments.states import log_actor, next_local_id
from core.services.payments.sums import payment_refund_sum, pending_sum, refundable_amount

OPEN_REFUND_STATES = (OrderRefund.REFUND_STATE_CREATED, OrderRefund.REFUND_STATE_TRANSIT,
                      OrderRefund.REFUND_STATE_EXTERNAL)


def _check_amount(amount: Decimal) -> None:
    if amount <= 0:
        raise PaymentError(f"A refund amount must be positive, got {amount}.", key="refund_amount_invalid",
                           amount=amount)


def _new_refund(order: Order, **fields: Any) -> OrderRefund:
    refund = OrderRefund(order=order, organizer_id=order.organizer_id,
                         local_id=next_local_id(order, OrderRefund), **fields)
    session = object_session(order)
    assert session is not None
    session.add(refund)
    session.flush()
    return refund


def _settle_payment(payment: OrderPayment | None) -> None:
    """Mark a confirmed payment ``refunded`` once its done refunds cover its amount."""
    if payment is None or payment.state != OrderPayment.PAYMENT_STATE_CONFIRMED:
        return
    done = sum((r.amount for r in payment.refunds if r.state == OrderRefund.REFUND_STATE_DONE), Decimal("0"))
    if done >= payment.amount:
        payment.state = OrderPayment.PAYMENT_STATE_REFUNDED


def create_refund(
    order: Order,
    payment: OrderPayment | None,
    amount: Decimal,
    *,
    source: str = OrderRefund.REFUND_SOURCE_ADMIN,
    provider: str | None = None,
    comment: str | None = None,
    actor: Any = None,
    execute: bool = True,
) -> OrderRefund:
    """Create a refund of ``amount`` of ``payment`` and let the provider send the money back.

    ``provider`` defaults to the payment's provider; a refund through another provider (``manual``: the organizer
    transfers the money by hand) needs no provider support. With ``execute`` the provider's ``execute_refund``
    runs at once; a provider refusal marks the refund ``failed`` (``info["error"]``), logs
    ``pretix.event.order.refund.failed`` and raises the :class:`PaymentError` with the record written.

    Errors (nothing written): ``refund_amount_invalid`` (not positive), ``refund_payment_invalid`` (the payment
    is not a confirmed payment of this order), ``refund_amount_too_high`` (more than the payment's refundable
    amount, or without a payment more than the money held), ``refund_not_supported`` /
    ``refund_partial_not_supported`` (the payment's provider cannot refund it, or not partially).
    """
    _check_amount(amount)
    session = object_session(order)
    assert session is not None
    with scope(order.organizer_id):
        order = lock_order(session, order.id, payment.id if payment is not None else None)
        if payment is not None:
            if payment.order_id != order.id or payment.state not in OrderPayment.PAID_STATES:
                raise PaymentError(
                    f"Only confirmed payments of order {order.code} can be refunded.",
                    key="refund_payment_invalid", payment=payment.local_id,
                )
            available = refundable_amount(payment)
        else:
            available = payment_refund_sum(order)
        if amount > available:
            raise PaymentError(
                f"Cannot refund {amount}: at most {max(available, Decimal('0'))} can still be refunded.",
                key="refund_amount_too_high", amount=amount, available=available,
            )
        provider = provider or (payment.provider if payment is not None else "manual")
        handler = payment_provider(order.event, provider)
        automatic = payment is not None and provider == payment.provider
        if automatic:
            if handler is None or not handler.payment_refund_supported(payment):
                raise PaymentError(f"Payments through {provider} cannot be refunded automatically.",
                                   key="refund_not_supported", provider=provider)
            if amount < payment.amount and not handler.payment_partial_refund_supported(payment):
                raise PaymentError(f"Payments through {provider} can only be refunded in full.",
                                   key="refund_partial_not_supported", provider=provider)
        refund = _new_refund(order, payment=payment, amount=amount, source=source, provider=provider,
                             comment=comment, state=OrderRefund.REFUND_STATE_CREATED)
        log_action(order, "pretix.event.order.refund.created", {
            "local_id": refund.local_id, "provider": provider, "amount": amount,
            "payment": payment.local_id if payment is not None else None,
        }, **log_actor(actor))
        if execute and automatic and handler is not None:
            try:
                handler.execute_refund(refund)
            except PaymentError as exc:
                refund.state = OrderRefund.REFUND_STATE_FAILED
                refund.info = {**(refund.info or {}), "error": exc.message}
                log_action(order, "pretix.event.order.refund.failed", {
                    "local_id": refund.local_id, "provider": provider, "error": exc.message,
                }, **log_actor(actor))
                session.flush()
                raise
        return refund


def refund_done(refund: OrderRefund, *, actor: Any = None) -> None:
    """Mark ``refund`` (``created``, ``transit`` or ``external``) done; its payment may become ``refunded``.

    Idempotent for refunds already done. Raises ``refund_state_invalid`` for canceled or failed refunds.
    """
    if refund.state == OrderRefund.REFUND_STATE_DONE:
        return
    if refund.state not in OPEN_REFUND_STATES:
        raise PaymentError(f"Refund {refund.full_id} is {refund.state} and cannot be completed.",
                           key="refund_state_invalid", state=refund.state)
    refund.state = OrderRefund.REFUND_STATE_DONE
    refund.execution_date = dt.datetime.now(dt.UTC)
    _settle_payment(refund.payment)
    log_action(refund.order, "pretix.event.order.refund.done", {
        "local_id": refund.local_id, "provider": refund.provider,
    }, **log_actor(actor))


def _close_refund(refund: OrderRefund, state: str, action_type: str, actor: Any) -> None:
    if refund.state not in OPEN_REFUND_STATES:
        raise PaymentError(f"Refund {refund.full_id} is {refund.state} and can no longer be changed.",
                           key="refund_state_invalid", state=refund.state)
    refund.state = state
    log_action(refund.order, action_type, {"local_id": refund.local_id, "provider": refund.provider},
               **log_actor(actor))


def cancel_refund(refund: OrderRefund, *, actor: Any = None) -> None:
    """Mark an open refund ``canceled`` (it no longer counts); ``refund_state_invalid`` otherwise."""
    _close_refund(refund, OrderRefund.REFUND_STATE_CANCELED, "pretix.event.order.refund.canceled", actor)


def fail_refund(refund: OrderRefund, *, actor: Any = None) -> None:
    """Mark an open refund ``failed`` (it no longer counts); ``refund_state_invalid`` otherwise."""
    _close_refund(refund, OrderRefund.REFUND_STATE_FAILED, "pretix.event.order.refund.failed", actor)


def create_external_refund(
    order: Order,
    amount: Decimal,
    *,
    provider: str,
    payment: OrderPayment | None = None,
    comment: str | None = None,
    info: dict[str, Any] | None = None,
    actor: Any = None,
) -> OrderRefund:
    """Record money that went back to the buyer outside Ticketry (a chargeback, a manual transfer).

    The refund is created in state ``external`` and logged as ``pretix.event.order.refund.created.externally``.
    It is completed at once when that settles the balance exactly (the order's ``pending_sum`` counting the refund
    is 0, e.g. a canceled order's payment charged back in full); otherwise the organizer confirms it with
    :func:`refund_done`. Raises ``refund_amount_invalid`` for a non-positive amount.
    """
    _check_amount(amount)
    session = object_session(order)
    assert session is not None
    with scope(order.organizer_id):
        order = lock_order(session, order.id, payment.id if payment is not None else None)
        refund = _new_refund(order, payment=payment, amount=amount, source=OrderRefund.REFUND_SOURCE_EXTERNAL,
                             provider=provider, comment=comment, info=dict(info or {}),
                             state=OrderRefund.REFUND_STATE_EXTERNAL)
        log_action(order, "pretix.event.order.refund.created.externally", {
            "local_id": refund.local_id, "provider": provider, "amount": amount,
        }, **log_actor(actor))
        if pending_sum(order) + amount == 0:
            refund_done(refund, actor=actor)
        return refund
