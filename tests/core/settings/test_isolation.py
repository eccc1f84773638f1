"""Two sessions on their own connections: a committed change reaches the other session's next transaction."""

from __future__ import annotations

import pytest
import transaction

from core.db import scopes_disabled
from core.db.session import tm_session
from core.models import Event
from core.settings import settings_for


@pytest.fixture
def committed_event(committed):
    """The organizer and event of ``committed`` (these tests need separate connections), the event detached."""
    factory, event_id = committed
    with factory() as session, scopes_disabled():
        event = session.get(Event, event_id)
    return factory, event


def _open(factory):
    manager = transaction.TransactionManager(explicit=True)
    manager.begin()
    return manager, tm_session(factory, manager)


def test_another_session_sees_a_change_after_commit_not_before(committed_event, settings_registry):
    factory, event = committed_event
    writer_tm, writer = _open(factory)
    reader_tm, reader = _open(factory)
    try:
        assert settings_for(reader, event, settings_registry)["reservation_time"] == 30
        settings_for(writer, event, settings_registry).set("reservation_time", 7)
        assert settings_for(writer, event, settings_registry)["reservation_time"] == 7
        assert settings_for(reader, event, settings_registry)["reservation_time"] == 30
        writer_tm.commit()
        reader_tm.commit()
        reader_tm.begin()
        assert settings_for(reader, event, settings_registry)["reservation_time"] == 7
    finally:
        for manager in (writer_tm, reader_tm):
            if manager._txn is not None:
                manager.abort()


def test_an_aborted_change_is_forgotten(committed_event, settings_registry):
    factory, event = committed_event
    manager, session = _open(factory)
    settings_for(session, event, settings_registry).set("reservation_time", 7)
    manager.abort()
    manager.begin()
    try:
        assert settings_for(session, event, settings_registry)["reservation_time"] == 30
    finally:
        manager.abort()
