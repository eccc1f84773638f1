"""Malformed values on every writable endpoint of this family: 400 with field errors, never a 500."""

from __future__ import annotations

import pytest

E = "/organizers/demo/events/conf/"
CASES = [
    ("post", "/organizers/demo/events/", {"name": {"en": "x"}, "slug": "x1", "date_from": "garbage"}, "date_from"),
    ("post", "/organizers/demo/events/", {"name": "x", "slug": "x1", "date_from": "2030-01-01T10:00:00"}, "date_from"),
    ("post", "/organizers/demo/events/", {"name": {"en": "x"}, "slug": "x1", "date_from": "2030-01-01T10:00:00Z",
                                          "geo_lon": "east"}, "geo_lon"),
    ("patch", E, {"meta_data": "x"}, "meta_data"),
    ("patch", E, {"plugins": "testplugin"}, "plugins"),
    ("patch", E, {"item_meta_properties": ["a"]}, "item_meta_properties"),
    ("patch", E, {"limit_sales_channels": ["nope"], "all_sales_channels": False}, "limit_sales_channels"),
    ("patch", E + "settings/", {"reservation_time": {"a": 1}}, "reservation_time"),
    ("patch", E + "settings/", {"locales": "en"}, "locales"),
    ("patch", E + "settings/", {"timezone": "Nowhere/Town"}, "timezone"),
    ("patch", "/organizers/demo/settings/", {"giftcard_length": "many"}, "giftcard_length"),
    ("patch", "/organizers/demo/", {"plugins": "x"}, "plugins"),
    ("post", E + "clone/", {"slug": "c"}, "name"),
    ("post", "/organizers/demo/saleschannels/", {"identifier": "api.x", "label": 5, "type": "api"}, "label"),
    ("post", "/organizers/demo/event_meta_properties/", {"name": "x", "choices": "a"}, "choices"),
    ("post", "/organizers/demo/event_meta_properties/", {"name": "x", "choices": [{"label": {}}]}, "choices"),
]


@pytest.mark.parametrize(("method", "path", "body", "field"), CASES)
def test_bad_values_are_field_errors(api_client, event, method, path, body, field):
    answer = getattr(api_client, method)(path, body, status=400).json
    assert field in answer


def test_bad_subevent_values(api_client, db_session, event):
    from core.models import Event

    db_session.execute(Event.__table__.update().where(Event.__table__.c.id == event.id).values(has_subevents=True))
    path = E + "subevents/"
    base = {"name": {"en": "d"}, "date_from": "2030-01-01T10:00:00Z"}
    assert list(api_client.post(path, {**base, "geo_lat": "north"}, status=400).json) == ["geo_lat"]
    assert list(api_client.post(path, {**base, "item_price_overrides": [{"item": "x"}]}, status=400).json) == [
        "item_price_overrides"]
    assert list(api_client.post(path, {**base, "item_price_overrides": {"item": 1}}, status=400).json) == [
        "item_price_overrides"]
    assert list(api_client.post(path, {**base, "seating_plan": 1}, status=400).json) == ["seating_plan"]


def test_overlong_names_in_patches(api_client, organizer):
    assert api_client.patch("/organizers/demo/", {"name": "x" * 201}, status=400).json == {
        "name": ["Ensure this field has no more than 200 characters."]}
    prop = api_client.post("/organizers/demo/event_meta_properties/", {"name": "Room"}, status=201).json
    assert api_client.patch(f"/organizers/demo/event_meta_properties/{prop['id']}/", {"name": "y" * 51},
                            status=400).json == {"name": ["Ensure this field has no more than 50 characters."]}


def test_override_price_limits(api_client, catalogue, db_session, event):
    from core.models import Event

    db_session.execute(Event.__table__.update().where(Event.__table__.c.id == event.id).values(has_subevents=True))
    body = {"name": {"en": "d"}, "date_from": "2030-01-01T10:00:00Z",
            "item_price_overrides": [{"item": catalogue.ticket.id, "price": "1e20"}]}
    answer = api_client.post(E + "subevents/", body, status=400).json
    assert answer == {"item_price_overrides": [{"price": ["Ensure that there are no more than 13 digits in total."]}]}
    body["item_price_overrides"][0]["price"] = "-1"
    assert list(api_client.post(E + "subevents/", body, status=400).json) == ["item_price_overrides"]


def test_ids_beyond_the_database_range(api_client, catalogue, db_session, event):
    from core.models import Event

    huge = "9" * 25
    assert api_client.get(f"{E}subevents/{huge}/", status=404).json == {"detail": "Not found."}
    assert api_client.get(f"/organizers/demo/event_meta_properties/{huge}/", status=404).json == {
        "detail": "Not found."}
    db_session.execute(Event.__table__.update().where(Event.__table__.c.id == event.id).values(has_subevents=True))
    body = {"name": {"en": "d"}, "date_from": "2030-01-01T10:00:00Z", "item_price_overrides": [{"item": int(huge)}]}
    assert api_client.post(E + "subevents/", body, status=400).json == {
        "item_price_overrides": [{"item": ["Ensure this value is less than or equal to 9223372036854775807."]}]}
    assert list(api_client.post("/organizers/demo/saleschannels/", {"identifier": "api.p", "label": "p",
                                                                     "type": "api", "position": 2**40},
                                status=400).json) == ["position"]
    assert list(api_client.patch("/organizers/demo/saleschannels/web/", {"position": 2**40}, status=400).json) == [
        "position"]
