"""REST API fixtures: tokens of teams with chosen permissions and a client that sends them.

``api_client`` wraps the ``app`` webtest client: paths are relative to ``/api/v1`` and the token of an
all-permissions team of ``organizer`` is sent, unless ``headers=`` says otherwise::

    api_client.get("/organizers/demo/events/", status=200).json
    api_client.post("/organizers/demo/events/conf/taxrules/", {"name": {"en": "VAT"}, "rate": "19"}, status=201)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import pytest
import webtest
from sqlalchemy.orm import Session

from core import config_cache
from core.db import scope

API = "/api/v1"


class ApiClient:
    """JSON requests to ``/api/v1`` with an ``Authorization`` header (``headers=`` overrides per call)."""

    def __init__(self, app: webtest.TestApp, headers: dict[str, str]) -> None:
        self.app = app
        self.headers = headers

    def _headers(self, headers: dict[str, str] | None) -> dict[str, str]:
        return self.headers if headers is None else headers

    def get(self, path: str, *, status: int | str | None = 200, headers: dict[str, str] | None = None,
            params: Any = None) -> webtest.TestResponse:
        return self.app.get(API + path, params=params, headers=self._headers(headers), status=status)

    def delete(self, path: str, *, status: int | str | None = 204,
               headers: dict[str, str] | None = None) -> webtest.TestResponse:
        return self.app.delete(API + path, headers=self._headers(headers), status=status)

    def _send(self, method: str, path: str, body: Any, status: int | str | None,
              headers: dict[str, str] | None) -> webtest.TestResponse:
        call = getattr(self.app, f"{method}_json")
        return call(API + path, body if body is not None else {}, headers=self._headers(headers), status=status)

    def post(self, path: str, body: Any = None, *, status: int | str | None = 200,
             headers: dict[str, str] | None = None) -> webtest.TestResponse:
        return self._send("post", path, body, status, headers)

    def put(self, path: str, body: Any = None, *, status: int | str | None = 200,
            headers: dict[str, str] | None = None) -> webtest.TestResponse:
        return self._send("put", path, body, status, headers)

    def patch(self, path: str, body: Any = None, *, status: int | str | None = 200,
              headers: dict[str, str] | None = None) -> webtest.TestResponse:
        return self._send("patch", path, body, status, headers)


@pytest.fixture
def make_api_token(db_session: Session) -> Callable[..., dict[str, str]]:
    """``make_api_token(organizer, permissions=(), all_events=True, limit_events=(), everything=False)``.

    Creates a team on ``organizer`` with those permissions (catalogue strings or legacy names;
    ``everything=True`` grants all event and organizer permissions) and an API token of it; returns the
    ``Authorization`` header dict.
    """
    from core.services.teams import create_team, create_token

    counter = iter(range(1, 10_000))

    def make(organizer: Any, permissions: Sequence[str] = (), *, all_events: bool = True,
             limit_events: Sequence[Any] = (), everything: bool = False) -> dict[str, str]:
        with scope(organizer.id):
            team = create_team(
                db_session, organizer, f"API team {next(counter)}", permissions=permissions,
                all_events=all_events and not limit_events, limit_events=limit_events,
                all_event_permissions=everything, all_organizer_permissions=everything,
            )
            _token, plaintext = create_token(db_session, team, "api test token")
        return {"Authorization": f"Token {plaintext}"}

    return make


@pytest.fixture
def api_headers(make_api_token: Callable[..., dict[str, str]], organizer: Any) -> dict[str, str]:
    """The ``Authorization`` header of a token with every permission on ``organizer``."""
    return make_api_token(organizer, everything=True)


@pytest.fixture
def api_client(app: webtest.TestApp, api_headers: dict[str, str]) -> ApiClient:
    """An :class:`ApiClient` sending ``api_headers``."""
    return ApiClient(app, api_headers)


@pytest.fixture
def count_queries(api_client: ApiClient, record_statements: Any) -> Callable[[str], int]:
    """``count_queries(path)``: the number of SQL statements one GET of ``path`` by ``api_client`` runs, reading
    the configuration (settings, plugins) as if it was its first request (the process cache is emptied first)."""

    def count(path: str) -> int:
        config_cache.clear()
        with record_statements() as seen:
            api_client.get(path)
        return len(seen)

    return count
