"""Quotas through the API: samples 08, 09, 19, 36, 59, 64-67, availability against orders, filters, permissions."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from core.models.usage import write_usage

BASE = "/organizers/demo/events/conf/quotas/"
AVAILABILITY_KEYS = ["paid_orders", "pending_orders", "exited_orders", "blocking_vouchers", "cart_positions",
                     "waiting_list", "available_number", "available", "total_size"]


@pytest.fixture
def place(db_session, order_factory):
    """Orders as the API sees them: the usage counters written as at a commit."""

    def make(**kwargs):
        order = order_factory(**kwargs)
        write_usage(db_session)
        return order

    return make


def test_create_matches_sample_08_and_empty_availability(api_client, catalogue):
    created = api_client.post(BASE, {"name": "Main quota", "size": 100, "items": [catalogue.ticket.id],
                                     "variations": [], "subevent": None}, status=201).json
    assert created == {"id": created["id"], "name": "Main quota", "size": 100, "items": [catalogue.ticket.id],
                       "variations": [], "subevent": None, "closed": False, "close_when_sold_out": False,
                       "release_after_exit": False, "ignore_for_event_availability": False}
    availability = api_client.get(f"{BASE}{created['id']}/availability/").json
    assert list(availability) == AVAILABILITY_KEYS
    assert availability == {"paid_orders": 0, "pending_orders": 0, "exited_orders": 0, "blocking_vouchers": 0,
                            "cart_positions": 0, "waiting_list": 0, "available_number": 100, "available": True,
                            "total_size": 100}


def test_availability_counts_orders_and_follows_size_changes(api_client, catalogue, place):
    quota = catalogue.ticket_quota.id
    place(status="p", paid=True)
    place(status="p", paid=True, items=[(catalogue.ticket, None, "23.00")] * 3)
    place()
    numbers = api_client.get(f"{BASE}{quota}/availability/").json
    assert numbers == {"paid_orders": 5, "pending_orders": 2, "exited_orders": 0, "blocking_vouchers": 0,
                       "cart_positions": 0, "waiting_list": 0, "available_number": 3, "available": True,
                       "total_size": 10}
    shrunk = api_client.patch(f"{BASE}{quota}/", {"size": 2}).json
    assert shrunk["size"] == 2 and shrunk["items"] == [catalogue.ticket.id]
    soldout = api_client.get(f"{BASE}{quota}/availability/").json
    assert soldout["available_number"] == 0 and soldout["available"] is False and soldout["total_size"] == 2
    restored = api_client.patch(f"{BASE}{quota}/", {"size": 100}).json
    assert restored["size"] == 100
    assert api_client.get(f"{BASE}{quota}/availability/").json["available_number"] == 93


def test_with_availability_and_filters(api_client, catalogue, place):
    place(status="p", paid=True)
    listed = api_client.get(BASE + "?with_availability=true").json["results"]
    by_name = {q["name"]: q for q in listed}
    assert by_name["Tickets"]["available_number"] == 8 and by_name["Tickets"]["available"] is True
    assert by_name["Shirts"]["available_number"] == 5
    assert "available" not in api_client.get(BASE).json["results"][0]
    only = api_client.get(BASE + f"?items={catalogue.shirt.id}").json["results"]
    assert [q["name"] for q in only] == ["Shirts"]
    by_variation = api_client.get(BASE + f"?variations={catalogue.shirt_l.id}").json["results"]
    assert [q["name"] for q in by_variation] == ["Shirts"]
    assert api_client.get(BASE + "?subevent=12345").json["count"] == 0


def test_items_patch_sample_36_and_variations(api_client, catalogue):
    quota = api_client.post(BASE, {"name": "Both", "size": 5, "items": [catalogue.ticket.id]}, status=201).json
    changed = api_client.patch(f"{BASE}{quota['id']}/", {
        "items": [catalogue.ticket.id, catalogue.shirt.id], "variations": [catalogue.shirt_s.id]}).json
    assert changed["items"] == [catalogue.ticket.id, catalogue.shirt.id]
    assert changed["variations"] == [catalogue.shirt_s.id]


def test_field_errors_change_nothing(api_client, catalogue, db_session):
    from core.models import Quota

    before = db_session.scalar(select(func.count()).select_from(Quota))
    assert api_client.post(BASE, {"name": "x", "size": -5, "items": [catalogue.ticket.id]}, status=400).json == {
        "size": ["Ensure this value is greater than or equal to 0."]}
    assert api_client.post(BASE, {"name": "x", "size": 1, "items": [999999]}, status=400).json == {
        "items": ['Invalid pk "999999" - object does not exist.']}
    missing_variation = api_client.post(BASE, {"name": "x", "size": 1, "items": [catalogue.shirt.id]},
                                        status=400).json
    assert list(missing_variation) == ["variations"]
    assert list(api_client.post(BASE, {"name": "x", "size": 1, "subevent": 5}, status=400).json) == ["subevent"]
    assert api_client.patch(f"{BASE}{catalogue.ticket_quota.id}/", {"closed": None}, status=400).json == {
        "closed": ["This field may not be null."]}
    assert db_session.scalar(select(func.count()).select_from(Quota)) == before


def test_put_delete_last_modified(api_client, catalogue):
    path = f"{BASE}{catalogue.ticket_quota.id}/"
    replaced = api_client.put(path, {"name": "Renamed", "size": None, "items": [catalogue.ticket.id]}).json
    assert replaced["name"] == "Renamed" and replaced["size"] is None
    assert api_client.get(path + "availability/").json["available_number"] is None
    stamp = api_client.get(BASE).headers["Last-Modified"]
    api_client.get(BASE, headers={**api_client.headers, "If-Modified-Since": stamp}, status=304)
    api_client.delete(path)
    api_client.get(path, status=404)
    assert api_client.get(BASE).json["count"] == 1


def test_permissions(api_client, make_api_token, organizer, catalogue, db_session):
    from core.models import Organizer

    reader = make_api_token(organizer, ["event.orders:read"])
    path = f"{BASE}{catalogue.ticket_quota.id}/"
    assert api_client.get(path + "availability/", headers=reader).json["total_size"] == 10
    assert api_client.patch(path, {"size": 1}, headers=reader, status=403)
    assert api_client.post(BASE, {"name": "x", "size": 1}, headers=reader, status=403)
    other = Organizer(slug="other", name="Other")
    db_session.add(other)
    db_session.flush()
    foreign = make_api_token(other, everything=True)
    assert api_client.get(path + "availability/", headers=foreign, status=403)
    assert api_client.delete(path, headers=foreign, status=403)


def test_series_quotas_need_a_date_and_filter_by_it(api_client, catalogue, db_session):
    import datetime as dt

    from core.i18n import I18nString
    from core.models import Event, Item
    from core.models.event import SubEvent

    org = catalogue.event.organizer_id
    series = Event(organizer_id=org, slug="tour", name=I18nString({"en": "Tour"}), has_subevents=True,
                   date_from=dt.datetime(2030, 1, 1, 10, 0, tzinfo=dt.UTC))
    day1, day2 = (SubEvent(event=series, organizer_id=org, name=I18nString({"en": name}), active=True,
                           date_from=dt.datetime(2030, 1, n, 10, 0, tzinfo=dt.UTC))
                  for n, name in ((1, "Day 1"), (2, "Day 2")))
    ticket = Item(event=series, organizer_id=org, name=I18nString({"en": "Ticket"}), admission=True)
    db_session.add_all([series, day1, day2, ticket])
    db_session.flush()
    base = "/organizers/demo/events/tour/quotas/"
    assert list(api_client.post(base, {"name": "x", "size": 1, "items": [ticket.id]}, status=400).json) == [
        "subevent"]
    for day in (day1, day2):
        created = api_client.post(base, {"name": "Day", "size": 5, "items": [ticket.id], "subevent": day.id},
                                  status=201).json
        assert created["subevent"] == day.id
    assert [q["subevent"] for q in api_client.get(base + f"?subevent={day2.id}").json["results"]] == [day2.id]
    assert api_client.get(base + f"?subevent__in={day1.id},{day2.id}").json["count"] == 2
    assert api_client.post(BASE, {"name": "x", "size": 1, "subevent": day1.id}, status=400).json == {
        "subevent": [f'Invalid pk "{day1.id}" - object does not exist.']}


def test_list_with_availability_queries_do_not_grow(api_client, catalogue, place, count_queries):
    place(status="p", paid=True)
    few = count_queries(BASE + "?with_availability=true")
    for n in range(5):
        api_client.post(BASE, {"name": f"Q{n}", "size": 3, "items": [catalogue.ticket.id, catalogue.shirt.id],
                               "variations": [catalogue.shirt_s.id]}, status=201)
    assert count_queries(BASE + "?with_availability=true") == few
