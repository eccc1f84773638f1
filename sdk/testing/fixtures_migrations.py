"""Empty databases for migration tests: ``empty_database_url`` and ``empty_engine``.

On SQLite each test gets a new file; on PostgreSQL (``TICKETRY_TEST_DATABASE_URL``) a new schema
in the test database, selected through the connection's ``search_path`` and dropped afterwards.
Plugin authors use them to upgrade, downgrade and check their lineage against a clean database.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, make_url

from core.db.session import make_engine
from sdk.testing.fixtures_db import test_database_url


@pytest.fixture
def empty_database_url(tmp_path: Path) -> Iterator[str]:
    """The URL of a database without any table (SQLite file, or a fresh PostgreSQL schema)."""
    url = make_url(test_database_url(str(tmp_path)))
    if url.get_backend_name() != "postgresql":
        yield url.render_as_string(hide_password=False)
        return
    schema = f"test_{secrets.token_hex(6)}"
    admin = make_engine(url.render_as_string(hide_password=False))
    with admin.begin() as conn:
        conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    try:
        yield url.update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(hide_password=False)
    finally:
        with admin.begin() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
        admin.dispose()


@pytest.fixture
def empty_engine(empty_database_url: str) -> Iterator[Engine]:
    """An engine (with Ticketry's SQLite/PostgreSQL set-up) on ``empty_database_url``."""
    engine = make_engine(empty_database_url)
    yield engine
    engine.dispose()
