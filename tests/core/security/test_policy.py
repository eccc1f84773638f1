from __future__ import annotations

import pytest
from sqlalchemy import event as sa_event

from core import config_cache
from core.db import scope
from core.services.teams import create_team, create_token, revoke_token


def _auth(token):
    return {"Authorization": f"Token {token}"}


def _token_for(db_session, organizer, **team_kw):
    with scope(organizer.id):
        team = create_team(db_session, organizer, team_kw.pop("name", "API"), **team_kw)
        return create_token(db_session, team, "t")


def test_token_with_the_permission_reads_its_organizers_event(secured_app, token, event):
    response = secured_app.get("/t/demo/conf/orders", headers=_auth(token))
    assert response.json == {"organizer": "demo", "event": "conf", "data": "confidential"}


def test_token_cannot_reach_another_organizers_objects(secured_app, token, event, other_organizer):
    for path in ("/t/other/other/orders", "/t/other/other/member", "/t/other/teams", "/t/other/member"):
        response = secured_app.get(path, headers=_auth(token), status=403)
        assert response.json == {"detail": "You do not have permission to perform this action."}


def test_token_of_a_limited_read_only_team(secured_app, db_session, organizer, event, second_event):
    _token, plaintext = _token_for(db_session, organizer, limit_events=[event], permissions=["event.orders:read"])
    secured_app.get("/t/demo/conf/orders", headers=_auth(plaintext), status=200)
    secured_app.post("/t/demo/conf/orders", headers=_auth(plaintext), status=403)
    secured_app.get("/t/demo/fest/orders", headers=_auth(plaintext), status=403)
    secured_app.get("/t/demo/fest/member", headers=_auth(plaintext), status=403)
    secured_app.get("/t/demo/teams", headers=_auth(plaintext), status=403)
    secured_app.get("/t/demo/member", headers=_auth(plaintext), status=200)


def test_unsafe_request_with_token_needs_no_csrf_token(secured_app, token, event):
    assert secured_app.post("/t/demo/conf/orders", headers=_auth(token)).json["data"] == "confidential"


@pytest.mark.parametrize("header", ["Token nope", "Token ", "token 0000"])
def test_unknown_token_is_401(secured_app, event, header):
    response = secured_app.get("/t/demo/conf/orders", headers={"Authorization": header}, status=401)
    assert "detail" in response.json
    assert response.headers["WWW-Authenticate"] == "Token"


def test_revoked_token_is_401(secured_app, db_session, organizer, event):
    token, plaintext = _token_for(db_session, organizer, all_events=True, all_event_permissions=True)
    secured_app.get("/t/demo/conf/orders", headers=_auth(plaintext), status=200)
    with scope(organizer.id):
        revoke_token(db_session, token)
    response = secured_app.get("/t/demo/conf/orders", headers=_auth(plaintext), status=401)
    assert response.json == {"detail": "Invalid token."}


def test_legacy_and_any_of_permissions_on_routes(secured_app, db_session, organizer, event):
    _token, plaintext = _token_for(db_session, organizer, all_events=True,
                                   permissions=["event.settings.general:write", "event.orders:checkin"])
    secured_app.get("/t/demo/conf/legacy", headers=_auth(plaintext), status=200)
    secured_app.get("/t/demo/conf/any", headers=_auth(plaintext), status=200)
    secured_app.get("/t/demo/conf/orders", headers=_auth(plaintext), status=403)


def test_event_permission_on_an_organizer_context_needs_an_all_events_team(secured_app, db_session, organizer,
                                                                          event):
    _t, limited = _token_for(db_session, organizer, name="limited", limit_events=[event],
                             permissions=["event.orders:read"])
    _t, everywhere = _token_for(db_session, organizer, name="all", all_events=True, permissions=["event.orders:read"])
    secured_app.get("/t/demo/orders", headers=_auth(limited), status=403)
    secured_app.get("/t/demo/orders", headers=_auth(everywhere), status=200)


def test_anonymous_gets_403_and_view_without_permission_is_closed(secured_app, token, event):
    secured_app.get("/t/demo/conf/orders", status=403)
    secured_app.get("/t/undeclared", headers=_auth(token), status=403)
    assert secured_app.get("/t/public").json == {"identity": None}


def test_unknown_slug_is_404(secured_app, token, event):
    assert "Unknown event 'nope'" in secured_app.get("/t/demo/nope/orders", headers=_auth(token), status=404).text
    assert "Unknown organizer 'nobody'" in secured_app.get("/t/nobody/conf/orders", headers=_auth(token),
                                                           status=404).text
    assert secured_app.get("/t/demo/conf/orders", headers=_auth(token)).json == {
        "organizer": "demo", "event": "conf", "data": "confidential"}


def test_logged_in_user_gets_the_union_of_their_teams(secured_app, db_session, organizer, event, second_event, user,
                                                       login):
    with scope(organizer.id):
        create_team(db_session, organizer, "orders", limit_events=[event], permissions=["event.orders:read"],
                    members=[user])
        create_team(db_session, organizer, "teams", permissions=["organizer.teams:write"], members=[user])
    login(user, client=secured_app)
    secured_app.get("/t/demo/conf/orders", status=200)
    secured_app.get("/t/demo/fest/orders", status=403)
    secured_app.get("/t/demo/fest/member", status=403)
    secured_app.get("/t/demo/teams", status=200)
    secured_app.get("/t/demo/other/orders", status=404)


def _count_statements(db_session, call):
    engine = db_session.get_bind().engine
    statements = []
    config_cache.clear()  # every call reads the plugin activity, not only the first

    def count(_conn, _cursor, statement, *_args):
        if statement.lstrip().upper().startswith("SELECT"):
            statements.append(statement)

    sa_event.listen(engine, "before_cursor_execute", count)
    try:
        result = call()
    finally:
        sa_event.remove(engine, "before_cursor_execute", count)
    return len(statements), result


def test_permission_checks_cost_a_constant_number_of_queries(secured_app, db_session, organizer, event, user,
                                                             login):
    with scope(organizer.id):
        for index in range(3):
            create_team(db_session, organizer, f"t{index}", limit_events=[event], members=[user],
                        permissions=["event.orders:read", "organizer.teams:write"][: index + 1])
    login(user, client=secured_app)
    one, response = _count_statements(
        db_session, lambda: secured_app.get("/t/demo/conf/checks", params={"perm": "event.orders:read"}))
    assert response.json == {"event.orders:read": True}
    many_perms = ["event.orders:read", "event.orders:write", "organizer.teams:write", "can_view_orders", "event:cancel"]
    many, response = _count_statements(
        db_session, lambda: secured_app.get("/t/demo/conf/checks", params=[("perm", p) for p in many_perms]))
    assert response.json == {"event.orders:read": True, "event.orders:write": False, "organizer.teams:write": True,
                             "can_view_orders": True, "event:cancel": False}
    assert one == many
    assert many <= 5  # organizer, event, user, the union of the teams (and the plugin host's activity query)
