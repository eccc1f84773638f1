"""Recording a refund exactly as an organizer reports it (pretix's ``POST …/refunds/``).

Unlike :func:`~core.services.payments.create_refund`, :func:`record_refund` neither asks a provider to move
money nor checks the amount against what was paid: it writes down a refund that happened (or is under way)
elsewhere, in the state given. A refund recorded as ``done`` settles its payment like
:func:`~core.services.payments.refund_done`.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from core.db.tenancy import scope
from core.logs import log_action
from core.models.orders import Order
from core.models.payments import OrderPayment, OrderRefund
from core.services.payments.confirm import lock_order, session_of
from core.services.payments.context import PaymentError
from core.services.payments.refunds import _check_amount, _new_refund, _settle_payment
from core.services.payments.states import log_actor


def record_refund(
    order: Order,
    amount: Decimal,
    *,
    provider: str,
    state: str = OrderRefund.REFUND_STATE_CREATED,
    source: str = OrderRefund.REFUND_SOURCE_ADMIN,
    payment: OrderPayment | None = None,
    comment: str | None = None,
    execution_date: dt.datetime | None = None,
    info: dict[str, Any] | None = None,
    actor: Any = None,
) -> OrderRefund:
    """Record a refund of ``amount`` of ``order`` in ``state`` and audit-log it (``pretix.event.order.refund.created``,
    plus ``…refund.done`` when recorded as done).

    Errors (nothing written): ``refund_amount_invalid`` (not positive), ``refund_payment_invalid`` (``payment``
    belongs to another order), ``refund_state_invalid`` (not one of the refund states).
    """
    _check_amount(amount)
    if state not in OrderRefund.REFUND_STATES:
        raise PaymentError(f"{state!r} is not a refund state.", key="refund_state_invalid", state=state)
    session = session_of(order)
    with scope(order.organizer_id):
        order = lock_order(session, order.id, payment.id if payment is not None else None)
        if payment is not None and payment.order_id != order.id:
            raise PaymentError(f"Payment {payment.local_id} does not belong to order {order.code}.",
                               key="refund_payment_invalid", payment=payment.local_id)
        done = state == OrderRefund.REFUND_STATE_DONE
        refund = _new_refund(order, payment=payment, amount=amount, source=source, provider=provider,
                             comment=comment, info=dict(info or {}), state=state,
                             execution_date=execution_date or (dt.datetime.now(dt.UTC) if done else None))
        log_action(order, "pretix.event.order.refund.created", {
            "local_id": refund.local_id, "provider": provider, "amount": amount,
            "payment": payment.local_id if payment is not None else None,
        }, **log_actor(actor))
        if done:
            _settle_payment(payment)
            log_action(order, "pretix.event.order.refund.done", {
                "local_id": refund.local_id, "provider": provider,
            }, **log_actor(actor))
        session.flush()
        return refund
