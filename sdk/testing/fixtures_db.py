"""Application and database fixtures: one app per test session, one rolled-back transaction per test."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import UTC, datetime
from typing import Any

import pytest
import transaction
import webtest
from pyramid.config import Configurator
from sqlalchemy import Connection, Engine
from sqlalchemy import event as sa_event
from sqlalchemy.orm import Session, sessionmaker

from core import config_cache
from core.app import make_config
from core.db import Base, scopes_disabled

TEST_SECRET = "test-secret-key-not-for-production-0123456789"


def test_database_url(tmp_dir: str) -> str:
    """``TICKETRY_TEST_DATABASE_URL`` or an SQLite file in ``tmp_dir``."""
    return os.environ.get("TICKETRY_TEST_DATABASE_URL") or f"sqlite:///{tmp_dir}/test.sqlite"


@pytest.fixture(scope="session")
def ticketry_settings(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Deployment settings of the test app; override this fixture to change them."""
    var = tmp_path_factory.mktemp("var")
    return {
        "ticketry.database_url": test_database_url(str(var)),
        "ticketry.secret_key": TEST_SECRET,
        "ticketry.var_dir": str(var),
        "ticketry.huey.immediate": "true",
        "ticketry.mail.backend": "memory",
        "ticketry.verify_providers": "true",
    }


@pytest.fixture(scope="session")
def config(ticketry_settings: dict[str, Any]) -> Iterator[Configurator]:
    """The committed configurator with the core and every installed plugin, pushed as the current registry."""
    configurator = make_config(dict(ticketry_settings))
    configurator.begin()
    yield configurator
    configurator.end()


@pytest.fixture(scope="session")
def registry(config: Configurator) -> Any:
    return config.registry


@pytest.fixture(scope="session")
def db_engine(registry: Any) -> Iterator[Engine]:
    """The engine of the test database with every table of core and plugins created."""
    engine: Engine = registry.db_engine
    Base.metadata.drop_all(engine)
    Base.metadata.create_all(engine)
    yield engine
    Base.metadata.drop_all(engine)
    engine.dispose()


@pytest.fixture
def connection(db_engine: Engine, registry: Any) -> Iterator[Connection]:
    """A connection in an outer transaction that is rolled back after the test.

    While the test runs, every session of the app (requests, tasks, CLI units of work) is bound to
    this connection and turns its commits into savepoints, so tests see each other's nothing. The
    process-wide configuration cache is emptied first: rolled-back ids and versions are used again.
    """
    config_cache.clear()
    conn = db_engine.connect()
    outer = conn.begin()
    original = registry.dbsession_factory
    registry.dbsession_factory = sessionmaker(
        bind=conn, expire_on_commit=False, join_transaction_mode="create_savepoint"
    )
    try:
        yield conn
    finally:
        registry.dbsession_factory = original
        if outer.is_active:
            outer.rollback()
        conn.close()


@pytest.fixture
def tm() -> Iterator[transaction.TransactionManager]:
    """The test's own transaction manager, begun; ``tm.commit()`` runs after-commit hooks."""
    manager = transaction.TransactionManager(explicit=True)
    manager.begin()
    yield manager
    if manager._txn is not None:
        manager.abort()


@pytest.fixture
def db_session(connection: Connection, registry: Any, tm: transaction.TransactionManager) -> Session:
    """A session joined to ``tm`` on the test connection."""
    from core.db.session import tm_session

    return tm_session(registry.dbsession_factory, tm)


@pytest.fixture
def app(config: Configurator, connection: Connection) -> webtest.TestApp:
    """A webtest client of the full application on the test connection."""
    return webtest.TestApp(config.make_wsgi_app(), extra_environ={"HTTP_HOST": "localhost"})


@pytest.fixture
def organizer(db_session: Session) -> Any:
    from core.models import Organizer

    org = Organizer(slug="demo", name="Demo Organizer")
    db_session.add(org)
    db_session.flush()
    return org


@pytest.fixture
def event(db_session: Session, organizer: Any) -> Any:
    from core.i18n import I18nString
    from core.models import Event

    ev = Event(
        organizer_id=organizer.id,
        slug="conf",
        name=I18nString({"en": "Conference", "de": "Konferenz"}),
        date_from=datetime(2030, 1, 1, 10, 0, tzinfo=UTC),
    )
    with scopes_disabled():
        db_session.add(ev)
        db_session.flush()
    return ev


@pytest.fixture
def other_organizer(db_session: Session) -> Any:
    """A second organizer ``other`` with an event ``other``, for isolation tests (no test team can reach it)."""
    from core.i18n import I18nString
    from core.models import Event, Organizer

    org = Organizer(slug="other", name="Other Organizer")
    db_session.add(org)
    db_session.flush()
    with scopes_disabled():
        db_session.add(Event(organizer_id=org.id, slug="other", name=I18nString({"en": "Other"}),
                             date_from=datetime(2030, 1, 1, tzinfo=UTC)))
        db_session.flush()
    return org


@pytest.fixture
def user(db_session: Session) -> Any:
    from core.models import User

    u = User(email="alice@example.org", fullname="Alice", session_token="0" * 32)
    db_session.add(u)
    db_session.flush()
    return u


@pytest.fixture
def record_statements(connection: Connection) -> Callable[[], AbstractContextManager[list[str]]]:
    """``with record_statements() as seen:`` collects the SQL of every statement run on the test connection
    in the block (requests of the ``app`` included): for tests that a page costs a constant number of queries."""

    @contextmanager
    def record() -> Iterator[list[str]]:
        seen: list[str] = []

        def listener(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
            seen.append(statement)

        sa_event.listen(connection, "before_cursor_execute", listener)
        try:
            yield seen
        finally:
            sa_event.remove(connection, "before_cursor_execute", listener)

    return record
