"""``ticketry user|organizer|team|token create``."""

from __future__ import annotations

import io
from collections.abc import Callable

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.models import Organizer, Team, TeamAPIToken, User
from core.security.identity import token_digest
from core.security.passwords import verify_password
from tests.core.cli.conftest import Result

Run = Callable[..., Result]


def test_user_create_with_password_from_stdin(migrated: Run, db: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("s3cret pass\n"))
    result = migrated("user", "create", "ada@example.org", "--password-stdin", "--staff", "--name", "Ada")
    assert result.code == 0 and result.out.strip() == "user ada@example.org created (staff)"
    user = db.scalar(select(User))
    assert (user.email, user.fullname, user.is_staff) == ("ada@example.org", "Ada", True)
    assert verify_password(user.password_hash, "s3cret pass")[0]


def test_user_create_without_password(migrated: Run, db: Session) -> None:
    result = migrated("user", "create", "bob@example.org")
    assert result.code == 0 and "no password yet" in result.out
    assert db.scalar(select(User.password_hash)) is None


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["not-an-address"], 1, "'not-an-address' is not a valid e-mail address"),
        (["c@example.org", "--password", ""], 1, "the password must not be empty"),
        (["c@example.org", "--password", "x", "--password-stdin"], 2, "not allowed with argument"),
        ([], 2, "the following arguments are required: email"),
    ],
)
def test_user_create_errors(migrated: Run, args: list[str], code: int, message: str) -> None:
    result = migrated("user", "create", *args)
    assert result.code == code and message in result.err


def test_user_create_twice(migrated: Run) -> None:
    assert migrated("user", "create", "ada@example.org", "--password", "pw").code == 0
    result = migrated("user", "create", "ADA@example.org")
    assert result.code == 1 and "already exists" in result.err


def test_organizer_create(migrated: Run, db: Session) -> None:
    result = migrated("organizer", "create", "acme", "ACME Events")
    assert result.code == 0 and result.out.strip() == "organizer acme created"
    assert db.scalar(select(Organizer.name)) == "ACME Events"
    again = migrated("organizer", "create", "acme", "Other")
    assert again.code == 1 and "ticketry organizer: error: the organizer slug 'acme' is already taken" in again.err


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["a", "A"], 1, "invalid organizer slug 'a': use at least 2 characters"),
        (["api", "API"], 1, "the organizer slug 'api' is reserved"),
        (["acme"], 2, "the following arguments are required: name"),
    ],
)
def test_organizer_create_errors(migrated: Run, args: list[str], code: int, message: str) -> None:
    result = migrated("organizer", "create", *args)
    assert result.code == code and message in result.err and "Traceback" not in result.err


def test_organizer_create_on_an_unmigrated_database(run: Run) -> None:
    result = run("organizer", "create", "acme", "ACME")
    assert result.code == 1 and "database error" in result.err and "ticketry db upgrade" in result.err


@pytest.fixture
def acme(migrated: Run) -> Run:
    assert migrated("organizer", "create", "acme", "ACME").code == 0
    assert migrated("user", "create", "ada@example.org", "--password", "pw").code == 0
    return migrated


def test_team_create_with_permissions_and_members(acme: Run, db: Session) -> None:
    result = acme("team", "create", "--organizer", "acme", "Box office", "--permission", "event.orders:read",
                  "--permission", "event.orders:write", "--all-events", "--member", "ada@example.org")
    assert result.code == 0, result.err
    assert result.out.strip() == "team 'Box office' created in organizer acme with 1 member(s)"
    team = db.scalar(select(Team))
    assert team.all_events and not team.all_event_permissions
    assert [m.email for m in team.members] == ["ada@example.org"]
    assert team.limit_event_permissions.get("event.orders:read")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--organizer", "nope", "T"], "unknown organizer 'nope'; organizers: acme"),
        (["--organizer", "acme", "T", "--member", "zed@example.org"],
         "unknown user 'zed@example.org'; create it first with `ticketry user create zed@example.org`"),
        (["--organizer", "acme", "T", "--permission", "event.nonsense:read"], "event.nonsense:read"),
    ],
)
def test_team_create_errors(acme: Run, args: list[str], message: str) -> None:
    result = acme("team", "create", *args)
    assert result.code == 1 and message in result.err and "Traceback" not in result.err


def test_token_create_prints_the_token_once(acme: Run, db: Session) -> None:
    acme("team", "create", "--organizer", "acme", "API", "--all-events", "--all-event-permissions")
    result = acme("token", "create", "--organizer", "acme", "--team", "API", "pos")
    assert result.code == 0
    plaintext = result.out.strip()
    assert len(plaintext) >= 32 and "shown only now" in result.err
    token = db.scalar(select(TeamAPIToken))
    assert (token.name, token.token_hash) == ("pos", token_digest(plaintext))


def test_token_create_for_an_unknown_team(acme: Run) -> None:
    acme("team", "create", "--organizer", "acme", "API")
    result = acme("token", "create", "--organizer", "acme", "--team", "Nope", "pos")
    assert result.code == 1 and "unknown team 'Nope' in organizer 'acme'; teams: 'API'" in result.err


def test_token_create_needs_a_team(migrated: Run) -> None:
    result = migrated("token", "create", "--organizer", "acme", "pos")
    assert result.code == 2 and "the following arguments are required: --team" in result.err
