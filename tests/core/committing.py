"""Transactions that commit for real, on their own sessions, loading the event and organizer first as a request
does: for the tests of the process caches (``core.config_cache`` and what builds on it)."""

from __future__ import annotations

import transaction
from sqlalchemy import select
from sqlalchemy.orm import contains_eager

from core.db import scopes_disabled
from core.db.session import tm_session
from core.models import Event


def load_event(session, event_id):
    stmt = select(Event).join(Event.organizer).options(contains_eager(Event.organizer)).where(Event.id == event_id)
    with scopes_disabled():
        return session.scalar(stmt)


def in_transaction(factory, event_id, work):
    """Run ``work(session, event)`` in a committed transaction of a new session that loads the event first
    (``event_id`` None: loads nothing, ``event`` is None)."""
    manager = transaction.TransactionManager(explicit=True)
    with manager:
        session = tm_session(factory, manager)
        result = work(session, None if event_id is None else load_event(session, event_id))
    session.close()
    return result


def counting(db_engine, factory, event_id, work):
    """``(result, statements)`` of ``work`` run after the event is loaded."""
    from sqlalchemy import event as sa_event

    seen = []

    def count(session, event):
        session.connection()  # begun: SQLite's BEGIN is not counted
        sa_event.listen(db_engine, "before_cursor_execute", listener)
        try:
            return work(session, event)
        finally:
            sa_event.remove(db_engine, "before_cursor_execute", listener)

    def listener(*_args):
        seen.append(1)

    return in_transaction(factory, event_id, count), len(seen)
