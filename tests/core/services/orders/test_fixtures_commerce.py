"""The commerce test factory builds consistent orders with their journal."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import func, select

from core.models import Order, Transaction


def test_default_order_has_two_taxed_tickets_and_journal(db_session: Any, catalogue: Any, order_factory: Any) -> None:
    order = order_factory()
    assert order.status == Order.STATUS_PENDING
    assert order.total == Decimal("46.00")
    assert [p.tax_value for p in order.positions] == [Decimal("3.67"), Decimal("3.67")]
    rows = db_session.scalar(select(func.sum(Transaction.count)).where(Transaction.order_id == order.id))
    assert rows == 2


def test_paid_order_with_fee_and_variation(db_session: Any, catalogue: Any, order_factory: Any) -> None:
    order = order_factory(items=[(catalogue.shirt, catalogue.shirt_l, "17.00")], fees=[("payment", "1.00")],
                          status="p", paid=True)
    assert order.total == Decimal("18.00")
    assert order.payments[0].amount == Decimal("18.00")
    assert order.fees[0].tax_value == Decimal("0.16")
