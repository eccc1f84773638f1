"""Tenant scoping: a scoped query sees only its organizer's rows, whichever organizer was scoped before."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from core.db import scope, scopes_disabled
from core.db.tenancy import TenantScopeError
from core.i18n import I18nString
from core.models import Event, Organizer


def test_each_scope_sees_only_its_organizer(db_session):
    with scopes_disabled():
        organizers = [Organizer(slug=f"tenant{n}", name=f"Tenant {n}") for n in range(3)]
        db_session.add_all(organizers)
        db_session.flush()
        db_session.add_all([Event(organizer_id=o.id, slug=f"ev{n}", name=I18nString({"en": "E"}),
                                  date_from=dt.datetime(2030, 1, 1, tzinfo=dt.UTC)) for n, o in enumerate(organizers)])
        db_session.flush()
    for organizer in [*organizers, *reversed(organizers), organizers[0]]:
        with scope(organizer.id):
            assert {e.organizer_id for e in db_session.scalars(select(Event))} == {organizer.id}
    with scopes_disabled():
        assert len(set(db_session.scalars(select(Event.organizer_id)))) == 3
    with pytest.raises(TenantScopeError):
        db_session.scalars(select(Event)).all()
