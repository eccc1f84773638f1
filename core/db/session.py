"""Engines and sessions: one session per request or unit of work, joined to its transaction."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import transaction
import zope.sqlalchemy
from pyramid.config import Configurator
from pyramid.request import Request
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker
from zope.sqlalchemy.datamanager import STATUS_CHANGED

import core.db.tenancy  # noqa: F401  (installs the tenant scope listener)


def make_engine(url: str, **kw: Any) -> Engine:
    """An engine for ``url``; SQLite gets WAL, foreign keys, a busy timeout and real SAVEPOINTs."""
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        kw.setdefault("connect_args", {"check_same_thread": False, "timeout": 30})
        engine = create_engine(url, **kw)
        _configure_sqlite(engine)
        return engine
    kw.setdefault("pool_pre_ping", True)
    kw.setdefault("pool_size", 10)
    kw.setdefault("max_overflow", 20)
    return create_engine(url, **kw)


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN")


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)


def tm_session(factory: sessionmaker[Session], manager: transaction.TransactionManager) -> Session:
    """A session joined to ``manager``: it commits and rolls back with the transaction.

    ``session.info["tm"]`` holds the manager, so code that only has the session (or an object of
    it) can add after-commit hooks to the right transaction.
    """
    session = factory()
    session.info["tm"] = manager
    # Every transaction ends with COMMIT, also one that only read: a ROLLBACK makes psycopg forget the
    # connection's prepared statements, and PostgreSQL would plan every statement of every request again.
    zope.sqlalchemy.register(session, transaction_manager=manager, initial_state=STATUS_CHANGED)
    return session


@contextmanager
def unit_of_work(registry: Any) -> Iterator[Session]:
    """A session in its own transaction for CLI commands and tasks; commits on success.

    After-commit hooks (signals, mails, tasks) run as they do at the end of a request.
    """
    manager = transaction.TransactionManager(explicit=True)
    with manager:
        yield tm_session(registry.dbsession_factory, manager)


def _request_dbsession(request: Request) -> Session:
    return tm_session(request.registry.dbsession_factory, request.tm)


def includeme(config: Configurator) -> None:
    settings = config.get_settings()
    config.include("pyramid_tm")
    engine = make_engine(settings["ticketry.database_url"])
    config.registry.db_engine = engine
    config.registry.dbsession_factory = make_session_factory(engine)
    config.add_request_method(_request_dbsession, "dbsession", reify=True)
