"""The shared "lock the order and check its status" step of the life-cycle services."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.orm import Session

from core.models import Order
from core.services.errors import OrderError
from core.services.orders.common import NOT_CANCELED, lock_order_in


def test_returns_the_locked_order_in_an_allowed_status(db_session: Session, order_factory: Any) -> None:
    order = order_factory(status=Order.STATUS_PAID)
    order.status = Order.STATUS_EXPIRED
    db_session.flush()
    locked = lock_order_in(db_session, order, NOT_CANCELED, "canceled", "Order {code} is already canceled.")
    assert locked is order and locked.status == Order.STATUS_EXPIRED


def test_refuses_other_statuses_with_key_message_and_status(db_session: Session, order_factory: Any) -> None:
    order = order_factory(status=Order.STATUS_CANCELED)
    with pytest.raises(OrderError) as info:
        lock_order_in(db_session, order, NOT_CANCELED, "canceled", "Order {code} is already canceled.")
    assert info.value.key == "canceled" and info.value.message == f"Order {order.code} is already canceled."
    assert info.value.params == {"status": Order.STATUS_CANCELED}


def test_awaiting_approval_needs_the_flag(db_session: Session, order_factory: Any) -> None:
    order = order_factory()
    args = (db_session, order, (Order.STATUS_PENDING,), "not_pending_approval", "{code} waits for nothing.")
    with pytest.raises(OrderError, match=f"{order.code} waits for nothing"):
        lock_order_in(*args, awaiting_approval=True)
    order.require_approval = True
    db_session.flush()
    assert lock_order_in(*args, awaiting_approval=True) is order
