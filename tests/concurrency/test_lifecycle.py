"""Life-cycle operations that take capacity anew never oversell under real concurrency on PostgreSQL."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from core.db import scope
from core.models import Item
from core.models.orders import Order
from core.services.orders.changes import OrderChangeManager
from core.services.orders.lifecycle import cancel_order, reactivate_order
from tests.concurrency.test_orders import buy, pg, run_parallel, setup_event, sold

pytestmark = pytest.mark.postgres
__all__ = ["pg"]


def test_reactivations_and_buyers_never_oversell(pg: Any) -> None:
    organizer_id, event_id, ids = setup_event(pg, 10)
    codes = run_parallel(pg, 10, buy(organizer_id, event_id, item=ids["ticket"]))

    def cancel(session: Any, n: int) -> Any:
        with scope(organizer_id):
            cancel_order(session.scalar(select(Order).where(Order.code == codes[n])), send_mail=False)

    run_parallel(pg, 10, cancel)
    buyer = buy(organizer_id, event_id, item=ids["ticket"])

    def work(session: Any, n: int) -> Any:
        if n % 2:
            return buyer(session, n)
        with scope(organizer_id):
            order = session.scalar(select(Order).where(Order.code == codes[n // 2]))
            reactivate_order(order)
            return order.code

    results = run_parallel(pg, 20, work)
    assert all(isinstance(r, str) or r.key in ("unavailable", "quota") for r in results)
    assert sum(isinstance(r, str) for r in results) == 10
    assert sold(pg, organizer_id, ids["ticket"]) == 10


def test_parallel_additions_never_oversell(pg: Any) -> None:
    organizer_id, event_id, ids = setup_event(pg, 8)
    codes = run_parallel(pg, 5, buy(organizer_id, event_id, item=ids["ticket"]))

    def add(session: Any, n: int) -> Any:
        with scope(organizer_id):
            order = session.scalar(select(Order).where(Order.code == codes[n]))
            ocm = OrderChangeManager(order, notify=False)
            ocm.add_position(session.get(Item, ids["ticket"]))
            ocm.commit()
            return order.code

    results = run_parallel(pg, 5, add)
    assert sum(isinstance(r, str) for r in results) == 3
    assert {r.key for r in results if not isinstance(r, str)} == {"quota"}
    assert sold(pg, organizer_id, ids["ticket"]) == 8
