"""PostgreSQL-only concurrency tests: real commits on separate connections, rows cleaned up afterwards."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, text


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/concurrency/" in item.nodeid:
            item.add_marker(pytest.mark.postgres)


@pytest.fixture
def pg_engine(db_engine: Engine) -> Engine:
    """The test database engine; skips the test unless it is PostgreSQL."""
    if db_engine.dialect.name != "postgresql":
        pytest.skip("needs PostgreSQL: set TICKETRY_TEST_DATABASE_URL=postgresql+psycopg://...")
    return db_engine


@pytest.fixture
def counter_table(pg_engine: Engine) -> Iterator[str]:
    """A scratch table ``concurrency_counter(id, n)`` with one row (1, 0), dropped after the test."""
    with pg_engine.begin() as conn:
        conn.execute(text("DROP TABLE IF EXISTS concurrency_counter"))
        conn.execute(text("CREATE TABLE concurrency_counter (id INTEGER PRIMARY KEY, n INTEGER NOT NULL)"))
        conn.execute(text("INSERT INTO concurrency_counter VALUES (1, 0)"))
    yield "concurrency_counter"
    with pg_engine.begin() as conn:
        conn.execute(text("DROP TABLE concurrency_counter"))
