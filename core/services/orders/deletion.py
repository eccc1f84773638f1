"""Deleting a test-mode order with everything hanging off it (pretix allows this for test orders only).

Refused (:class:`~core.services.errors.OrderError`) for orders outside test mode (``not_testmode``) and for test
orders with invoices (``has_invoices``: invoices are permanent). Voucher redemptions of a pending or paid order are
given back; the quota usage counters follow through the ORM deletes. The ``pretix.event.order.deleted`` entry is
written on the event, since the order is gone.
"""

from __future__ import annotations

from typing import Any

from pyramid.config import Configurator
from sqlalchemy import delete, select

from core.logs import log_action
from core.models import Invoice, QuestionAnswer, Transaction
from core.models.orders import Order
from core.models.payments import OrderPayment, OrderRefund
from core.models.positions import OrderFee, OrderPosition
from core.services.errors import OrderError
from core.services.orders.common import change_voucher_usage, lock_order, log_actor, session_of, voucher_usage


def delete_test_order(order: Order, *, actor: Any = None) -> None:
    """Delete the test-mode ``order`` and its positions, answers, fees, payments, refunds, address and journal."""
    session = session_of(order)
    order = lock_order(session, order.id)
    if not order.testmode:
        raise OrderError("not_testmode", "Only test mode orders can be deleted.")
    if session.scalar(select(Invoice.id).where(Invoice.order_id == order.id).limit(1)) is not None:
        raise OrderError("has_invoices", "Orders with invoices can not be deleted.")
    positions = list(session.scalars(select(OrderPosition).where(OrderPosition.order_id == order.id)))
    if order.is_pending_or_paid:
        change_voucher_usage(session, voucher_usage(p for p in positions if not p.canceled), -1)
    ids = [p.id for p in positions]
    if ids:
        session.execute(delete(QuestionAnswer).where(QuestionAnswer.orderposition_id.in_(ids)))
    session.execute(delete(QuestionAnswer).where(QuestionAnswer.order_id == order.id))
    session.execute(delete(Transaction).where(Transaction.order_id == order.id))
    for model in (OrderRefund, OrderPayment):
        for row in session.scalars(select(model).where(model.order_id == order.id)):
            session.delete(row)
    session.flush()
    for position in sorted(positions, key=lambda p: p.addon_to_id is None):
        session.delete(position)
    for fee in session.scalars(select(OrderFee).where(OrderFee.order_id == order.id)):
        session.delete(fee)
    if order.invoice_address is not None:
        session.delete(order.invoice_address)
    session.flush()
    log_action(order.event, "pretix.event.order.deleted", {"code": order.code}, **log_actor(actor))
    session.delete(order)
    session.flush()


def includeme(config: Configurator) -> None:
    """Register the deletion's audit action type."""
    config.add_log_entry_type("pretix.event.order.deleted", "The test mode order {code} has been deleted.")
