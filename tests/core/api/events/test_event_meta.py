"""Event meta properties through the API: pretix's shape, unique names, choices, delete, permissions."""

from __future__ import annotations

from core.models import Organizer

BASE = "/organizers/demo/event_meta_properties/"
FORBIDDEN = {"detail": "You do not have permission to perform this action."}


def test_crud(api_client, organizer):
    created = api_client.post(BASE, {"name": "Format", "default": "talk", "required": True,
                                     "choices": [{"key": "talk", "label": {"en": "Talk"}}, {"key": "seminar"}]},
                              status=201).json
    assert created == {"id": created["id"], "name": "Format", "default": "talk", "required": True,
                       "protected": False, "filter_public": False, "public_label": None, "filter_allowed": True,
                       "choices": [{"key": "talk", "label": {"en": "Talk"}}, {"key": "seminar", "label": {}}]}
    path = f"{BASE}{created['id']}/"
    assert api_client.get(path).json == created
    assert api_client.get(BASE).json["results"] == [created]
    patched = api_client.patch(path, {"public_label": {"en": "Kind"}, "choices": None, "default": "any"}).json
    assert patched["public_label"] == {"en": "Kind"} and patched["choices"] is None and patched["default"] == "any"
    assert api_client.post(BASE, {"name": "format"}, status=400).json == {
        "name": ["A property with this name already exists."]}
    assert api_client.patch(path, {"choices": [{"key": "a"}], "default": "b"}, status=400).json == {
        "default": ["The default value must be one of the choices."]}
    assert api_client.patch(path, {"required": None}, status=400).json == {"required": ["This field may not be null."]}
    api_client.delete(path)
    assert api_client.get(path, status=404).json == {"detail": "Not found."}


def test_values_go_with_the_property(api_client, channels, organizer):
    prop = api_client.post(BASE, {"name": "Room"}, status=201).json
    event = {"name": {"en": "E"}, "slug": "e1", "date_from": "2030-01-01T10:00:00Z", "meta_data": {"Room": "A"}}
    assert api_client.post("/organizers/demo/events/", event, status=201).json["meta_data"] == {"Room": "A"}
    api_client.delete(f"{BASE}{prop['id']}/")
    assert api_client.get("/organizers/demo/events/e1/").json["meta_data"] == {}


def test_permissions(api_client, make_api_token, organizer, db_session):
    reader = make_api_token(organizer, ["event.orders:read"])
    assert api_client.get(BASE, headers=reader).json["count"] == 0
    assert api_client.post(BASE, {"name": "X"}, headers=reader, status=403).json == FORBIDDEN
    other = Organizer(slug="other", name="Other")
    db_session.add(other)
    db_session.flush()
    foreign = make_api_token(other, everything=True)
    assert api_client.post(BASE, {"name": "X"}, headers=foreign, status=403)
    assert api_client.get(BASE).json["count"] == 0


def test_protected_values_need_organizer_administrators(api_client, make_api_token, organizer, channels, event):
    api_client.post(BASE, {"name": "Budget", "protected": True}, status=201)
    api_client.post(BASE, {"name": "Room"}, status=201)
    event_admin = make_api_token(organizer, ["event.settings.general:write"])
    path = "/organizers/demo/events/conf/"
    assert api_client.patch(path, {"meta_data": {"Room": "A"}}, headers=event_admin).json["meta_data"] == {"Room": "A"}
    refused = api_client.patch(path, {"meta_data": {"Room": "A", "Budget": "9"}}, headers=event_admin, status=400)
    assert list(refused.json) == ["meta_data"]
    assert api_client.patch(path, {"meta_data": {"Room": "A", "Budget": "9"}}).json["meta_data"] == {
        "Room": "A", "Budget": "9"}
    assert api_client.patch(path, {"meta_data": {"Room": "B", "Budget": "9"}}, headers=event_admin).json[
        "meta_data"] == {"Room": "B", "Budget": "9"}
