"""Refunds: full and partial, too much, provider support, done/cancel/fail, external refunds, offsetting."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from core.models.orders import Order
from core.models.payments import OrderRefund
from core.services import payments
from core.services.payments import PaymentError

D = Decimal


@pytest.fixture
def paid(make_order):
    order = make_order(positions=2)
    payment = payments.create_payment(order, "manual", D("20.00"))
    payments.confirm_payment(payment)
    return order, payment


def refund_count(db_session) -> int:
    return db_session.scalar(select(func.count()).select_from(OrderRefund))


def test_full_refund_marks_the_payment_refunded(paid, user) -> None:
    order, payment = paid
    refund = payments.create_refund(order, payment, D("20.00"), actor=user)
    assert (refund.local_id, refund.state, refund.provider, refund.source) == (1, "done", "manual", "admin")
    assert refund.execution_date is not None
    assert payment.state == "refunded"
    assert payments.pending_sum(order) == D("20.00")


def test_partial_refunds_until_the_payment_is_covered(paid) -> None:
    order, payment = paid
    first = payments.create_refund(order, payment, D("5.00"))
    assert payment.state == "confirmed" and payments.refundable_amount(payment) == D("15.00")
    second = payments.create_refund(order, payment, D("15.00"))
    assert (first.local_id, second.local_id) == (1, 2)
    assert payment.state == "refunded" and payments.refundable_amount(payment) == 0


@pytest.mark.parametrize(("amount", "key"), [
    (D("20.01"), "refund_amount_too_high"), (D("0"), "refund_amount_invalid"), (D("-1"), "refund_amount_invalid"),
])
def test_bad_refund_amounts_write_nothing(paid, db_session, amount, key) -> None:
    order, payment = paid
    with pytest.raises(PaymentError) as info:
        payments.create_refund(order, payment, amount)
    assert info.value.key == key
    assert refund_count(db_session) == 0 and payment.state == "confirmed"


def test_refunding_more_than_is_left_after_earlier_refunds(paid) -> None:
    order, payment = paid
    payments.create_refund(order, payment, D("15.00"))
    with pytest.raises(PaymentError) as info:
        payments.create_refund(order, payment, D("5.01"))
    assert info.value.key == "refund_amount_too_high" and info.value.params["available"] == D("5.00")


def test_only_confirmed_payments_can_be_refunded(make_order, db_session) -> None:
    order = make_order()
    payment = payments.create_payment(order, "manual", D("10.00"))
    with pytest.raises(PaymentError) as info:
        payments.create_refund(order, payment, D("10.00"))
    assert info.value.key == "refund_payment_invalid"


def test_provider_without_refund_support(make_order, db_session) -> None:
    order = make_order()
    payment = payments.create_payment(order, "offsetting", D("10.00"))
    payments.confirm_payment(payment)
    with pytest.raises(PaymentError) as info:
        payments.create_refund(order, payment, D("10.00"))
    assert info.value.key == "refund_not_supported"
    assert refund_count(db_session) == 0
    manual = payments.create_refund(order, payment, D("10.00"), provider="manual", execute=False)
    assert manual.state == "created"
    payments.refund_done(manual)
    assert payment.state == "refunded"


def test_provider_without_partial_refund_support(make_order, db_session, monkeypatch) -> None:
    monkeypatch.setattr(payments.ManualProvider, "payment_partial_refund_supported", lambda self, p: False)
    order = make_order()
    payment = payments.create_payment(order, "manual", D("10.00"))
    payments.confirm_payment(payment)
    with pytest.raises(PaymentError) as info:
        payments.create_refund(order, payment, D("4.00"))
    assert info.value.key == "refund_partial_not_supported"
    assert payments.create_refund(order, payment, D("10.00")).state == "done"


def test_provider_refusal_records_a_failed_refund(paid, db_session, monkeypatch) -> None:
    def refuse(self, refund):
        raise PaymentError("The card was closed.")

    monkeypatch.setattr(payments.ManualProvider, "execute_refund", refuse)
    order, payment = paid
    with pytest.raises(PaymentError, match="card was closed"):
        payments.create_refund(order, payment, D("20.00"))
    refund = db_session.scalars(select(OrderRefund)).one()
    assert refund.state == "failed" and refund.info["error"] == "The card was closed."
    assert payment.state == "confirmed" and payments.pending_sum(order) == 0


def test_refund_state_transitions(paid) -> None:
    order, payment = paid
    refund = payments.create_refund(order, payment, D("5.00"), execute=False)
    assert refund.state == "created" and payments.pending_sum(order) == D("5.00")
    payments.cancel_refund(refund)
    assert refund.state == "canceled" and payments.pending_sum(order) == 0
    with pytest.raises(PaymentError) as info:
        payments.refund_done(refund)
    assert info.value.key == "refund_state_invalid"
    other = payments.create_refund(order, payment, D("5.00"), execute=False)
    payments.fail_refund(other)
    assert other.state == "failed"
    with pytest.raises(PaymentError):
        payments.cancel_refund(other)


def test_external_refund_of_a_canceled_order_completes_itself(paid) -> None:
    order, payment = paid
    order.status = Order.STATUS_CANCELED
    refund = payments.create_external_refund(order, D("20.00"), provider="manual", payment=payment,
                                             comment="chargeback")
    assert (refund.state, refund.source) == ("done", "external")
    assert payment.state == "refunded" and payments.pending_sum(order) == 0


def test_external_refund_of_a_paid_order_waits_for_the_organizer(paid) -> None:
    order, payment = paid
    refund = payments.create_external_refund(order, D("20.00"), provider="manual", payment=payment)
    assert refund.state == "external" and payments.pending_sum(order) == 0
    payments.refund_done(refund)
    assert payments.pending_sum(order) == D("20.00") and payment.state == "refunded"


def test_offsetting_moves_money_to_another_order(paid, make_order) -> None:
    source, payment = paid
    source.status = Order.STATUS_CANCELED
    target = make_order()
    refund, offset = payments.offset_against_order(source, target, D("10.00"), payment=payment)
    assert (refund.provider, refund.state, refund.info) == ("offsetting", "done", {"orders": [target.code]})
    assert (offset.provider, offset.state, offset.info) == ("offsetting", "confirmed", {"orders": [source.code]})
    assert target.status == Order.STATUS_PAID
    assert payments.pending_sum(source) == D("-10.00")
    provider = payments.payment_provider(target.event, "offsetting")
    assert provider.api_payment_details(offset) == {"orders": [source.code]}
    assert provider.matching_id(offset) == source.code


def test_offsetting_refuses_the_same_order(paid) -> None:
    order, payment = paid
    with pytest.raises(PaymentError) as info:
        payments.offset_against_order(order, order, D("1.00"), payment=payment)
    assert info.value.key == "offsetting_invalid"


def test_shredding_keeps_no_payment_info(paid) -> None:
    order, payment = paid
    payment.info = {"iban": "DE02120300000000202051", "name": "Jane"}
    payments.payment_provider(order.event, "manual").shred_payment_info(payment)
    assert payment.info == {"_shredded": True}
