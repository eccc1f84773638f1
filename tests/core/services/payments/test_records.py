"""Recording refunds as reported (pretix's POST …/refunds/): any state, no provider call, done settles."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.models import LogEntry, OrderPayment, OrderRefund
from core.services.payments import PaymentError, mark_order_paid
from core.services.payments.records import record_refund


def test_record_done_refund_settles_the_payment(db_session: Session, make_order: Any) -> None:
    order = make_order("10.00")
    payment = mark_order_paid(order, send_mail=False)
    refund = record_refund(order, Decimal("10.00"), provider="manual", state="done", payment=payment,
                           comment="Cash back")
    assert (refund.local_id, refund.state, refund.source, refund.comment) == (1, "done", "admin", "Cash back")
    assert refund.execution_date is not None
    assert payment.state == OrderPayment.PAYMENT_STATE_REFUNDED
    actions = set(db_session.scalars(select(LogEntry.action_type)))
    assert {"pretix.event.order.refund.created", "pretix.event.order.refund.done"} <= actions


def test_record_without_checks_of_the_amount(db_session: Session, make_order: Any) -> None:
    order = make_order("10.00")
    refund = record_refund(order, Decimal("99.00"), provider="banktransfer", state="transit", source="buyer")
    assert (refund.state, refund.amount, refund.payment_id, refund.execution_date) == (
        OrderRefund.REFUND_STATE_TRANSIT, Decimal("99.00"), None, None)
    second = record_refund(order, Decimal("1.00"), provider="manual")
    assert second.local_id == 2 and second.state == "created"


def test_refusals_write_nothing(db_session: Session, make_order: Any) -> None:
    order = make_order("10.00")
    other = make_order("10.00")
    foreign = mark_order_paid(other, send_mail=False)
    cases = [
        ({"amount": Decimal("0")}, "refund_amount_invalid"),
        ({"amount": Decimal("1"), "state": "lost"}, "refund_state_invalid"),
        ({"amount": Decimal("1"), "payment": foreign}, "refund_payment_invalid"),
    ]
    for kwargs, key in cases:
        amount = kwargs.pop("amount")
        with pytest.raises(PaymentError) as refused:
            record_refund(order, amount, provider="manual", **kwargs)
        assert refused.value.key == key
    assert db_session.scalar(select(OrderRefund).where(OrderRefund.order_id == order.id)) is None
