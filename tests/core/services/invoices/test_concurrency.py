"""PostgreSQL: invoices issued in parallel transactions get distinct, consecutive numbers."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from pyramid.threadlocal import manager
from sqlalchemy import Engine, delete

from core.db import Base, scope, scopes_disabled
from core.db.session import unit_of_work
from core.i18n import I18nString
from core.models import Event, Order, Organizer
from core.services.invoices import generate_invoice
from tests.core.services.invoices.shop import make_order, make_shop

pytestmark = pytest.mark.postgres
THREADS = 10


@pytest.fixture
def committed_orders(db_engine: Engine, registry: Any) -> Iterator[tuple[int, list[int]]]:
    """An organizer with THREADS committed orders; everything of the organizer is deleted afterwards."""
    if db_engine.dialect.name != "postgresql":
        pytest.skip("needs PostgreSQL: set TICKETRY_TEST_DATABASE_URL=postgresql+psycopg://...")
    with unit_of_work(registry) as session, scopes_disabled():
        organizer = Organizer(slug="invoicerace", name="Race")
        session.add(organizer)
        session.flush()
        event = Event(organizer_id=organizer.id, slug="race", name=I18nString({"en": "Race"}),
                      date_from=datetime(2030, 1, 1, tzinfo=UTC))
        session.add(event)
        session.flush()
        shop = make_shop(session, event)
        order_ids = [make_order(session, shop, code=f"RACE{n}").id for n in range(THREADS)]
        organizer_id = organizer.id
    yield organizer_id, order_ids
    with db_engine.begin() as conn:
        for table in reversed(Base.metadata.sorted_tables):
            if "organizer_id" in table.c:
                conn.execute(delete(table).where(table.c.organizer_id == organizer_id))
        conn.execute(delete(Organizer.__table__).where(Organizer.__table__.c.id == organizer_id))


def test_parallel_invoices_get_consecutive_numbers(
    committed_orders: tuple[int, list[int]], registry: Any, huey_immediate: Any
) -> None:
    organizer_id, order_ids = committed_orders
    barrier = threading.Barrier(THREADS)
    numbers: list[str] = []
    errors: list[BaseException] = []

    def work(order_id: int) -> None:
        manager.push({"registry": registry, "request": None})
        try:
            barrier.wait()
            with unit_of_work(registry) as session, scope(organizer_id):
                numbers.append(generate_invoice(session.get(Order, order_id)).full_invoice_no)
        except BaseException as exc:  # collected and checked in the main thread
            errors.append(exc)
        finally:
            manager.pop()

    threads = [threading.Thread(target=work, args=(order_id,)) for order_id in order_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(numbers) == [f"RACE-{n:05d}" for n in range(1, THREADS + 1)]
