"""Organizers through the API: samples 02/03, reachable organizers only, PATCH/PUT with the settings permission."""

from __future__ import annotations

from core.models import Organizer

FORBIDDEN = {"detail": "You do not have permission to perform this action."}


def test_list_and_detail_match_samples_02_03(api_client, organizer, db_session):
    db_session.add(Organizer(slug="unreachable", name="Somebody else"))
    db_session.flush()
    listed = api_client.get("/organizers/").json
    assert listed == {"count": 1, "next": None, "previous": None, "results": [
        {"name": "Demo Organizer", "slug": "demo", "public_url": "http://127.0.0.1:8000/demo/", "plugins": []}]}
    assert api_client.get("/organizers/demo/").json == listed["results"][0]
    assert api_client.get("/organizers/unreachable/", status=403).json == FORBIDDEN
    assert api_client.get("/organizers/nope/", status=403).json == FORBIDDEN


def test_anonymous_and_invalid_token(app, organizer):
    assert app.get("/api/v1/organizers/", status=401).json == {
        "detail": "Authentication credentials were not provided."}
    assert app.get("/api/v1/organizers/", headers={"Authorization": "Token x"}, status=401).json == {
        "detail": "Invalid token."}


def test_user_sees_the_organizers_of_their_teams(app, login, user, organizer, db_session):
    from core.services.teams import create_team

    other = Organizer(slug="second", name="Second")
    db_session.add_all([other, Organizer(slug="third", name="Third")])
    db_session.flush()
    for org in (organizer, other):
        team = create_team(db_session, org, "Admins", permissions=["event.orders:read"], all_events=True)
        team.members.append(user)
    db_session.flush()
    login(user)
    listed = app.get("/api/v1/organizers/").json
    assert [o["slug"] for o in listed["results"]] == ["demo", "second"]
    assert app.get("/api/v1/organizers/third/", status=403)


def test_patch_and_put(api_client, make_api_token, organizer):
    patched = api_client.patch("/organizers/demo/", {"name": "Renamed"}).json
    assert patched["name"] == "Renamed" and patched["slug"] == "demo"
    assert api_client.put("/organizers/demo/", {"name": "Again"}).json["name"] == "Again"
    assert api_client.put("/organizers/demo/", {}, status=400).json == {"name": ["This field is required."]}
    assert api_client.patch("/organizers/demo/", {"name": ""}, status=400).json == {
        "name": ["This field may not be blank."]}
    assert api_client.patch("/organizers/demo/", {"plugins": ["nope"]}, status=400).json == {
        "plugins": ["Unknown plugin: 'nope'."]}
    assert api_client.patch("/organizers/demo/", {"plugins": ["testorg"]}).json["plugins"] == ["testorg"]
    reader = make_api_token(organizer, ["event.orders:read"])
    assert api_client.get("/organizers/demo/", headers=reader).json["name"] == "Again"
    assert api_client.patch("/organizers/demo/", {"name": "x"}, headers=reader, status=403).json == FORBIDDEN


def test_other_organizer_token(api_client, make_api_token, organizer, db_session):
    other = Organizer(slug="other", name="Other")
    db_session.add(other)
    db_session.flush()
    foreign = make_api_token(other, everything=True)
    assert [o["slug"] for o in api_client.get("/organizers/", headers=foreign).json["results"]] == ["other"]
    assert api_client.patch("/organizers/demo/", {"name": "Hijacked"}, headers=foreign, status=403)
    assert api_client.get("/organizers/demo/").json["name"] == "Demo Organizer"
