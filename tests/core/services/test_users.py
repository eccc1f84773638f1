from __future__ import annotations

import pytest
from sqlalchemy import select

from core.models import LogEntry
from core.services.users import authenticate, create_user, rotate_session_token, set_password


def test_create_user_normalises_and_logs(db_session):
    user = create_user(db_session, " Bob@Example.ORG ", password="pw", fullname="Bob")
    assert user.email == "bob@example.org"
    assert len(user.session_token) == 32
    assert user.password_hash.startswith("$argon2id$")
    actions = db_session.scalars(select(LogEntry.action_type).where(LogEntry.object_id == user.id)).all()
    assert actions == ["pretix.user.created"]


@pytest.mark.parametrize("email", ["", "bob", "bob@", "@example.org", "bob@example"])
def test_invalid_email_is_refused(db_session, email):
    with pytest.raises(ValueError, match="not a valid e-mail"):
        create_user(db_session, email)


def test_duplicate_email_is_refused(db_session, user):
    with pytest.raises(ValueError, match="already exists"):
        create_user(db_session, "ALICE@example.org")


def test_authenticate(db_session, user):
    set_password(db_session, user, "pw")
    assert authenticate(db_session, "Alice@Example.org", "pw") is user
    assert authenticate(db_session, "alice@example.org", "wrong") is None
    assert authenticate(db_session, "nobody@example.org", "pw") is None
    user.is_active = False
    assert authenticate(db_session, "alice@example.org", "pw") is None


def test_user_without_password_cannot_authenticate(db_session):
    create_user(db_session, "nopw@example.org")
    assert authenticate(db_session, "nopw@example.org", "") is None


def test_rotate_session_token(db_session, user):
    before = user.session_token
    rotate_session_token(db_session, user)
    assert user.session_token != before and len(user.session_token) == 32
