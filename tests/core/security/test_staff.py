from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from core.models import LogEntry, StaffSession, StaffSessionAuditLog
from core.security.staff import STAFF_SESSION_LIMIT


def _staff_sessions(db_session, user):
    return db_session.scalars(
        select(StaffSession).where(StaffSession.user_id == user.id).execution_options(populate_existing=True)
    ).all()


def _audit_rows(db_session, staff):
    return db_session.scalars(
        select(StaffSessionAuditLog).where(StaffSessionAuditLog.session_id == staff.id).order_by(
            StaffSessionAuditLog.id)
    ).all()


def _start_admin_mode(client):
    return client.get("/control/login").forms["sudo-form"].submit(status=302)


def test_staff_user_in_admin_mode_holds_every_permission_and_is_audited(
    secured_app, db_session, user, login, event, other_organizer,
):
    user.is_staff = True
    db_session.flush()
    login(user, client=secured_app)
    secured_app.get("/t/demo/conf/orders", status=403)
    _start_admin_mode(secured_app)
    secured_app.get("/t/demo/conf/orders", status=200)
    secured_app.get("/t/other/teams", status=200)
    secured_app.get("/t/other/other/orders?page=2", status=200)
    (staff,) = _staff_sessions(db_session, user)
    assert staff.date_end is None
    audited = [(row.method, row.url) for row in _audit_rows(db_session, staff)]
    assert ("GET", "http://localhost/t/other/other/orders?page=2") in audited
    assert ("GET", "http://localhost/t/demo/conf/orders") in audited

    page = secured_app.get("/control/login")
    assert "Admin mode is on" in page.text
    stop = page.forms["sudo-stop-form"]
    stop["comment"] = "checked an order for support"
    stop.submit(status=302)
    (staff,) = _staff_sessions(db_session, user)
    assert staff.date_end is not None
    assert staff.comment == "checked an order for support"
    secured_app.get("/t/demo/conf/orders", status=403)
    assert len(_audit_rows(db_session, staff)) == len(audited) + 2  # the login page and the stop request
    actions = db_session.scalars(select(LogEntry.action_type).where(LogEntry.user_id == user.id)).all()
    assert "pretix.control.staff.session.started" in actions and "pretix.control.staff.session.ended" in actions


def test_non_staff_user_cannot_start_admin_mode(app, db_session, user, login):
    login(user)
    page = app.get("/control/login")
    assert "sudo-form" not in page.forms
    app.post("/control/sudo", {"csrf_token": page.forms["logout-form"]["csrf_token"].value}, status=403)
    assert _staff_sessions(db_session, user) == []


def test_staff_mode_needs_csrf_and_a_login(app, db_session, user, login):
    app.post("/control/sudo", status=403)
    user.is_staff = True
    db_session.flush()
    login(user)
    app.post("/control/sudo", status=400)
    assert _staff_sessions(db_session, user) == []


def test_admin_mode_ends_at_logout(app, db_session, user, login):
    user.is_staff = True
    db_session.flush()
    login(user)
    _start_admin_mode(app)
    app.get("/control/login").forms["logout-form"].submit(status=302)
    (staff,) = _staff_sessions(db_session, user)
    assert staff.date_end is not None


def test_admin_mode_ends_after_the_absolute_limit(secured_app, db_session, user, login, event):
    user.is_staff = True
    db_session.flush()
    login(user, client=secured_app)
    _start_admin_mode(secured_app)
    (staff,) = _staff_sessions(db_session, user)
    staff.date_start = datetime.now(UTC) - STAFF_SESSION_LIMIT - timedelta(minutes=1)
    db_session.flush()
    secured_app.get("/t/demo/conf/orders", status=403)
    assert "Admin mode is on" not in secured_app.get("/control/login").text
    _start_admin_mode(secured_app)
    outlived, fresh = sorted(_staff_sessions(db_session, user), key=lambda s: s.id)
    assert outlived.date_end is not None and fresh.date_end is None
    secured_app.get("/t/demo/conf/orders", status=200)


def test_failed_requests_in_admin_mode_are_audited_too(secured_app, db_session, user, login, event):
    user.is_staff = True
    db_session.flush()
    login(user, client=secured_app)
    _start_admin_mode(secured_app)
    secured_app.post("/t/demo/conf/orders", status=400)  # no CSRF token: refused, rolled back
    (staff,) = _staff_sessions(db_session, user)
    audited = [(row.method, row.url) for row in _audit_rows(db_session, staff)]
    assert ("POST", "http://localhost/t/demo/conf/orders") in audited


def test_admin_mode_is_bound_to_the_login_session(secured_app, app, db_session, user, login, event):
    user.is_staff = True
    db_session.flush()
    login(user, client=secured_app)
    _start_admin_mode(secured_app)
    login(user, client=app)
    app.get("/t/demo/conf/orders", status=404)  # the main app has no test routes ...
    assert "Admin mode is on" not in app.get("/control/login").text  # ... and the other login is not in admin mode
