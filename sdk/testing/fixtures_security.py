"""Security fixtures: a team with every permission, its API token, and logging in through the real form."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
import webtest
from sqlalchemy.orm import Session

from core.db import scope

#: The password the ``login`` helper gives a user that has none.
TEST_PASSWORD = "correct horse battery staple"


@pytest.fixture(scope="session", autouse=True)
def cheap_password_hashing() -> Iterator[None]:
    """argon2 with minimal cost for the whole test session (real parameters cost ~0.1-1 s per hash)."""
    from argon2 import PasswordHasher

    from core.security.passwords import use_hasher

    previous = use_hasher(PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    yield
    use_hasher(previous)


@pytest.fixture
def team(db_session: Session, organizer: Any, user: Any) -> Any:
    """A team on ``organizer`` with ``user`` as member, all events and every event and organizer permission."""
    from core.services.teams import create_team

    with scope(organizer.id):
        return create_team(
            db_session, organizer, "Administrators", all_events=True, all_event_permissions=True,
            all_organizer_permissions=True, members=[user],
        )


@pytest.fixture
def token(db_session: Session, team: Any) -> str:
    """The plaintext of an active API token of ``team`` (send it as ``Authorization: Token <token>``)."""
    from core.services.teams import create_token

    with scope(team.organizer_id):
        _token, plaintext = create_token(db_session, team, "test token")
    return plaintext


@pytest.fixture
def login(app: webtest.TestApp, db_session: Session) -> Callable[..., webtest.TestResponse]:
    """``login(user, password=None, client=None)`` logs a webtest client in through the login form.

    The client is ``app`` unless given; it keeps the session cookie. Without ``password`` the user
    gets :data:`TEST_PASSWORD` first. Returns the response to the form submission (a redirect).
    """
    from core.services.users import set_password

    def do_login(user: Any, password: str | None = None, client: webtest.TestApp | None = None,
                 ) -> webtest.TestResponse:
        if password is None:
            password = TEST_PASSWORD
            set_password(db_session, user, password)
        form = (client or app).get("/control/login").forms[0]
        form["email"] = user.email
        form["password"] = password
        response = form.submit()
        assert response.status_int == 302, f"login of {user.email} failed: {response.status}"
        return response

    return do_login
