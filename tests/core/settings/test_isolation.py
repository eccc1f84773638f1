"""Two sessions on their own connections: a committed change reaches the other session's next transaction."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import transaction
from sqlalchemy import delete
from sqlalchemy.orm import sessionmaker

from core.db import scopes_disabled
from core.db.session import tm_session
from core.i18n import I18nString
from core.models import Event, Organizer
from core.settings import settings_for


@pytest.fixture
def committed_event(db_engine):
    """An organizer and event committed for real (these tests need separate connections); removed afterwards."""
    factory = sessionmaker(bind=db_engine, expire_on_commit=False)
    with factory() as session, scopes_disabled():
        organizer = Organizer(slug="isolation", name="Isolation")
        session.add(organizer)
        session.flush()
        event = Event(organizer_id=organizer.id, slug="iso", name=I18nString("Iso"),
                      date_from=datetime(2030, 1, 1, tzinfo=UTC))
        session.add(event)
        session.commit()
    try:
        yield factory, event
    finally:
        with factory() as session, scopes_disabled():
            session.execute(delete(Organizer).where(Organizer.id == organizer.id))
            session.commit()


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
