"""Money math of an order over its loaded payments and refunds (pure functions, no queries of their own).

``payment_refund_sum`` is the money the organizer holds for the order: confirmed (and later refunded) payments
minus refunds that are done, in transit or created. ``pending_sum`` is what the buyer still owes: the total (0
for a canceled order) minus that sum; it is negative when the order is overpaid.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from core.models.orders import Order
from core.models.payments import OrderPayment, OrderRefund

ZERO = Decimal("0.00")


def paid_sum(payments: list[Any]) -> Decimal:
    """Sum of the payments that brought money in (``confirmed`` or ``refunded``)."""
    return sum((p.amount for p in payments if p.state in OrderPayment.PAID_STATES), ZERO)


def refunded_sum(refunds: list[Any]) -> Decimal:
    """Sum of the refunds that count against the money received (``created``, ``transit``, ``done``)."""
    return sum((r.amount for r in refunds if r.state in OrderRefund.COUNTING_STATES), ZERO)


def payment_refund_sum(order: Order) -> Decimal:
    """Money held for ``order``: confirmed payments minus counting refunds."""
    return paid_sum(order.payments) - refunded_sum(order.refunds)


def pending_sum(order: Order) -> Decimal:
    """What the buyer still owes: ``total`` (0 if canceled) minus :func:`payment_refund_sum`; negative: overpaid."""
    total = ZERO if order.status == Order.STATUS_CANCELED else order.total
    return total - payment_refund_sum(order)


def is_overpaid(order: Order) -> bool:
    """More money is held than the order costs (canceled orders cost nothing)."""
    return pending_sum(order) < 0


def is_underpaid(order: Order) -> bool:
    """The order is paid but the money held is below its total (e.g. after a change raised the price)."""
    return order.status == Order.STATUS_PAID and pending_sum(order) > 0


def is_pending_with_full_payment(order: Order) -> bool:
    """The order is still pending although the money held covers its total (approval pending, refused late)."""
    return order.status == Order.STATUS_PENDING and pending_sum(order) <= 0


def refundable_amount(payment: OrderPayment) -> Decimal:
    """What can still be refunded of ``payment``: its amount minus its counting refunds (0 unless paid)."""
    if payment.state not in OrderPayment.PAID_STATES:
        return ZERO
    return payment.amount - refunded_sum(payment.refunds)
