"""Confirming payments: idempotency, partial payments, overpayment, approval, the last date, failing, canceling."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from core.models import LogEntry
from core.models.orders import Order
from core.models.payments import OrderPayment
from core.models.transactions import Transaction
from core.services import payments
from core.services.errors import OrderError
from core.services.order_signals import OrderPaid
from core.settings import settings_for

D = Decimal


def actions(db_session, order) -> list[str]:
    return list(db_session.scalars(
        select(LogEntry.action_type).where(LogEntry.object_type == "orders", LogEntry.object_id == order.id)
        .order_by(LogEntry.id)
    ))


def test_create_payment_numbers_per_order(make_order) -> None:
    order, other = make_order(), make_order()
    first = payments.create_payment(order, "manual", D("10.00"))
    second = payments.create_payment(order, "manual", D("5.00"), state="pending")
    assert (first.local_id, second.local_id) == (1, 2)
    assert payments.create_payment(other, "manual", D("1.00")).local_id == 1
    assert second.full_id == f"{order.code}-P-2"


@pytest.mark.parametrize(("amount", "state", "key"), [
    (D("-1.00"), "created", "payment_amount_invalid"), (D("1.00"), "confirmed", "payment_state_invalid"),
])
def test_create_payment_refuses_bad_input(make_order, db_session, amount, state, key) -> None:
    order = make_order()
    with pytest.raises(payments.PaymentError) as info:
        payments.create_payment(order, "manual", amount, state=state)
    assert info.value.key == key
    assert db_session.scalar(select(func.count()).select_from(OrderPayment)) == 0


def test_confirm_marks_the_order_paid_once(make_order, db_session, user) -> None:
    order = make_order(positions=2)
    payment = payments.create_payment(order, "manual", D("20.00"))
    assert payments.confirm_payment(payment, actor=user) is True
    assert order.status == Order.STATUS_PAID
    assert payment.state == "confirmed" and payment.payment_date is not None
    assert payments.confirm_payment(payment, actor=user) is False
    assert actions(db_session, order) == [
        "pretix.event.order.payment.confirmed", "pretix.event.order.paid", "pretix.event.order.email.paid",
    ]


def test_confirm_without_mail(make_order, db_session) -> None:
    order = make_order()
    payments.confirm_payment(payments.create_payment(order, "manual", D("10.00")), send_mail=False)
    assert "pretix.event.order.email.paid" not in actions(db_session, order)
    assert payments.pending_sum(order) == 0 and not payments.is_overpaid(order)


def test_confirm_sends_order_paid(make_order, signal_log) -> None:
    order = make_order()
    payments.confirm_payment(payments.create_payment(order, "manual", D("10.00")))
    assert [entry.signal.order for entry in signal_log.of(OrderPaid)] == [order]


def test_partial_payments_add_up(make_order, db_session) -> None:
    order = make_order(positions=3)
    first = payments.create_payment(order, "manual", D("12.00"))
    assert payments.confirm_payment(first) is False
    assert order.status == Order.STATUS_PENDING
    assert payments.pending_sum(order) == D("18.00")
    second = payments.create_payment(order, "manual", D("18.00"))
    assert payments.confirm_payment(second) is True
    assert order.status == Order.STATUS_PAID
    assert payments.pending_sum(order) == 0


def test_overpayment_is_flagged_and_logged(make_order, db_session) -> None:
    order = make_order()
    payments.confirm_payment(payments.create_payment(order, "manual", D("10.00")))
    payments.confirm_payment(payments.create_payment(order, "manual", D("4.50")))
    assert payments.is_overpaid(order) and payments.pending_sum(order) == D("-4.50")
    assert actions(db_session, order)[-1] == "pretix.event.order.overpaid"
    assert not payments.is_underpaid(order)


def test_underpaid_after_the_total_grew(make_order) -> None:
    order = make_order()
    payments.confirm_payment(payments.create_payment(order, "manual", D("10.00")))
    order.total = D("15.00")
    assert payments.is_underpaid(order) and payments.pending_sum(order) == D("5.00")


def test_payment_on_a_canceled_order_counts_as_overpayment(make_order, db_session) -> None:
    order = make_order(status=Order.STATUS_CANCELED)
    assert payments.confirm_payment(payments.create_payment(order, "manual", D("10.00"))) is False
    assert order.status == Order.STATUS_CANCELED
    assert payments.pending_sum(order) == D("-10.00")
    assert "pretix.event.order.overpaid" in actions(db_session, order)


def test_order_awaiting_approval_stays_pending_with_full_payment(make_order) -> None:
    order = make_order(require_approval=True)
    assert payments.confirm_payment(payments.create_payment(order, "manual", D("10.00"))) is False
    assert order.status == Order.STATUS_PENDING
    assert payments.is_pending_with_full_payment(order)


def test_mark_order_paid_refuses_an_unapproved_order(make_order, db_session) -> None:
    order = make_order(require_approval=True)
    with pytest.raises(OrderError) as info:
        payments.mark_order_paid(order)
    assert info.value.key == "approval_pending"
    assert db_session.scalar(select(func.count()).select_from(OrderPayment)) == 0


def test_mark_order_paid_creates_a_manual_payment(make_order, user) -> None:
    order = make_order(positions=2)
    payment = payments.mark_order_paid(order, actor=user)
    assert (payment.provider, payment.amount, payment.state) == ("manual", D("20.00"), "confirmed")
    assert order.status == Order.STATUS_PAID
    with pytest.raises(OrderError) as info:
        payments.mark_order_paid(order)
    assert info.value.key == "paid"


def test_payment_after_the_last_date_is_refused_unless_forced(make_order, db_session, event) -> None:
    settings_for(db_session, event).set("payment_term_last", dt.date(2020, 1, 1))
    order = make_order()
    payment = payments.create_payment(order, "manual", D("10.00"))
    with pytest.raises(OrderError) as info:
        payments.confirm_payment(payment)
    assert info.value.key == "late_lastdate"
    assert payment.state == "created" and order.status == Order.STATUS_PENDING
    assert payments.confirm_payment(payment, force=True) is True
    assert order.status == Order.STATUS_PAID


def test_paid_writes_no_extra_journal_rows_for_a_pending_order(make_order, db_session) -> None:
    order = make_order(positions=2)
    before = db_session.scalar(select(func.count()).select_from(Transaction))
    payments.confirm_payment(payments.create_payment(order, "manual", D("20.00")))
    assert db_session.scalar(select(func.count()).select_from(Transaction)) == before


def test_fail_payment(make_order, db_session) -> None:
    order = make_order()
    payment = payments.create_payment(order, "manual", D("10.00"))
    assert payments.fail_payment(payment, info={"error": "declined"}) is True
    assert payment.state == "failed" and payment.info["error"] == "declined"
    assert payments.fail_payment(payment) is False
    confirmed = payments.create_payment(order, "manual", D("10.00"))
    payments.confirm_payment(confirmed)
    assert payments.fail_payment(confirmed) is False and confirmed.state == "confirmed"
    assert actions(db_session, order).count("pretix.event.order.payment.failed") == 1
    assert actions(db_session, order).count("pretix.event.order.email.payment_failed") == 1


def test_cancel_payment(make_order, db_session) -> None:
    order = make_order()
    payment = payments.create_payment(order, "manual", D("10.00"))
    payments.cancel_payment(payment)
    assert payment.state == "canceled"
    with pytest.raises(payments.PaymentError) as info:
        payments.cancel_payment(payment)
    assert info.value.key == "payment_not_cancelable"
    assert actions(db_session, order).count("pretix.event.order.payment.canceled") == 1


def test_a_failed_payment_can_still_be_confirmed_when_money_arrives(make_order) -> None:
    order = make_order()
    payment = payments.create_payment(order, "manual", D("10.00"))
    payments.fail_payment(payment)
    assert payments.confirm_payment(payment) is True
    assert order.status == Order.STATUS_PAID
