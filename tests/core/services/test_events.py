"""create_event: validation of slug, dates, currency and time zone; default event plugins; audit log."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.db import scope
from core.models import EventPlugin
from core.models.logs import LogEntry
from core.services.events import EVENT_ADDED, create_event
from core.services.organizers import create_organizer
from core.services.slugs import ValidationError

START = datetime(2031, 5, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def acme(db_session: Session) -> Any:
    return create_organizer(db_session, "acme", "ACME")


def test_create_event_with_defaults(db_session: Session, acme: Any, user: Any) -> None:
    event = create_event(db_session, acme, "summit", {"en": "Summit", "de": "Gipfel"}, START, "eur", actor=user)
    assert (event.slug, event.currency, event.timezone, event.organizer_id) == ("summit", "EUR", "UTC", acme.id)
    assert event.name.localize("de") == "Gipfel"
    entry = db_session.scalar(select(LogEntry).where(LogEntry.event_id == event.id))
    assert (entry.action_type, entry.user_id, entry.organizer_id) == (EVENT_ADDED, user.id, acme.id)
    assert entry.parsed_data == {"slug": "summit", "name": {"en": "Summit", "de": "Gipfel"}, "currency": "EUR"}


def test_event_slugs_are_unique_per_organizer_only(db_session: Session, acme: Any) -> None:
    other = create_organizer(db_session, "other", "Other")
    create_event(db_session, acme, "summit", "Summit", START)
    create_event(db_session, other, "summit", "Summit", START)
    with pytest.raises(ValidationError, match="'Summit' is already taken in organizer 'acme'"):
        create_event(db_session, acme, "Summit", "Again", START)


@pytest.mark.parametrize(
    ("kwargs", "field", "message"),
    [
        ({"slug": "x"}, "slug", "at least 2 characters"),
        ({"slug": "static"}, "slug", "reserved"),
        ({"name": ""}, "name", "must not be empty"),
        ({"currency": "EURO"}, "currency", "unknown currency 'EURO'"),
        ({"date_from": datetime(2031, 5, 1)}, "date_from", "time-zone aware"),
        ({"date_to": START - timedelta(hours=1)}, "date_to", "is before date_from"),
        ({"presale_start": START, "presale_end": START - timedelta(days=1)}, "presale_end", "is before presale_start"),
        ({"timezone": "Mars/Olympus"}, "timezone", "unknown time zone 'Mars/Olympus'"),
    ],
)
def test_invalid_input_names_the_field(
    db_session: Session, acme: Any, kwargs: dict[str, Any], field: str, message: str
) -> None:
    args: dict[str, Any] = {"slug": "summit", "name": "Summit", "date_from": START, **kwargs}
    with pytest.raises(ValidationError, match=message) as info:
        create_event(db_session, acme, args.pop("slug"), args.pop("name"), args.pop("date_from"), **args)
    assert info.value.field == field


def test_no_currency_and_explicit_timezone(db_session: Session, acme: Any) -> None:
    event = create_event(db_session, acme, "free", "Free", START, "XXX", timezone="Europe/Berlin", location="Hall")
    assert (event.currency, event.timezone, str(event.location)) == ("XXX", "Europe/Berlin", "Hall")


def test_timezone_defaults_to_the_deployment_setting(
    db_session: Session, acme: Any, registry: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(registry.settings, "ticketry.timezone", "America/New_York")
    assert create_event(db_session, acme, "summit", "Summit", START).timezone == "America/New_York"


def test_default_event_plugins_are_enabled(
    db_session: Session, acme: Any, registry: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(registry.settings, "ticketry.plugins.default_event", ("testplugin", "testbroken"))
    event = create_event(db_session, acme, "summit", "Summit", START)
    with scope(acme.id):
        assert db_session.scalars(select(EventPlugin.plugin).where(EventPlugin.event_id == event.id)).all() == [
            "testplugin"
        ]
