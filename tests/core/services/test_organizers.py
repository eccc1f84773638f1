"""create_organizer: slug rules, uniqueness, default organizer plugins, audit log."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.db import scope
from core.models import Organizer, OrganizerPlugin
from core.models.logs import LogEntry
from core.services.organizers import ORGANIZER_CREATED, create_organizer
from core.services.slugs import ValidationError, validate_slug


@pytest.mark.parametrize("slug", ["ab", "acme", "Acme-2024", "a.b", "x1", "9lives"])
def test_valid_slugs(slug: str) -> None:
    assert validate_slug(slug, what="organizer") == slug


@pytest.mark.parametrize(
    ("slug", "message"),
    [
        ("a", "at least 2 characters"),
        ("", "at least 2 characters"),
        ("-acme", "starting and ending with a letter or digit"),
        ("acme.", "starting and ending with a letter or digit"),
        ("ac me", "letters, digits, '.' and '-'"),
        ("acmé", "letters, digits"),
        ("a" * 51, "at most 50 characters"),
        ("api", "is reserved"),
        ("Control", "is reserved"),
        ("healthz", "is reserved"),
        ("p", "at least 2 characters"),
    ],
)
def test_invalid_slugs_name_the_rule(slug: str, message: str) -> None:
    with pytest.raises(ValidationError, match=message) as info:
        validate_slug(slug, what="organizer")
    assert info.value.field == "slug"


def test_create_organizer_stores_it_and_logs(db_session: Session, user: Any) -> None:
    organizer = create_organizer(db_session, "acme", "ACME Events", actor=user)
    assert db_session.scalar(select(Organizer).where(Organizer.slug == "acme")) is organizer
    entries = db_session.scalars(select(LogEntry).where(LogEntry.organizer_id == organizer.id)).all()
    assert [(e.action_type, e.user_id, e.parsed_data) for e in entries] == [
        (ORGANIZER_CREATED, user.id, {"slug": "acme", "name": "ACME Events"})
    ]


def test_taken_slug_is_refused_regardless_of_case(db_session: Session) -> None:
    create_organizer(db_session, "acme", "ACME")
    with pytest.raises(ValidationError, match="'ACME' is already taken"):
        create_organizer(db_session, "ACME", "Other")


def test_empty_name_is_refused(db_session: Session) -> None:
    with pytest.raises(ValidationError, match="name must not be empty") as info:
        create_organizer(db_session, "acme", "  ")
    assert info.value.field == "name"


def test_default_organizer_plugins_are_enabled(
    db_session: Session, registry: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(registry.settings, "ticketry.plugins.default_organizer", ("testorg",))
    organizer = create_organizer(db_session, "acme", "ACME")
    with scope(organizer.id):
        rows = db_session.scalars(select(OrganizerPlugin.plugin)).all()
    assert rows == ["testorg"]
    actions = db_session.scalars(
        select(LogEntry.action_type).where(LogEntry.organizer_id == organizer.id).order_by(LogEntry.id)
    ).all()
    assert actions == ["pretix.organizer.plugins.enabled", ORGANIZER_CREATED]
