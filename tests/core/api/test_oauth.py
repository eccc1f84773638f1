from __future__ import annotations

import base64
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

import pytest
import webtest
from sqlalchemy import select

from core.db import scope
from core.i18n import I18nString
from core.models import Event, Organizer, StaffSession
from core.services.oauth import create_application
from core.services.teams import create_team

API = "/api/v1"
REDIRECT = "https://client.example/cb"
TAXRULES = "/organizers/demo/events/conf/taxrules/"


@pytest.fixture
def client_app(db_session):
    return create_application(db_session, "Client", [REDIRECT])


@pytest.fixture
def basic(client_app):
    app, secret = client_app
    return {"Authorization": "Basic " + base64.b64encode(f"{app.client_id}:{secret}".encode()).decode()}


@pytest.fixture
def member(db_session, organizer, event, user):
    with scope(organizer.id):
        create_team(db_session, organizer, "Tax", all_events=True, permissions=["event.settings.tax:write"],
                    members=[user])
    other = Organizer(slug="other", name="Other Organizer")
    db_session.add(other)
    db_session.flush()
    with scope(other.id):
        db_session.add(Event(organizer_id=other.id, slug="other", name=I18nString({"en": "Other"}),
                             date_from=datetime(2030, 1, 1, tzinfo=UTC)))
        create_team(db_session, other, "All", all_events=True, all_event_permissions=True, members=[user])
    return user


@pytest.fixture
def authorize(app, login, client_app, member, organizer):
    """``authorize(scope)`` runs the consent page for ``organizer`` only and returns the code."""
    login(member)

    def run(scope_: str) -> str:
        query = {"client_id": client_app[0].client_id, "response_type": "code", "scope": scope_,
                 "redirect_uri": REDIRECT}
        form = app.get(f"{API}/oauth/authorize", params=query).forms["authorize-form"]
        form["organizer"] = [str(organizer.id)]
        return parse_qs(urlsplit(form.submit("allow", status=302).location).query)["code"][0]

    return run


@pytest.fixture
def server(app):
    """The OAuth client's server: a second client without the user's session cookie."""
    return webtest.TestApp(app.app, extra_environ=app.extra_environ)


def _token(server, basic, **params):
    return server.post(f"{API}/oauth/token/", params, headers=basic, status="*")


def _bearer(token):
    return {"Authorization": f"Bearer {token}"}


def test_code_flow_with_basic_auth(server, api_client, authorize, basic):
    code = authorize("read write")
    response = _token(server, basic, grant_type="authorization_code", code=code, redirect_uri=REDIRECT)
    assert response.status_int == 200 and response.headers["Cache-Control"] == "no-store"
    tokens = response.json
    assert set(tokens) == {"access_token", "expires_in", "token_type", "scope", "refresh_token"}
    assert tokens["scope"] == "read write" and tokens["token_type"] == "Bearer"
    api_client.get(TAXRULES, headers=_bearer(tokens["access_token"]))
    api_client.post(TAXRULES, {"name": {"en": "VAT"}, "rate": "19"}, headers=_bearer(tokens["access_token"]),
                    status=201)
    replay = _token(server, basic, grant_type="authorization_code", code=code, redirect_uri=REDIRECT)
    assert replay.status_int == 400 and replay.json["error"] == "invalid_grant"
    api_client.get(TAXRULES, headers=_bearer(tokens["access_token"]), status=401)


def test_read_scope_refuses_writes_and_profile(server, api_client, authorize, basic):
    tokens = _token(server, basic, grant_type="authorization_code", code=authorize("read"), redirect_uri=REDIRECT).json
    api_client.get(TAXRULES, headers=_bearer(tokens["access_token"]))
    api_client.post(TAXRULES, {"name": {"en": "VAT"}, "rate": "19"}, headers=_bearer(tokens["access_token"]),
                    status=403)
    api_client.get("/me/", headers=_bearer(tokens["access_token"]), status=403)


def test_profile_scope_reads_me(server, api_client, authorize, basic, member):
    tokens = _token(server, basic, grant_type="authorization_code", code=authorize("profile"),
                    redirect_uri=REDIRECT).json
    assert api_client.get("/me/", headers=_bearer(tokens["access_token"])).json["email"] == member.email
    api_client.get(TAXRULES, headers=_bearer(tokens["access_token"]), status=403)


def test_token_limited_to_chosen_organizers(server, api_client, authorize, basic):
    tokens = _token(server, basic, grant_type="authorization_code", code=authorize("read"), redirect_uri=REDIRECT).json
    api_client.get("/organizers/other/events/other/taxrules/", headers=_bearer(tokens["access_token"]), status=403)


def test_refresh_rotation_and_revoke(server, api_client, authorize, basic, client_app):
    tokens = _token(server, basic, grant_type="authorization_code", code=authorize("read"), redirect_uri=REDIRECT).json
    app_, secret = client_app
    body_auth = {"client_id": app_.client_id, "client_secret": secret}
    fresh = server.post(f"{API}/oauth/token/", {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"],
                                             **body_auth}).json
    api_client.get(TAXRULES, headers=_bearer(tokens["access_token"]), status=401)
    api_client.get(TAXRULES, headers=_bearer(fresh["access_token"]))
    reused = _token(server, basic, grant_type="refresh_token", refresh_token=tokens["refresh_token"])
    assert reused.status_int == 400 and reused.json["error"] == "invalid_grant"
    api_client.get(TAXRULES, headers=_bearer(fresh["access_token"]), status=401)

    newer = _token(server, basic, grant_type="authorization_code", code=authorize("read"), redirect_uri=REDIRECT).json
    assert server.post(f"{API}/oauth/revoke_token/", {"token": newer["refresh_token"]}, headers=basic).body == b""
    api_client.get(TAXRULES, headers=_bearer(newer["access_token"]), status=401)
    assert _token(server, basic, grant_type="refresh_token", refresh_token=newer["refresh_token"]).status_int == 400


@pytest.mark.parametrize(
    ("params", "headers", "status", "error"),
    [
        ({"grant_type": "authorization_code", "code": "x"}, "bad", 401, "invalid_client"),
        ({"grant_type": "password"}, "good", 400, "unsupported_grant_type"),
        ({"grant_type": "authorization_code"}, "good", 400, "invalid_request"),
        ({"grant_type": "authorization_code", "code": "nope", "redirect_uri": REDIRECT}, "good", 400, "invalid_grant"),
        ({"grant_type": "refresh_token", "refresh_token": "nope"}, "good", 400, "invalid_grant"),
    ],
)
def test_token_endpoint_errors(server, basic, params, headers, status, error):
    sent = basic if headers == "good" else {"Authorization": "Basic " + base64.b64encode(b"a:b").decode()}
    response = _token(server, sent, **params)
    assert response.status_int == status and response.json["error"] == error
    if status == 401:
        assert response.headers["WWW-Authenticate"].startswith("Basic")


def test_bearer_is_not_a_control_panel_login(app, server, db_session, authorize, basic):
    tokens = _token(server, basic, grant_type="authorization_code", code=authorize("read write"),
                    redirect_uri=REDIRECT).json
    app.reset()
    app.post("/control/sudo", headers=_bearer(tokens["access_token"]), status=403)
    assert db_session.scalar(select(StaffSession)) is None
