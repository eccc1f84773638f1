"""Every service test that used the database ends with product usage counters that match the orders."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from transaction.interfaces import NoTransaction

from core.db import scope, scopes_disabled
from core.models import Event
from core.services.quotas import reconcile_quota_usage


@pytest.fixture(autouse=True)
def _usage_counters_reconcile(request: pytest.FixtureRequest) -> Iterator[None]:
    """After the test, recount the usage of every event in its session; any drift fails the test."""
    if "db_session" not in request.fixturenames:
        yield
        return
    session = request.getfixturevalue("db_session")
    yield
    if not session.is_active:
        return
    try:
        with scopes_disabled():
            events = list(session.scalars(select(Event)))
    except (SQLAlchemyError, NoTransaction):
        return
    for event in events:
        with scope(event.organizer_id):
            drift = reconcile_quota_usage(session, event)
        assert not drift, f"product usage counters drifted for event {event.slug}: {drift}"
