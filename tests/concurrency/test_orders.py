"""Capacity under real concurrency on PostgreSQL: parallel buyers, vouchers, budgets, expiring carts, late payments.

Every worker runs in its own thread with its own connection and commits for real (no test transaction), so the
locks and the isolation level are those of production. The rows are removed after each test.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from typing import Any

import pytest
from pyramid.threadlocal import manager
from sqlalchemy import func, select, text

from core.db import Base, scope, scopes_disabled
from core.db.session import unit_of_work
from core.i18n import I18nString
from core.locking import LockTimeout
from core.models import CartPosition, Event, Organizer, Voucher
from core.models.orders import Order
from core.models.positions import OrderPosition
from core.services.errors import CommerceError
from core.services.orders import PositionRequest, place_order
from core.services.payments import mark_order_paid
from sdk.testing.fixtures_commerce import make_catalogue

pytestmark = pytest.mark.postgres


@pytest.fixture
def pg(db_engine: Any, registry: Any) -> Iterator[Any]:
    if db_engine.dialect.name != "postgresql":
        pytest.skip("needs PostgreSQL (TICKETRY_TEST_DATABASE_URL)")
    yield registry
    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with db_engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))


def setup_event(registry: Any, quota_size: int) -> tuple[int, int, dict[str, int]]:
    """An organizer, event and catalogue committed for real; the ticket quota gets ``quota_size``."""
    with unit_of_work(registry) as session:
        with scopes_disabled():
            organizer = Organizer(slug="rush", name="Rush")
            session.add(organizer)
            session.flush()
            event = Event(organizer_id=organizer.id, slug="rush", name=I18nString({"en": "Rush"}),
                          date_from=dt.datetime(2030, 1, 1, tzinfo=dt.UTC))
            session.add(event)
            session.flush()
        cat = make_catalogue(session, event)
        cat.ticket_quota.size = quota_size
        ids = {"ticket": cat.ticket.id, "quota": cat.ticket_quota.id}
        return organizer.id, event.id, ids


def run_parallel(registry: Any, count: int, work: Callable[[Any, int], Any]) -> list[Any]:
    """Run ``work(session, n)`` for n in 0..count-1 in parallel threads, each in its own unit of work.

    Returns each call's result or the CommerceError it raised; LockTimeout is retried.
    """
    barrier = threading.Barrier(count)

    def one(n: int) -> Any:
        manager.push({"registry": registry, "request": None})
        try:
            barrier.wait()
            for _attempt in range(20):
                try:
                    with unit_of_work(registry) as session:
                        return work(session, n)
                except LockTimeout:
                    continue
                except CommerceError as exc:
                    return exc
            raise AssertionError("still locked after 20 attempts")
        finally:
            manager.pop()

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(one, range(count)))


def buy(organizer_id: int, event_id: int, **position: Any) -> Callable[[Any, int], Any]:
    def work(session: Any, n: int) -> Any:
        with scope(organizer_id):
            event = session.get(Event, event_id)
            order = place_order(session, event, positions=[PositionRequest(**position)],
                                email=f"buyer{n}@example.org", sales_channel="web", payment_provider="manual",
                                send_email=False)
            return order.code
    return work


def sold(registry: Any, organizer_id: int, item_id: int) -> int:
    with unit_of_work(registry) as session, scope(organizer_id):
        return session.scalar(
            select(func.count()).select_from(OrderPosition).join(Order, Order.id == OrderPosition.order_id)
            .where(OrderPosition.item_id == item_id, OrderPosition.canceled.is_(False),
                   Order.status.in_((Order.STATUS_PENDING, Order.STATUS_PAID))))


def test_forty_buyers_against_quota_ten_sell_exactly_ten(pg) -> None:
    organizer_id, event_id, ids = setup_event(pg, 10)
    results = run_parallel(pg, 40, buy(organizer_id, event_id, item=ids["ticket"]))
    codes = [r for r in results if isinstance(r, str)]
    refused = [r for r in results if isinstance(r, CommerceError)]
    assert len(codes) == 10 and len(set(codes)) == 10
    assert {e.key for e in refused} == {"unavailable"} and len(refused) == 30
    assert sold(pg, organizer_id, ids["ticket"]) == 10


def add_voucher(registry: Any, organizer_id: int, event_id: int, **fields: Any) -> int:
    with unit_of_work(registry) as session, scope(organizer_id):
        voucher = Voucher(event_id=event_id, organizer_id=organizer_id, **fields)
        session.add(voucher)
        session.flush()
        return voucher.id


def test_voucher_usages_are_never_exceeded(pg) -> None:
    organizer_id, event_id, ids = setup_event(pg, 100)
    voucher_id = add_voucher(pg, organizer_id, event_id, code="FIVETIMES", max_usages=5)
    results = run_parallel(pg, 30, buy(organizer_id, event_id, item=ids["ticket"], voucher=voucher_id))
    assert sum(isinstance(r, str) for r in results) == 5
    assert {r.key for r in results if isinstance(r, CommerceError)} == {"voucher_redeemed"}
    with unit_of_work(pg) as session, scope(organizer_id):
        assert session.get(Voucher, voucher_id).redeemed == 5
        assert session.scalar(select(func.count()).select_from(OrderPosition)
                              .where(OrderPosition.voucher_id == voucher_id)) == 5


def test_voucher_budget_is_never_exceeded(pg) -> None:
    organizer_id, event_id, ids = setup_event(pg, 100)
    voucher_id = add_voucher(pg, organizer_id, event_id, code="BUDGET50", max_usages=100, price_mode="subtract",
                             value=Decimal("10.00"), budget=Decimal("50.00"))
    results = run_parallel(pg, 20, buy(organizer_id, event_id, item=ids["ticket"], voucher=voucher_id))
    assert all(isinstance(r, str) for r in results)
    with unit_of_work(pg) as session, scope(organizer_id):
        used = session.scalar(select(func.sum(OrderPosition.voucher_budget_use))
                              .where(OrderPosition.voucher_id == voucher_id))
        discounted = session.scalar(select(func.count()).select_from(OrderPosition)
                                    .where(OrderPosition.voucher_id == voucher_id, OrderPosition.price < 23))
    assert used == Decimal("50.00") and discounted == 5


def test_expired_carts_release_capacity(pg) -> None:
    organizer_id, event_id, ids = setup_event(pg, 10)
    now = dt.datetime.now(dt.UTC)
    with unit_of_work(pg) as session, scope(organizer_id):
        for cart_id, expires, number in (("stale", now - dt.timedelta(minutes=1), 10),
                                         ("holding", now + dt.timedelta(minutes=30), 4)):
            session.add_all(CartPosition(event_id=event_id, organizer_id=organizer_id, cart_id=cart_id,
                                         item_id=ids["ticket"], price=Decimal("23.00"),
                                         listed_price=Decimal("23.00"), price_after_voucher=Decimal("23.00"),
                                         line_price_gross=Decimal("23.00"), tax_rate=Decimal("19"),
                                         expires=expires) for _ in range(number))
    results = run_parallel(pg, 20, buy(organizer_id, event_id, item=ids["ticket"]))
    assert sum(isinstance(r, str) for r in results) == 6

    def checkout(session: Any, n: int) -> Any:
        with scope(organizer_id):
            order = place_order(session, session.get(Event, event_id), cart_id=["stale", "holding"][n],
                                email="cart@example.org", send_email=False)
            return order.code

    stale, holding = run_parallel(pg, 2, checkout)
    assert isinstance(stale, CommerceError) and stale.key == "unavailable"
    assert isinstance(holding, str)
    assert sold(pg, organizer_id, ids["ticket"]) == 10


def test_late_payment_of_expired_orders_never_oversells(pg) -> None:
    organizer_id, event_id, ids = setup_event(pg, 10)
    codes = run_parallel(pg, 10, buy(organizer_id, event_id, item=ids["ticket"]))
    with unit_of_work(pg) as session, scope(organizer_id):
        for order in session.scalars(select(Order)):
            order.status = Order.STATUS_EXPIRED
        session.flush()
        from core.services.transactions import create_transactions_bulk
        create_transactions_bulk(session, list(session.scalars(select(Order))))
    buyer = buy(organizer_id, event_id, item=ids["ticket"])

    def work(session: Any, n: int) -> Any:
        if n % 2:
            return buyer(session, n)
        with scope(organizer_id):
            order = session.scalar(select(Order).where(Order.code == codes[n // 2]))
            mark_order_paid(order, send_mail=False)
            return order.code

    results = run_parallel(pg, 20, work)
    assert all(isinstance(r, str) or r.key in ("unavailable", "quota") for r in results)
    assert sold(pg, organizer_id, ids["ticket"]) == 10
