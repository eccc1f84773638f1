from __future__ import annotations

import time

import pytest

from core.security import sessions
from core.services.users import rotate_session_token, set_password
from sdk.testing.fixtures_security import TEST_PASSWORD


def _logged_in(app):
    return "You are logged in as" in app.get("/control/login").text


def test_login_form_has_a_csrf_token(app):
    form = app.get("/control/login").forms[0]
    assert form.method.lower() == "post"
    assert len(form["csrf_token"].value) >= 32
    assert set(form.fields) >= {"email", "password", "next"}


def test_login_and_logout(app, user, login):
    response = login(user)
    assert response.location.endswith("/control/login")
    page = app.get("/control/login")
    assert "alice@example.org" in page.text
    logout = page.forms["logout-form"]
    assert logout.action == "/control/logout"
    assert logout.submit(status=302).location.endswith("/control/login")
    assert not _logged_in(app)


def test_login_redirects_to_a_local_next_only(app, db_session, user):
    set_password(db_session, user, TEST_PASSWORD)
    for target, expected in (("/control/x?y=1", "/control/x?y=1"), ("https://evil.example/", "/control/login"),
                             ("//evil.example/", "/control/login")):
        app.reset()
        form = app.get("/control/login", params={"next": target}).forms[0]
        form["email"], form["password"] = user.email, TEST_PASSWORD
        assert form.submit(status=302).location.endswith(expected)


@pytest.mark.parametrize("email", ["alice@example.org", "nobody@example.org"])
def test_wrong_credentials_show_the_same_error(app, db_session, user, email):
    set_password(db_session, user, TEST_PASSWORD)
    form = app.get("/control/login").forms[0]
    form["email"], form["password"] = email, "wrong password"
    page = form.submit(status=200)
    assert "The e-mail address or the password is not correct." in page.text
    assert not _logged_in(app)


def test_login_post_without_csrf_token_is_refused(app, db_session, user):
    set_password(db_session, user, TEST_PASSWORD)
    app.get("/control/login")
    app.post("/control/login", {"email": user.email, "password": TEST_PASSWORD}, status=400)
    app.post("/control/login", {"email": user.email, "password": TEST_PASSWORD, "csrf_token": "forged"}, status=400)
    assert not _logged_in(app)


def test_logout_without_csrf_token_is_refused(app, user, login):
    login(user)
    app.post("/control/logout", status=400)
    assert _logged_in(app)


def test_inactive_user_cannot_log_in(app, db_session, user):
    set_password(db_session, user, TEST_PASSWORD)
    user.is_active = False
    db_session.flush()
    form = app.get("/control/login").forms[0]
    form["email"], form["password"] = user.email, TEST_PASSWORD
    assert "not correct" in form.submit(status=200).text


def test_rotating_the_session_token_logs_out_everywhere(app, db_session, user, login):
    login(user)
    assert _logged_in(app)
    rotate_session_token(db_session, user)
    assert not _logged_in(app)


def test_changing_the_password_ends_other_sessions(app, db_session, user, login):
    login(user)
    set_password(db_session, user, "another password")
    assert not _logged_in(app)


def test_sessions_end_after_the_absolute_timeout(app, user, login, monkeypatch):
    login(user)
    real_time = time.time
    monkeypatch.setattr(sessions.time, "time", lambda: real_time() + sessions.ABSOLUTE_TIMEOUT + 1)
    assert not _logged_in(app)


def test_session_cookie_is_http_only_and_lax(app, user, login):
    response = login(user)
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("ticketry_session=")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_anonymous_browser_is_sent_from_a_control_page_to_the_login(secured_app, event):
    response = secured_app.get("/control/t/demo", headers={"Accept": "text/html"}, status=302)
    assert response.location.endswith("/control/login?next=%2Fcontrol%2Ft%2Fdemo")
    secured_app.get("/control/t/demo", headers={"Accept": "application/json"}, status=403)
    secured_app.post("/control/logout", status=403)
