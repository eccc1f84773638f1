"""Teams through the API: pretix's team JSON (new and legacy permissions), members, invites, tokens, guards."""

from __future__ import annotations

from sqlalchemy import select

from core.db import scope
from core.models import LogEntry, Team, TeamAPIToken, TeamInvite
from core.services.teams import add_member

BASE = "/organizers/demo/teams/"
FLAGS = ("can_create_events", "can_change_teams", "can_change_organizer_settings", "can_manage_customers",
         "can_manage_reusable_media", "can_manage_gift_cards", "can_change_event_settings", "can_change_items",
         "can_view_orders", "can_change_orders", "can_view_vouchers", "can_change_vouchers", "can_checkin_orders")


def _team(api_client, **fields):
    return api_client.post(BASE, {"name": "Box office", **fields}, status=201).json


def test_create_matches_pretix_shape(api_client, event):
    created = _team(api_client, limit_events=["conf"],
                    limit_event_permissions={"event.orders:read": True, "event.vouchers:read": True},
                    limit_organizer_permissions={"organizer.teams:write": True})
    assert created == {
        "id": created["id"], "name": "Box office", "all_events": False, "limit_events": ["conf"],
        "require_2fa": False, "all_event_permissions": False,
        "limit_event_permissions": {"event.orders:read": True, "event.vouchers:read": True},
        "all_organizer_permissions": False, "limit_organizer_permissions": {"organizer.teams:write": True},
        **{flag: flag in ("can_view_orders", "can_view_vouchers", "can_change_teams") for flag in FLAGS},
    }
    assert api_client.get(f"{BASE}{created['id']}/").json == created
    listed = api_client.get(BASE).json
    assert listed["count"] == 2 and listed["results"][-1] == created


def test_legacy_flags_are_accepted(api_client, event):
    created = _team(api_client, all_events=True, can_change_orders=True, can_view_orders=True,
                    can_change_organizer_settings=True, can_create_events=False)
    assert created["limit_event_permissions"] == {"event.orders:read": True, "event.orders:write": True,
                                                  "event:cancel": True}
    assert set(created["limit_organizer_permissions"]) == {
        "organizer.settings.general:write", "organizer.devices:read", "organizer.devices:write",
        "organizer.seatingplans:write", "organizer.outgoingmails:read"}
    assert created["can_change_orders"] and created["can_view_orders"] and not created["can_create_events"]
    patched = api_client.patch(f"{BASE}{created['id']}/", {"can_change_orders": False, "can_view_vouchers": True}).json
    assert patched["limit_event_permissions"] == {"event.orders:read": True, "event.vouchers:read": True}
    assert patched["can_change_organizer_settings"] is True
    everything = _team(api_client, name="Admins", all_event_permissions=True, all_organizer_permissions=True)
    assert all(everything[flag] for flag in FLAGS)


def test_patch_put_delete(api_client, event, db_session):
    created = _team(api_client, limit_event_permissions={"event.items:write": True})
    patched = api_client.patch(f"{BASE}{created['id']}/", {"name": "Renamed", "require_2fa": True}).json
    assert (patched["name"], patched["require_2fa"], patched["limit_event_permissions"]) == (
        "Renamed", True, {"event.items:write": True})
    patched = api_client.patch(f"{BASE}{created['id']}/", {"all_events": True, "limit_events": ["conf"]}).json
    assert patched["all_events"] is True and patched["limit_events"] == ["conf"]
    replaced = api_client.put(f"{BASE}{created['id']}/", {"name": "Fresh"}).json
    assert (replaced["name"], replaced["all_events"], replaced["limit_events"], replaced["require_2fa"],
            replaced["limit_event_permissions"]) == ("Fresh", False, [], False, {})
    api_client.delete(f"{BASE}{created['id']}/")
    assert api_client.get(f"{BASE}{created['id']}/", status=404).json == {"detail": "Not found."}
    with scope(event.organizer_id):
        actions = list(db_session.scalars(select(LogEntry.action_type).where(
            LogEntry.object_id == created["id"], LogEntry.action_type.like("pretix.team.%")).order_by(LogEntry.id)))
    assert actions[0] == "pretix.team.created" and actions[-1] == "pretix.team.deleted"
    assert actions.count("pretix.team.changed") >= 3


def test_field_errors(api_client, event):
    assert api_client.post(BASE, {}, status=400).json == {"name": ["This field is required."]}
    assert api_client.post(BASE, {"name": ""}, status=400).json == {"name": ["This field may not be blank."]}
    assert api_client.post(BASE, {"name": "  "}, status=400).json.keys() == {"name"}
    assert api_client.post(BASE, {"name": "T", "limit_events": ["nope"]}, status=400).json == {
        "limit_events": ["Object with slug=nope does not exist."]}
    assert api_client.post(BASE, {"name": "T", "limit_event_permissions": {"organizer.teams:write": True}},
                           status=400).json == {
        "limit_event_permissions": ["organizer.teams:write is not a known event permission."]}
    assert api_client.post(BASE, {"name": "T", "limit_organizer_permissions": {"bogus:read": True}},
                           status=400).json == {
        "limit_organizer_permissions": ["bogus:read is not a known organizer permission."]}
    assert list(api_client.post(BASE, {"name": "T", "limit_event_permissions": {"event.orders:read": False}},
                                status=400).json) == ["limit_event_permissions"]
    assert api_client.post(BASE, {"name": "T", "all_events": "maybe"}, status=400).json == {
        "all_events": ["Must be a valid boolean."]}
    team = _team(api_client)
    assert api_client.patch(f"{BASE}{team['id']}/", {"name": None}, status=400).json == {
        "name": ["This field may not be null."]}
    assert api_client.get(BASE).json["count"] == 2


def test_members(api_client, event, db_session, user):
    team = _team(api_client)
    with scope(event.organizer_id):
        add_member(db_session, db_session.get(Team, team["id"]), user)
    members = f"{BASE}{team['id']}/members/"
    listed = api_client.get(members).json
    assert listed["results"] == [{"id": user.id, "email": "alice@example.org", "fullname": "Alice",
                                  "require_2fa": False}]
    assert api_client.get(f"{members}{user.id}/").json["email"] == "alice@example.org"
    api_client.delete(f"{members}{user.id}/")
    assert api_client.get(members).json["count"] == 0
    assert api_client.get(f"{members}{user.id}/", status=404)
    assert api_client.delete(f"{members}{user.id}/", status=404)
    assert api_client.post(members, {}, status=405)


def test_invites(api_client, event, db_session, user):
    team = _team(api_client)
    invites = f"{BASE}{team['id']}/invites/"
    created = api_client.post(invites, {"email": "Bob@Example.org"}, status=201).json
    assert created == {"id": created["id"], "email": "bob@example.org"}
    assert api_client.get(invites).json["results"] == [created]
    assert api_client.get(f"{invites}{created['id']}/").json == created
    assert api_client.post(invites, {"email": "bob@example.org"}, status=400).json == {
        "email": ["This user already has been invited for this team."]}
    assert api_client.post(invites, {"email": "not an address"}, status=400).json == {
        "email": ["Enter a valid email address."]}
    joined = api_client.post(invites, {"email": "alice@example.org"}, status=201).json
    assert joined == {"id": None, "email": "alice@example.org"}
    assert api_client.get(f"{BASE}{team['id']}/members/").json["results"][0]["id"] == user.id
    assert api_client.post(invites, {"email": "alice@example.org"}, status=400).json == {
        "email": ["This user already has permissions for this team."]}
    api_client.delete(f"{invites}{created['id']}/")
    assert api_client.get(invites).json["count"] == 0
    with scope(event.organizer_id):
        assert db_session.scalars(select(TeamInvite)).all() == []


def test_tokens(app, api_client, event, db_session):
    team = _team(api_client, all_events=True, limit_event_permissions={"event.vouchers:read": True})
    tokens = f"{BASE}{team['id']}/tokens/"
    created = api_client.post(tokens, {"name": "Scanner"}, status=201).json
    assert set(created) == {"id", "name", "active", "token"}
    assert (created["name"], created["active"], len(created["token"])) == ("Scanner", True, 64)
    assert api_client.get(tokens).json["results"] == [{"id": created["id"], "name": "Scanner", "active": True}]
    assert "token" not in api_client.get(f"{tokens}{created['id']}/").json
    own = {"Authorization": f"Token {created['token']}"}
    assert api_client.get("/organizers/demo/events/conf/vouchers/", headers=own).json["count"] == 0
    assert api_client.get(BASE, headers=own, status=403)
    revoked = api_client.delete(f"{tokens}{created['id']}/", status=200).json
    assert revoked == {"id": created["id"], "name": "Scanner", "active": False}
    assert api_client.get("/organizers/demo/events/conf/vouchers/", headers=own, status=401).json == {
        "detail": "Invalid token."}
    assert api_client.post(tokens, {"name": ""}, status=400).json == {"name": ["This field may not be blank."]}
    with scope(event.organizer_id):
        assert db_session.get(TeamAPIToken, created["id"]).active is False


def test_permissions(app, api_client, make_api_token, organizer, event, user, db_session):
    team = _team(api_client)
    denied = {"detail": "You do not have permission to perform this action."}
    settings_only = make_api_token(organizer, ["organizer.settings.general:write", "event.vouchers:read"])
    for path in (BASE, f"{BASE}{team['id']}/", f"{BASE}{team['id']}/members/", f"{BASE}{team['id']}/invites/",
                 f"{BASE}{team['id']}/tokens/"):
        assert api_client.get(path, headers=settings_only, status=403).json == denied
        assert app.get("/api/v1" + path, status=401)
    assert api_client.post(BASE, {"name": "x"}, headers=settings_only, status=403).json == denied
    assert api_client.post(f"{BASE}{team['id']}/tokens/", {"name": "x"}, headers=settings_only, status=403)
    teams_admin = make_api_token(organizer, ["organizer.teams:write"])
    assert api_client.get(BASE, headers=teams_admin).json["count"] == 4
    assert api_client.patch(f"{BASE}{team['id']}/", {"name": "ok"}, headers=teams_admin).json["name"] == "ok"


def test_other_organizer_is_never_reachable(api_client, make_api_token, event, other_organizer):
    foreign = make_api_token(other_organizer, everything=True)
    team = _team(api_client)
    assert api_client.get(BASE, headers=foreign, status=403)
    assert api_client.get(f"{BASE}{team['id']}/", headers=foreign, status=403)
    assert api_client.delete(f"{BASE}{team['id']}/", headers=foreign, status=403)
    other_path = f"/organizers/other/teams/{team['id']}/"
    assert api_client.get(other_path, headers=foreign, status=404)
    assert api_client.patch(other_path, {"name": "stolen"}, headers=foreign, status=404)
    assert api_client.get(other_path + "tokens/", headers=foreign, status=404)
    assert api_client.post(BASE, {"name": "T", "limit_events": ["other"]}, status=400).json == {
        "limit_events": ["Object with slug=other does not exist."]}
    assert api_client.get(f"{BASE}{team['id']}/").json["name"] == "Box office"
