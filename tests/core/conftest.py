"""Fixtures shared by the core tests."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import delete
from sqlalchemy.orm import sessionmaker

from core import config_cache
from core.db import scopes_disabled
from core.i18n import I18nString
from core.models import Event, GlobalSetting, Organizer


@pytest.fixture
def committed(db_engine):
    """A session factory on the engine and an organizer + event committed for real; removed afterwards."""
    config_cache.clear()
    factory = sessionmaker(bind=db_engine, expire_on_commit=False)
    with factory() as session, scopes_disabled():
        organizer = Organizer(slug="cachever", name="Cache versions")
        session.add(organizer)
        session.flush()
        event = Event(organizer_id=organizer.id, slug="cv", name=I18nString("CV"),
                      date_from=datetime(2030, 1, 1, tzinfo=UTC))
        session.add(event)
        session.commit()
    try:
        yield factory, event.id
    finally:
        with factory() as session, scopes_disabled():
            session.execute(delete(Organizer).where(Organizer.id == organizer.id))
            session.execute(delete(GlobalSetting))
            session.commit()
        config_cache.clear()
