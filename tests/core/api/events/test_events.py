"""Events through the API: pretix's shapes (samples 01, 04, 12, 13, 62, 74), CRUD, guards, filters, permissions."""

from __future__ import annotations

from sqlalchemy import select

from core.db import scope
from core.models import LogEntry, Organizer

BASE = "/organizers/demo/events/"
CREATE = {
    "name": {"en": "Reference Conference"}, "slug": "refconf", "live": False, "testmode": False, "currency": "EUR",
    "date_from": "2027-06-01T09:00:00Z", "date_to": "2027-06-01T18:00:00Z", "date_admission": None,
    "is_public": True, "presale_start": None, "presale_end": None, "location": {"en": "Berlin"},
    "has_subevents": False, "meta_data": {}, "timezone": "UTC",
}
FORBIDDEN = {"detail": "You do not have permission to perform this action."}


def test_create_matches_sample_04_and_detail_sample_13(api_client, organizer, channels):
    created = api_client.post(BASE, CREATE, status=201).json
    assert created == {
        "name": {"en": "Reference Conference"}, "slug": "refconf", "live": False, "testmode": False,
        "currency": "EUR", "date_from": "2027-06-01T09:00:00Z", "date_to": "2027-06-01T18:00:00Z",
        "date_admission": None, "is_public": True, "presale_start": None, "presale_end": None,
        "location": {"en": "Berlin"}, "geo_lat": None, "geo_lon": None, "has_subevents": False, "meta_data": {},
        "seating_plan": None, "plugins": created["plugins"], "seat_category_mapping": {}, "timezone": "UTC",
        "item_meta_properties": {}, "all_sales_channels": True, "limit_sales_channels": [],
        "public_url": "http://127.0.0.1:8000/demo/refconf/",
        "sales_channels": created["sales_channels"],
    }
    assert sorted(created["sales_channels"]) == ["api", "web"]
    assert list(created) == list(CREATE_ORDER)
    detail = api_client.get(BASE + "refconf/").json
    assert list(detail) == list(DETAIL_ORDER)
    assert detail["valid_keys"] == {"pretix_sig1": []}
    assert {k: v for k, v in detail.items() if k != "valid_keys"} == created


CREATE_ORDER = ("name", "slug", "live", "testmode", "currency", "date_from", "date_to", "date_admission", "is_public",
                "presale_start", "presale_end", "location", "geo_lat", "geo_lon", "has_subevents", "meta_data",
                "seating_plan", "plugins", "seat_category_mapping", "timezone", "item_meta_properties",
                "all_sales_channels", "limit_sales_channels", "public_url", "sales_channels")
DETAIL_ORDER = (*CREATE_ORDER[:21], "valid_keys", *CREATE_ORDER[21:])


def test_unknown_event_is_403_sample_62_and_01(api_client, app, organizer):
    assert api_client.get(BASE + "doesnotexist/", status=403).json == FORBIDDEN
    assert app.get("/api/v1" + BASE + "doesnotexist/", status=401)


def test_list_sample_74_filters_and_ordering(api_client, organizer, channels):
    api_client.post(BASE, CREATE, status=201)
    api_client.post(BASE, {**CREATE, "slug": "old", "date_from": "2001-01-01T10:00:00Z", "date_to": None,
                           "is_public": False}, status=201)
    api_client.post(BASE, {**CREATE, "slug": "series", "has_subevents": True, "name": {"en": "Tour"}}, status=201)
    listed = api_client.get(BASE).json
    assert listed["count"] == 3 and listed["next"] is None and listed["previous"] is None
    assert [e["slug"] for e in listed["results"]] == ["old", "refconf", "series"]

    def slugs(query: str) -> list[str]:
        return [e["slug"] for e in api_client.get(BASE + "?" + query).json["results"]]

    assert slugs("is_public=false") == ["old"]
    assert slugs("has_subevents=true") == ["series"]
    assert slugs("is_future=true") == ["refconf"]
    assert slugs("is_future=false") == ["old", "series"]
    assert slugs("is_past=true") == ["old"]
    assert slugs("ends_after=2020-01-01T00:00:00Z") == ["refconf"]
    assert slugs("search=tour") == ["series"]
    assert slugs("sales_channel=web") == ["old", "refconf", "series"]
    assert slugs("ordering=-slug") == ["series", "refconf", "old"]
    assert slugs("live=true") == []
    assert api_client.get(BASE + "?is_public=maybe", status=400).json == {"is_public": ["Must be a valid boolean."]}


def test_meta_data_and_attr_filter(api_client, db_session, organizer, channels):
    from core.models import EventMetaProperty

    with scope(organizer.id):
        db_session.add(EventMetaProperty(organizer_id=organizer.id, name="Format", default="Talk"))
        db_session.flush()
    api_client.post(BASE, {**CREATE, "meta_data": {"Format": "Seminar"}}, status=201)
    api_client.post(BASE, {**CREATE, "slug": "other"}, status=201)
    assert api_client.get(BASE + "refconf/").json["meta_data"] == {"Format": "Seminar"}
    assert [e["slug"] for e in api_client.get(BASE + "?attr[Format]=Seminar").json["results"]] == ["refconf"]
    assert [e["slug"] for e in api_client.get(BASE + "?attr[Format]=Talk").json["results"]] == ["other"]
    bad = api_client.post(BASE, {**CREATE, "slug": "x1", "meta_data": {"Nope": "1"}}, status=400).json
    assert bad == {"meta_data": ["Meta data property 'Nope' does not exist."]}


def test_live_refused_without_payment_provider_sample_12(api_client, catalogue):
    event_path = BASE + "conf/"
    refused = api_client.patch(event_path, {"live": True}, status=400).json
    assert refused == {"live": ["You have configured at least one paid product but have not enabled any "
                                "payment methods."]}
    assert api_client.get(event_path).json["live"] is False
    assert api_client.post(BASE, {**CREATE, "live": True}, status=400).json["live"][0].startswith(
        "Events cannot be created as 'live'")


def test_patch_put_immutable_fields_and_logs(api_client, db_session, organizer, channels):
    api_client.post(BASE, CREATE, status=201)
    path = BASE + "refconf/"
    patched = api_client.patch(path, {"name": {"en": "Renamed"}, "geo_lat": 52.5, "geo_lon": "13.4",
                                      "testmode": True, "sales_channels": ["web"]}).json
    assert patched["name"] == {"en": "Renamed"} and patched["geo_lat"] == 52.5 and patched["geo_lon"] == 13.4
    assert patched["testmode"] is True
    assert patched["all_sales_channels"] is False and patched["limit_sales_channels"] == ["web"]
    assert patched["sales_channels"] == ["web"]
    assert api_client.patch(path, {"slug": "moved"}, status=400).json == {"slug": ["The event slug cannot be changed."]}
    assert list(api_client.patch(path, {"has_subevents": True}, status=400).json) == ["has_subevents"]
    assert api_client.patch(path, {"date_to": "2020-01-01T00:00:00Z"}, status=400).json.keys() == {"date_to"}
    assert api_client.patch(path, {"currency": "NOPE"}, status=400).json.keys() == {"currency"}
    assert api_client.patch(path, {"geo_lat": 100}, status=400).json.keys() == {"geo_lat"}
    assert api_client.patch(path, {"name": None}, status=400).json == {"name": ["This field may not be null."]}
    replaced = api_client.put(path, {**CREATE, "location": None}).json
    assert replaced["location"] is None and replaced["name"] == {"en": "Reference Conference"}
    assert replaced["all_sales_channels"] is False and replaced["testmode"] is False
    with scope(organizer.id):
        actions = set(db_session.scalars(select(LogEntry.action_type)))
    assert {"pretix.event.added", "pretix.event.changed", "pretix.event.testmode.activated"} <= actions


def test_plugins_are_switched_through_the_activation_service(api_client, organizer, channels):
    created = api_client.post(BASE, {**CREATE, "plugins": []}, status=201).json
    assert created["plugins"] == []
    bad = api_client.patch(BASE + "refconf/", {"plugins": ["no.such.plugin"]}, status=400).json
    assert bad == {"plugins": ["Unknown plugin: 'no.such.plugin'."]}
    assert api_client.patch(BASE + "refconf/", {"plugins": ["testplugin"]}).json["plugins"] == [
        "testplugin"]
    assert api_client.patch(BASE + "refconf/", {"plugins": []}).json["plugins"] == []


def test_create_validation(api_client, organizer, channels):
    assert api_client.post(BASE, {"slug": "x"}, status=400).json == {
        "name": ["This field is required."], "date_from": ["This field is required."]}
    taken = api_client.post(BASE, {**CREATE, "slug": "refconf"}, status=201)
    assert taken
    assert list(api_client.post(BASE, CREATE, status=400).json) == ["slug"]
    assert list(api_client.post(BASE, {**CREATE, "slug": "a b"}, status=400).json) == ["slug"]
    assert list(api_client.post(BASE, {**CREATE, "slug": "tz", "timezone": "Mars/Base"}, status=400).json) == [
        "timezone"]
    assert list(api_client.post(BASE, {**CREATE, "slug": "sp", "seating_plan": 3}, status=400).json) == [
        "seating_plan"]
    assert list(api_client.post(BASE, {**CREATE, "slug": "ch", "sales_channels": ["nope"]}, status=400).json) == [
        "sales_channels"]
    assert api_client.get(BASE).json["count"] == 1


def test_delete_only_without_orders(api_client, organizer, order_factory, db_session):
    api_client.post(BASE, CREATE, status=201)
    api_client.delete(BASE + "refconf/")
    assert api_client.get(BASE + "refconf/", status=403)
    with scope(organizer.id):
        deleted = db_session.scalar(select(LogEntry).where(LogEntry.action_type == "pretix.event.deleted"))
    assert deleted is not None and deleted.object_type == "organizer"
    order = order_factory()
    path = f"{BASE}{order.event.slug}/"
    assert api_client.delete(path, status=403).json["detail"].startswith("The event can not be deleted")
    assert api_client.get(path).json["slug"] == order.event.slug


def test_permissions(api_client, make_api_token, organizer, event, channels, db_session):
    reader = make_api_token(organizer, ["event.orders:read"])
    assert api_client.get(BASE, headers=reader).json["count"] == 1
    assert api_client.get(BASE + "conf/", headers=reader).json["slug"] == "conf"
    assert api_client.post(BASE, CREATE, headers=reader, status=403).json == FORBIDDEN
    assert api_client.patch(BASE + "conf/", {"testmode": True}, headers=reader, status=403).json == FORBIDDEN
    assert api_client.delete(BASE + "conf/", headers=reader, status=403).json == FORBIDDEN
    creator = make_api_token(organizer, ["organizer.events:create"])
    assert api_client.post(BASE, CREATE, headers=creator, status=201)
    limited = make_api_token(organizer, ["event.orders:read"], limit_events=[event])
    assert [e["slug"] for e in api_client.get(BASE, headers=limited).json["results"]] == ["conf"]
    assert api_client.get(BASE + "refconf/", headers=limited, status=403)
    other = Organizer(slug="other", name="Other")
    db_session.add(other)
    db_session.flush()
    foreign = make_api_token(other, everything=True)
    assert api_client.get(BASE, headers=foreign, status=403).json == FORBIDDEN
    assert api_client.get(BASE + "conf/", headers=foreign, status=403)
    assert api_client.patch(BASE + "conf/", {"testmode": True}, headers=foreign, status=403)
    assert api_client.post(BASE, {**CREATE, "slug": "evil"}, headers=foreign, status=403)
    assert api_client.get(BASE + "conf/").json["testmode"] is False


def test_with_availability_for(api_client, catalogue):
    listed = api_client.get(BASE + "?with_availability_for=web").json["results"]
    assert listed[0]["best_availability_state"] == 100
    assert "best_availability_state" not in api_client.get(BASE).json["results"][0]


def test_delete_event_with_catalogue_settings_and_plugins(api_client, catalogue, db_session, event):
    from core.pluginhost import enable_plugin

    enable_plugin(db_session, event, "testplugin")
    api_client.patch(BASE + "conf/settings/", {"reservation_time": 5, "plugin.testplugin.greeting": "hey"})
    api_client.patch(BASE + "conf/", {"item_meta_properties": {"colour": "red"}})
    api_client.delete(BASE + "conf/")
    assert api_client.get(BASE).json["count"] == 0


def test_going_live_and_offline(api_client, catalogue, db_session, organizer):
    from core.models import EventMetaProperty

    api_client.post(BASE, CREATE, status=201)
    assert api_client.patch(BASE + "refconf/", {"live": True}, status=400).json == {"live": [
        "You need to configure at least one quota to sell anything."]}
    with scope(organizer.id):
        db_session.add(EventMetaProperty(organizer_id=organizer.id, name="Venue", required=True))
        db_session.flush()
    path = BASE + "conf/"
    issues = api_client.patch(path, {"live": True}, status=400).json["live"]
    assert issues == ["You have configured at least one paid product but have not enabled any payment methods.",
                      'You need to fill the meta parameter "Venue".']
    api_client.patch(path + "settings/", {"payment_manual__enabled": True})
    api_client.patch(path, {"meta_data": {"Venue": "Hall"}})
    assert api_client.patch(path, {"live": True}).json["live"] is True
    assert api_client.patch(path, {"live": False}).json["live"] is False
    with scope(organizer.id):
        actions = list(db_session.scalars(select(LogEntry.action_type).where(
            LogEntry.action_type.like("pretix.event.live.%")).order_by(LogEntry.id)))
    assert actions == ["pretix.event.live.activated", "pretix.event.live.deactivated"]
