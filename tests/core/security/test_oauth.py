from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from pyramid.testing import DummyRequest
from sqlalchemy import select, update

from core.db import scope
from core.models import LogEntry, OAuthAccessToken, OAuthGrant, OAuthRefreshToken, Organizer
from core.security.evaluation import NOTHING
from core.security.identity import AuthenticationFailed, token_digest
from core.security.oauth import BearerAuthenticator, BearerIdentity
from core.services.oauth import (
    OAuthError,
    authenticate_client,
    create_application,
    create_grant,
    exchange_code,
    refresh,
    revoke_token,
)
from core.services.teams import create_team

REDIRECT = "https://client.example/cb"


@dataclass(frozen=True)
class FakeEndpoint:
    method: str
    path: str


@pytest.fixture
def application(db_session):
    app, secret = create_application(db_session, "Client", [REDIRECT, "https://client.example/other"])
    return app, secret


@pytest.fixture
def member(db_session, organizer, user):
    with scope(organizer.id):
        create_team(db_session, organizer, "Orders", all_events=True, permissions=["event.orders:read"],
                    members=[user])
    return user


def _tokens(db_session, app, user, organizers, scope_="read write", **kw):
    _grant, code = create_grant(db_session, app, user, redirect_uri=REDIRECT, scope=scope_, organizers=organizers,
                                **kw)
    return exchange_code(db_session, app, code, REDIRECT, kw.get("code_challenge") and "x" * 43)


def _bearer(db_session, token, path="/api/v1/me/"):
    request = DummyRequest(path=path, headers={"Authorization": f"Bearer {token}"})
    request.dbsession = db_session
    return BearerAuthenticator().authenticate(request)


def test_application_secret_is_hashed_and_checked(db_session, application):
    app, secret = application
    assert app.client_secret_hash == token_digest(secret)
    assert authenticate_client(db_session, app.client_id, secret) is app
    with pytest.raises(OAuthError) as exc:
        authenticate_client(db_session, app.client_id, "wrong")
    assert (exc.value.error, exc.value.status) == ("invalid_client", 401)
    with pytest.raises(ValueError, match="absolute URL"):
        create_application(db_session, "Bad", ["/relative"])


def test_code_exchange_issues_tokens_once(db_session, application, member, organizer):
    app, _secret = application
    grant, code = create_grant(db_session, app, member, redirect_uri=REDIRECT, scope="read", organizers=[organizer])
    answer = exchange_code(db_session, app, code, REDIRECT)
    assert answer["token_type"] == "Bearer" and answer["expires_in"] == 86400 and answer["scope"] == "read"
    identity = _bearer(db_session, answer["access_token"])
    assert identity.user is member and identity.organizer_ids == {organizer.id}
    with pytest.raises(OAuthError, match="already been used"):
        exchange_code(db_session, app, code, REDIRECT)
    with pytest.raises(AuthenticationFailed):
        _bearer(db_session, answer["access_token"])
    authorized = db_session.scalar(select(LogEntry).where(LogEntry.action_type == "pretix.user.oauth.authorized"))
    assert authorized.parsed_data["organizers"] == ["demo"] and authorized.user_id == member.id
    db_session.refresh(grant)
    assert grant.used is not None


@pytest.mark.parametrize("case", ["redirect", "expired", "other_app", "unknown"])
def test_code_exchange_refusals(db_session, application, member, organizer, case):
    app, _secret = application
    _grant, code = create_grant(db_session, app, member, redirect_uri=REDIRECT, scope="read", organizers=[organizer])
    redirect_uri = REDIRECT
    if case == "redirect":
        redirect_uri = "https://client.example/other"
    elif case == "expired":
        db_session.execute(update(OAuthGrant).values(expires=datetime.now(UTC) - timedelta(seconds=1)))
        db_session.expire_all()
    elif case == "other_app":
        app, _s = create_application(db_session, "Other", [REDIRECT])
    else:
        code = "unknown"
    with pytest.raises(OAuthError) as exc:
        exchange_code(db_session, app, code, redirect_uri)
    assert exc.value.error == "invalid_grant"


def test_pkce_s256(db_session, application, member, organizer):
    app, _secret = application
    verifier = "v" * 50
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    _grant, code = create_grant(db_session, app, member, redirect_uri=REDIRECT, scope="read", organizers=[organizer],
                                code_challenge=challenge, code_challenge_method="S256")
    with pytest.raises(OAuthError, match="Missing code_verifier"):
        exchange_code(db_session, app, code, REDIRECT)
    with pytest.raises(OAuthError, match="Invalid code_verifier"):
        exchange_code(db_session, app, code, REDIRECT, "w" * 50)
    assert exchange_code(db_session, app, code, REDIRECT, verifier)["access_token"]


def test_refresh_rotates_and_detects_replay(db_session, application, member, organizer):
    app, _secret = application
    first = _tokens(db_session, app, member, [organizer])
    second = refresh(db_session, app, first["refresh_token"])
    assert second["refresh_token"] != first["refresh_token"] and second["scope"] == "read write"
    with pytest.raises(AuthenticationFailed):
        _bearer(db_session, first["access_token"])
    assert _bearer(db_session, second["access_token"]).scopes == {"read", "write"}
    narrowed = refresh(db_session, app, second["refresh_token"], scope="read")
    assert narrowed["scope"] == "read"
    with pytest.raises(OAuthError) as exc:
        refresh(db_session, app, first["refresh_token"])
    assert exc.value.error == "invalid_grant"
    with pytest.raises(AuthenticationFailed):
        _bearer(db_session, narrowed["access_token"])
    with pytest.raises(OAuthError):
        refresh(db_session, app, narrowed["refresh_token"])


def test_refresh_cannot_widen_scope(db_session, application, member, organizer):
    app, _secret = application
    answer = _tokens(db_session, app, member, [organizer], scope_="read")
    with pytest.raises(OAuthError) as exc:
        refresh(db_session, app, answer["refresh_token"], scope="read write")
    assert exc.value.error == "invalid_scope"


def test_revoke_refresh_token_revokes_its_access_token(db_session, application, member, organizer):
    app, _secret = application
    answer = _tokens(db_session, app, member, [organizer])
    revoke_token(db_session, app, "unknown")
    other, _s = create_application(db_session, "Other", [REDIRECT])
    revoke_token(db_session, other, answer["refresh_token"])
    assert _bearer(db_session, answer["access_token"])
    revoke_token(db_session, app, answer["refresh_token"])
    with pytest.raises(AuthenticationFailed):
        _bearer(db_session, answer["access_token"])
    with pytest.raises(OAuthError):
        refresh(db_session, app, answer["refresh_token"])


def test_revoke_access_token_keeps_refresh_token(db_session, application, member, organizer):
    app, _secret = application
    answer = _tokens(db_session, app, member, [organizer])
    revoke_token(db_session, app, answer["access_token"], hint="access_token")
    with pytest.raises(AuthenticationFailed):
        _bearer(db_session, answer["access_token"])
    assert refresh(db_session, app, answer["refresh_token"])["access_token"]


def test_bearer_limits(db_session, application, member, organizer, event, other_organizer):
    app, _secret = application
    with scope(other_organizer.id):
        create_team(db_session, other_organizer, "All", all_events=True, all_event_permissions=True,
                    members=[member])
    answer = _tokens(db_session, app, member, [organizer], scope_="read")
    identity = _bearer(db_session, answer["access_token"])
    assert identity.permissions(db_session, organizer.id, event.id).event == {"event.orders:read"}
    assert identity.permissions(db_session, other_organizer.id, None) is NOTHING
    assert identity.log_fields() == {"user_id": member.id, "oauth_application_id": app.id}
    request = DummyRequest()
    assert identity.api_allows(request, FakeEndpoint("GET", "/organizers/{organizer}/"))
    assert not identity.api_allows(request, FakeEndpoint("POST", "/organizers/{organizer}/events/"))
    assert not identity.api_allows(request, FakeEndpoint("GET", "/me/"))
    writer = BearerIdentity(identity.token, member, identity.organizer_ids, frozenset({"write", "profile"}))
    assert writer.api_allows(request, FakeEndpoint("PATCH", "/organizers/{organizer}/"))
    assert not writer.api_allows(request, FakeEndpoint("GET", "/organizers/{organizer}/"))
    assert writer.api_allows(request, FakeEndpoint("GET", "/me/"))


def test_bearer_only_on_api_paths_and_only_while_valid(db_session, application, member, organizer):
    app, _secret = application
    answer = _tokens(db_session, app, member, [organizer])
    assert _bearer(db_session, answer["access_token"], path="/control/sudo") is None
    with pytest.raises(AuthenticationFailed):
        _bearer(db_session, "nope")
    db_session.execute(update(OAuthAccessToken).values(expires=datetime.now(UTC) - timedelta(seconds=1)))
    db_session.expire_all()
    with pytest.raises(AuthenticationFailed):
        _bearer(db_session, answer["access_token"])
    assert db_session.scalar(select(OAuthRefreshToken.revoked)) is None


def test_deactivated_application_loses_access(db_session, application, member, organizer):
    app, _secret = application
    answer = _tokens(db_session, app, member, [organizer])
    app.active = False
    db_session.flush()
    with pytest.raises(AuthenticationFailed):
        _bearer(db_session, answer["access_token"])


def _authorize_url(app, **extra):
    params = {"client_id": app.client_id, "response_type": "code", "redirect_uri": REDIRECT, "scope": "read",
              "state": "xyz", **extra}
    return "/api/v1/oauth/authorize?" + "&".join(f"{k}={v}" for k, v in params.items())


def test_authorize_page_flow(app, login, db_session, application, member, organizer, other_organizer):
    client_app, _secret = application
    anonymous = app.get(_authorize_url(client_app), status=302)
    assert "/control/login?next=" in anonymous.location
    login(member)
    page = app.get(_authorize_url(client_app))
    assert "Client" in page.text and "Read data" in page.text
    form = page.forms["authorize-form"]
    assert [f.value for f in form.fields["organizer"]] == [None]
    form["organizer"] = str(organizer.id)
    response = form.submit("allow", status=302)
    target = urlsplit(response.location)
    query = parse_qs(target.query)
    assert f"{target.scheme}://{target.netloc}{target.path}" == REDIRECT and query["state"] == ["xyz"]
    grant = db_session.scalar(select(OAuthGrant).where(OAuthGrant.code_hash == token_digest(query["code"][0])))
    assert [o.slug for o in grant.organizers] == ["demo"]


def test_authorize_deny_and_empty_choice(app, login, application, member, organizer):
    client_app, _secret = application
    login(member)
    form = app.get(_authorize_url(client_app)).forms["authorize-form"]
    denied = form.submit("deny", status=302)
    assert parse_qs(urlsplit(denied.location).query) == {"error": ["access_denied"], "state": ["xyz"]}
    again = app.get(_authorize_url(client_app)).forms["authorize-form"].submit("allow", status=400)
    assert "Choose at least one organizer" in again.text


def test_authorize_foreign_organizer_is_ignored(app, login, db_session, application, member, organizer,
                                                other_organizer):
    client_app, _secret = application
    login(member)
    form = app.get(_authorize_url(client_app)).forms["authorize-form"]
    form.fields["organizer"][0].force_value(str(other_organizer.id))
    form.submit("allow", status=400)
    assert db_session.scalar(select(OAuthGrant)) is None


def test_authorize_errors(app, login, application, member):
    client_app, _secret = application
    login(member)
    assert "unknown" in app.get(_authorize_url(client_app, client_id="nope"), status=400).text
    bad_redirect = app.get(_authorize_url(client_app, redirect_uri="https://evil.example/"), status=400)
    assert "not registered" in bad_redirect.text
    scope_error = app.get(_authorize_url(client_app, scope="admin"), status=302)
    assert parse_qs(urlsplit(scope_error.location).query)["error"] == ["invalid_scope"]
    response_type = app.get(_authorize_url(client_app, response_type="token"), status=302)
    assert parse_qs(urlsplit(response_type.location).query)["error"] == ["unsupported_response_type"]


def test_authorize_post_needs_csrf(app, login, application, member, organizer):
    client_app, _secret = application
    login(member)
    app.post(_authorize_url(client_app), {"allow": "1", "organizer": str(organizer.id)}, status=403)


def test_organizer_list_on_page_is_the_users(app, login, db_session, application, member, organizer,
                                            other_organizer):
    client_app, _secret = application
    login(member)
    page = app.get(_authorize_url(client_app))
    assert organizer.name in page.text and other_organizer.name not in page.text
    assert db_session.scalar(select(Organizer).where(Organizer.slug == "other")) is not None
