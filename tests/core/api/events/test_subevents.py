"""Sub-events through the API: pretix's shape, overrides, meta data, delete guard, filters, organizer list."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from core.db import scope
from core.models import EventMetaProperty, LogEntry, Organizer

BASE = "/organizers/demo/events/conf/subevents/"
FORBIDDEN = {"detail": "You do not have permission to perform this action."}
DATE = {"name": {"en": "First"}, "active": True, "date_from": "2030-01-01T10:00:00Z", "date_to": None}


@pytest.fixture
def series(db_session, event, catalogue):
    """``event`` (with its catalogue) turned into an event series."""
    with scope(event.organizer_id):
        db_session.execute(type(event).__table__.update().where(type(event).__table__.c.id == event.id).values(
            has_subevents=True))
        db_session.refresh(event)
    return catalogue


def test_create_shape_and_overrides(api_client, series, db_session, event):
    ticket, shirt_s = series.ticket, series.shirt_s
    created = api_client.post(BASE, {**DATE, "item_price_overrides": [{"item": ticket.id, "price": "12"}],
                                     "variation_price_overrides": [{"variation": shirt_s.id, "disabled": True}]},
                              status=201).json
    assert created == {
        "id": created["id"], "name": {"en": "First"}, "event": "conf", "active": True, "is_public": True,
        "date_from": "2030-01-01T10:00:00Z", "date_to": None, "date_admission": None, "presale_start": None,
        "presale_end": None, "frontpage_text": None, "location": None, "geo_lat": None, "geo_lon": None,
        "item_price_overrides": [{"item": ticket.id, "disabled": False, "available_from": None,
                                  "available_until": None, "price": "12.00"}],
        "variation_price_overrides": [{"variation": shirt_s.id, "disabled": True, "available_from": None,
                                       "available_until": None, "price": None}],
        "meta_data": {}, "seating_plan": None, "seat_category_mapping": {},
        "last_modified": created["last_modified"], "comment": None,
    }
    path = f"{BASE}{created['id']}/"
    assert api_client.get(path).json == created
    patched = api_client.patch(path, {"item_price_overrides": [{"item": ticket.id, "price": "23.42"}]}).json
    assert patched["item_price_overrides"][0]["price"] == "23.42"
    assert patched["variation_price_overrides"] == created["variation_price_overrides"]
    bad = api_client.patch(path, {"item_price_overrides": [{"item": 999999}]}, status=400).json
    assert bad == {"item_price_overrides": [{"item": ['Invalid pk "999999" - object does not exist.']}]}
    assert list(api_client.patch(path, {"date_to": "2020-01-01T00:00:00Z"}, status=400).json) == ["date_to"]
    with scope(event.organizer_id):
        actions = set(db_session.scalars(select(LogEntry.action_type).where(LogEntry.object_type == "subevent")))
    assert actions == {"pretix.subevent.added", "pretix.subevent.changed"}


def test_not_a_series(api_client, event):
    assert list(api_client.post(BASE, DATE, status=400).json) == ["event"]


def test_meta_data_and_filters(api_client, series, db_session, organizer):
    with scope(organizer.id):
        db_session.add(EventMetaProperty(organizer_id=organizer.id, name="Room"))
        db_session.flush()
    api_client.post(BASE, {**DATE, "meta_data": {"Room": "A"}}, status=201)
    api_client.post(BASE, {**DATE, "name": {"en": "Old"}, "active": False, "date_from": "2001-01-01T10:00:00Z"},
                    status=201)

    def names(query: str) -> list[str]:
        return [s["name"]["en"] for s in api_client.get(BASE + "?" + query).json["results"]]

    assert names("") == ["Old", "First"]
    assert names("active=true") == ["First"]
    assert names("is_future=true") == ["First"]
    assert names("is_past=true") == ["Old"]
    assert names("attr[Room]=A") == ["First"]
    assert names("search=old") == ["Old"]
    assert names("ordering=-date_from") == ["First", "Old"]
    assert names("modified_since=2000-01-01T00:00:00Z") == ["Old", "First"]
    assert list(api_client.post(BASE, {**DATE, "meta_data": {"Nope": "x"}}, status=400).json) == ["meta_data"]
    org_list = api_client.get("/organizers/demo/subevents/?event__live=false").json
    assert org_list["count"] == 2 and {s["event"] for s in org_list["results"]} == {"conf"}
    availability = api_client.get(BASE + "?with_availability_for=web").json["results"]
    assert all("best_availability_state" in s for s in availability)


def test_delete_guard(api_client, series, order_factory, db_session):
    used = api_client.post(BASE, DATE, status=201).json
    unused = api_client.post(BASE, DATE, status=201).json
    order = order_factory()
    with scope(order.organizer_id):
        for position in order.positions:
            position.subevent_id = used["id"]
        db_session.flush()
    assert api_client.delete(f"{BASE}{used['id']}/", status=403).json["detail"].startswith(
        "The sub-event can not be deleted")
    api_client.delete(f"{BASE}{unused['id']}/")
    assert api_client.get(f"{BASE}{unused['id']}/", status=404).json == {"detail": "Not found."}


def test_last_modified_and_permissions(api_client, series, make_api_token, organizer, db_session):
    api_client.post(BASE, DATE, status=201)
    stamp = api_client.get(BASE).headers["Last-Modified"]
    api_client.get(BASE, headers={**api_client.headers, "If-Modified-Since": stamp}, status=304)
    reader = make_api_token(organizer, ["event.orders:read"])
    assert api_client.get(BASE, headers=reader).json["count"] == 1
    assert api_client.post(BASE, DATE, headers=reader, status=403).json == FORBIDDEN
    writer = make_api_token(organizer, ["event.subevents:write"])
    assert api_client.post(BASE, DATE, headers=writer, status=201)
    other = Organizer(slug="other", name="Other")
    db_session.add(other)
    db_session.flush()
    foreign = make_api_token(other, everything=True)
    assert api_client.get(BASE, headers=foreign, status=403)
    assert api_client.get("/organizers/demo/subevents/", headers=foreign, status=403)
