"""Creating payments and moving them to ``failed`` or ``canceled``; running a provider's ``execute_payment``."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import object_session

from core.db.tenancy import scope
from core.logs import log_action
from core.models.auth import User
from core.models.orders import Order
from core.models.payments import OrderPayment
from core.models.positions import OrderFee
from core.services.ordermails import send_order_mail
from core.services.payments.context import PaymentContext, PaymentError
from core.services.payments.lookup import payment_provider


def log_actor(actor: Any) -> dict[str, Any]:
    """``log_action`` keywords for ``actor``: a User, an identity or API token, or None (the system)."""
    if actor is None:
        return {}
    return {"user": actor} if isinstance(actor, User) else {"auth": actor}


def next_local_id(order: Order, model: type[Any]) -> int:
    """``max(local_id) + 1`` of ``model`` (OrderPayment or OrderRefund) rows of ``order`` (1 for the first)."""
    session = object_session(order)
    assert session is not None
    session.flush()
    with scope(order.organizer_id):
        current = session.scalar(select(func.max(model.local_id)).where(model.order_id == order.id))
    return (current or 0) + 1


def create_payment(
    order: Order,
    provider: str,
    amount: Decimal,
    *,
    state: str = OrderPayment.PAYMENT_STATE_CREATED,
    info: dict[str, Any] | None = None,
    fee: OrderFee | None = None,
) -> OrderPayment:
    """Add a payment of ``amount`` through ``provider`` to ``order`` (``local_id`` = max + 1) and flush it.

    ``state`` is ``created`` (default) or ``pending``; confirm payments with
    :func:`core.services.payments.confirm_payment`. Raises :class:`PaymentError` ``payment_amount_invalid`` for a
    negative amount and ``payment_state_invalid`` for any other state.
    """
    if amount < 0:
        raise PaymentError(f"A payment amount cannot be negative, got {amount}.", key="payment_amount_invalid",
                           amount=amount)
    if state not in OrderPayment.OPEN_STATES:
        raise PaymentError(f"A new payment must be created or pending, not {state!r}; confirm it afterwards.",
                           key="payment_state_invalid", state=state)
    payment = OrderPayment(
        order=order, organizer_id=order.organizer_id, local_id=next_local_id(order, OrderPayment),
        provider=provider, amount=amount, state=state, info=dict(info or {}), fee=fee,
    )
    session = object_session(order)
    assert session is not None
    session.add(payment)
    session.flush()
    return payment


def fail_payment(payment: OrderPayment, *, info: dict[str, Any] | None = None, actor: Any = None,
                 send_mail: bool = True) -> bool:
    """Mark an open payment ``failed`` (with ``info`` merged into ``payment.info``) and audit-log it.

    Payments already ``confirmed``, ``refunded`` or ``failed`` are left alone (returns False), as are canceled
    ones. The ``payment_failed`` mail goes to the buyer only if the order is still pending and ``send_mail``.
    """
    if payment.state not in OrderPayment.OPEN_STATES:
        return False
    payment.state = OrderPayment.PAYMENT_STATE_FAILED
    payment.info = {**(payment.info or {}), **(info or {})}
    order = payment.order
    log_action(order, "pretix.event.order.payment.failed", {
        "local_id": payment.local_id, "provider": payment.provider, "info": info or {},
    }, **log_actor(actor))
    if send_mail and order.status == Order.STATUS_PENDING:
        send_order_mail(object_session(order), order, "payment_failed")
    return True


def cancel_payment(payment: OrderPayment, *, actor: Any = None) -> None:
    """Abort an open payment at its provider, mark it ``canceled`` and audit-log it.

    Raises :class:`PaymentError` ``payment_not_cancelable`` for a payment that is not ``created`` or
    ``pending``, or the provider's own refusal (the payment then stays as it was).
    """
    if payment.state not in OrderPayment.OPEN_STATES:
        raise PaymentError(
            f"Payment {payment.full_id} is {payment.state} and can no longer be canceled.",
            key="payment_not_cancelable", state=payment.state,
        )
    provider = payment_provider(payment.order.event, payment.provider)
    if provider is not None:
        provider.cancel_payment(payment)
    payment.state = OrderPayment.PAYMENT_STATE_CANCELED
    log_action(payment.order, "pretix.event.order.payment.canceled", {
        "local_id": payment.local_id, "provider": payment.provider,
    }, **log_actor(actor))


def execute_payment(payment: OrderPayment, context: PaymentContext | None = None) -> str | None:
    """Let the payment's provider execute ``payment`` (state ``created``); returns a redirect URL or None.

    A provider refusal (:class:`PaymentError`) marks the payment ``failed`` with ``info["error"]`` and is
    re-raised with the failure written, so the caller can commit the record and show the message. Raises
    ``payment_provider_unknown`` if the provider is not available for the event.
    """
    provider = payment_provider(payment.order.event, payment.provider)
    if provider is None:
        raise PaymentError(
            f"The payment method {payment.provider!r} is not available for this event.",
            key="payment_provider_unknown", provider=payment.provider,
        )
    try:
        result = provider.execute_payment(context or PaymentContext(), payment)
    except PaymentError as exc:
        fail_payment(payment, info={"error": exc.message, "failed_at": dt.datetime.now(dt.UTC).isoformat()})
        raise
    if payment.state == OrderPayment.PAYMENT_STATE_CREATED:
        payment.process_initiated = True
    return result
