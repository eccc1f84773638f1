"""Late payment of an expired order: accepted while the quota fits, refused with QuotaExceeded when it does not."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from core.models import LogEntry
from core.models.orders import Order
from core.models.transactions import Transaction
from core.services import payments
from core.services.errors import OrderError, QuotaExceeded
from core.settings import settings_for

D = Decimal


def journal_sum(db_session, order) -> int:
    return db_session.scalar(select(func.coalesce(func.sum(Transaction.count), 0)).where(
        Transaction.order_id == order.id))


def test_late_payment_succeeds_while_the_quota_has_room(make_order, quota, db_session) -> None:
    make_order(positions=8, status=Order.STATUS_PAID)
    late = make_order(positions=2, status=Order.STATUS_EXPIRED)
    assert journal_sum(db_session, late) == 0
    assert payments.confirm_payment(payments.create_payment(late, "manual", D("20.00"))) is True
    assert late.status == Order.STATUS_PAID
    assert journal_sum(db_session, late) == 2


def test_late_payment_fails_when_the_quota_is_gone(make_order, quota, db_session) -> None:
    make_order(positions=9, status=Order.STATUS_PAID)
    late = make_order(positions=2, status=Order.STATUS_EXPIRED)
    payment = payments.create_payment(late, "manual", D("20.00"))
    with pytest.raises(QuotaExceeded) as info:
        payments.confirm_payment(payment)
    assert info.value.key == "quota" and info.value.params["quota"] == quota.id
    assert payment.state == "created" and late.status == Order.STATUS_EXPIRED
    logged = db_session.scalars(select(LogEntry.action_type).where(LogEntry.object_id == late.id,
                                                                   LogEntry.object_type == "orders")).all()
    assert logged == ["pretix.event.order.quotaexceeded"]


def test_forced_late_payment_ignores_the_quota(make_order, quota) -> None:
    make_order(positions=10, status=Order.STATUS_PAID)
    late = make_order(positions=1, status=Order.STATUS_EXPIRED)
    assert payments.confirm_payment(payments.create_payment(late, "manual", D("10.00")), force=True) is True
    assert late.status == Order.STATUS_PAID


def test_pending_order_is_not_rechecked(make_order, quota) -> None:
    pending = make_order(positions=2)
    make_order(positions=9, status=Order.STATUS_PAID)
    assert payments.confirm_payment(payments.create_payment(pending, "manual", D("20.00"))) is True


def test_late_payments_refused_by_setting(make_order, quota, db_session, event) -> None:
    settings_for(db_session, event).set("payment_term_accept_late", False)
    late = make_order(status=Order.STATUS_EXPIRED)
    with pytest.raises(OrderError) as info:
        payments.mark_order_paid(late)
    assert info.value.key == "late"


def test_unlimited_quota_always_fits(make_order, quota) -> None:
    quota.size = None
    make_order(positions=50, status=Order.STATUS_PAID)
    late = make_order(status=Order.STATUS_EXPIRED)
    payments.mark_order_paid(late)
    assert late.status == Order.STATUS_PAID
