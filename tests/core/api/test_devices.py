from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from core.db import scope
from core.i18n import I18nString
from core.models import Device, Event, LogEntry

DEVICES = "/organizers/demo/devices/"
SOFTWARE = {"hardware_brand": "Zebra", "hardware_model": "TC25", "os_name": "Android", "os_version": "8.1.0",
            "software_brand": "pretixSCAN", "software_version": "1.5.1"}
DEVICE_KEYS = {
    "device_id", "unique_serial", "initialization_token", "all_events", "limit_events", "revoked", "name", "created",
    "initialized", "security_profile", "hardware_brand", "hardware_model", "os_name", "os_version", "software_brand",
    "software_version",
}


def _dev(token):
    return {"Authorization": f"Device {token}"}


@pytest.fixture
def second_event(db_session, organizer, event):
    with scope(organizer.id):
        fest = Event(organizer_id=organizer.id, slug="fest", name=I18nString({"en": "Festival"}),
                     date_from=event.date_from)
        db_session.add(fest)
        db_session.flush()
    return fest


@pytest.fixture
def make_device(api_client):
    """``make_device(**body)`` creates a device through the API and initializes it; returns (json, api token)."""

    def make(**body):
        created = api_client.post(DEVICES, {"name": "Scanner", **body}, status=201).json
        answer = api_client.post("/device/initialize/", {"token": created["initialization_token"], **SOFTWARE},
                                 headers={}).json
        return created, answer["api_token"]

    return make


def test_create_list_and_get(api_client, event):
    created = api_client.post(DEVICES, {"name": "Scanner", "limit_events": ["conf"]}, status=201).json
    assert set(created) == DEVICE_KEYS
    assert created["device_id"] == 1 and created["limit_events"] == ["conf"] and created["all_events"] is False
    assert created["initialized"] is None and created["hardware_brand"] is None
    assert created["security_profile"] == "full" and created["revoked"] is False
    listed = api_client.get(DEVICES).json
    assert listed["count"] == 1 and listed["results"] == [created]
    assert api_client.get(f"{DEVICES}1/").json == created
    api_client.get(f"{DEVICES}2/", status=404)
    api_client.delete(f"{DEVICES}1/", status=405)


def test_patch_and_put(api_client, event, second_event):
    api_client.post(DEVICES, {"name": "Scanner", "all_events": True}, status=201)
    patched = api_client.patch(f"{DEVICES}1/", {"name": "Gate A", "security_profile": "checkin"}).json
    assert (patched["name"], patched["security_profile"], patched["all_events"]) == ("Gate A", "checkin", True)
    put = api_client.put(f"{DEVICES}1/", {"name": "Gate B", "all_events": False, "limit_events": ["fest", "conf"]}).json
    assert (put["name"], put["all_events"], put["security_profile"]) == ("Gate B", False, "checkin")
    api_client.put(f"{DEVICES}1/", {"all_events": True}, status=400)
    assert put["limit_events"] == ["conf", "fest"]


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        ({"name": "S", "limit_events": ["nope"]}, {"limit_events": ["Object with slug=nope does not exist."]}),
        ({"name": "S", "security_profile": "root"}, {"security_profile": ['"root" is not a valid choice.']}),
        ({"all_events": True}, {"name": ["This field is required."]}),
    ],
)
def test_create_refuses_bad_input(api_client, db_session, organizer, event, body, errors):
    assert api_client.post(DEVICES, body, status=400).json == errors
    with scope(organizer.id):
        assert db_session.scalar(select(Device)) is None


def test_patch_refuses_null_name(api_client, event):
    api_client.post(DEVICES, {"name": "Scanner"}, status=201)
    assert api_client.patch(f"{DEVICES}1/", {"name": None}, status=400).json == {
        "name": ["This field may not be null."]}


def test_device_permissions_of_tokens(app, api_client, make_api_token, organizer, other_organizer):
    from sdk.testing.fixtures_api import ApiClient

    api_client.post(DEVICES, {"name": "Scanner"}, status=201)
    reader = ApiClient(app, make_api_token(organizer, ["organizer.devices:read"]))
    reader.get(DEVICES)
    reader.post(DEVICES, {"name": "X"}, status=403)
    reader.patch(f"{DEVICES}1/", {"name": "X"}, status=403)
    ApiClient(app, make_api_token(organizer, ["event.orders:read"])).get(DEVICES, status=403)
    api_client.get("/organizers/other/devices/", status=403)
    api_client.get(DEVICES, headers={}, status=401)


def test_initialize_is_single_use(api_client, db_session, organizer, event):
    created = api_client.post(DEVICES, {"name": "Scanner"}, status=201).json
    body = {"token": created["initialization_token"], **SOFTWARE, "info": {"imei": "1"}}
    answer = api_client.post("/device/initialize/", body, headers={}).json
    assert answer == {"organizer": "demo", "device_id": 1, "unique_serial": created["unique_serial"],
                      "api_token": answer["api_token"], "name": "Scanner", "security_profile": "full", "gate": None}
    assert len(answer["api_token"]) == 64
    again = api_client.post("/device/initialize/", body, headers={}, status=400).json
    assert again == {"token": ["This initialization token has already been used."]}
    unknown = api_client.post("/device/initialize/", {**body, "token": "x" * 16}, headers={}, status=400).json
    assert unknown == {"token": ["Unknown initialization token."]}
    missing = api_client.post("/device/initialize/", {"token": "abc"}, headers={}, status=400).json
    assert set(missing) == {"hardware_brand", "hardware_model", "software_brand", "software_version"}
    detail = api_client.get(f"{DEVICES}1/").json
    assert detail["initialized"] is not None and detail["software_version"] == "1.5.1"


def test_device_self_service(api_client, make_device, db_session, organizer, event):
    _created, token = make_device(all_events=True)
    info = api_client.get("/device/info/", headers=_dev(token)).json
    assert info["device"]["api_token"] == token and info["device"]["device_id"] == 1
    assert "ticketry" in info["server"]["version"]
    updated = api_client.post("/device/update/", {**SOFTWARE, "software_version": "2.0"}, headers=_dev(token)).json
    assert updated["api_token"] == token
    assert api_client.get(f"{DEVICES}1/").json["software_version"] == "2.0"
    rolled = api_client.post("/device/roll/", headers=_dev(token)).json["api_token"]
    assert rolled != token
    assert api_client.get("/device/info/", headers=_dev(token), status=401).json == {"detail": "Invalid token."}
    api_client.post("/device/revoke/", headers=_dev(rolled), status=200)
    revoked = api_client.get("/device/info/", headers=_dev(rolled), status=401).json
    assert revoked == {"detail": "Device access has been revoked."}
    assert api_client.get(f"{DEVICES}1/").json["revoked"] is True
    with scope(organizer.id):
        actions = list(db_session.scalars(select(LogEntry.action_type).where(LogEntry.object_type == "device")
                                          .order_by(LogEntry.id)))
        by_device = db_session.scalar(select(LogEntry).where(LogEntry.action_type == "pretix.device.revoked"))
    assert actions == ["pretix.device.created", "pretix.device.initialized", "pretix.device.updated",
                       "pretix.device.keyroll", "pretix.device.revoked"]
    assert by_device.device_id is not None and by_device.api_token_id is None


def test_device_endpoints_refuse_other_principals(api_client):
    assert api_client.get("/device/info/", status=403).json == {"detail": "This endpoint is only available to devices."}
    api_client.post("/device/roll/", status=403)
    api_client.get("/device/info/", headers={}, status=401)


def test_device_event_limits_and_organizer(api_client, make_device, event, second_event, other_organizer):
    _created, token = make_device(limit_events=["conf"])
    api_client.get("/organizers/demo/events/conf/taxrules/", headers=_dev(token), status=200)
    api_client.get("/organizers/demo/events/fest/taxrules/", headers=_dev(token), status=403)
    api_client.post("/organizers/demo/events/conf/taxrules/", {"name": {"en": "VAT"}, "rate": "19"},
                    headers=_dev(token), status=403)
    api_client.get(DEVICES, headers=_dev(token), status=403)
    api_client.get("/organizers/other/events/other/taxrules/", headers=_dev(token), status=403)


def test_security_profile_denies(api_client, make_device, event):
    _created, token = make_device(all_events=True, security_profile="checkin")
    api_client.get("/organizers/demo/events/conf/taxrules/", headers=_dev(token), status=403)
    api_client.get("/device/info/", headers=_dev(token), status=200)
    api_client.patch(f"{DEVICES}1/", {"security_profile": "full"})
    api_client.get("/organizers/demo/events/conf/taxrules/", headers=_dev(token), status=200)


def test_eventselection(api_client, make_device, db_session, organizer, event, second_event):
    _created, token = make_device(all_events=True)
    api_client.get("/device/eventselection/", headers=_dev(token), status=404)
    now = datetime.now(UTC)
    with scope(organizer.id):
        event.live = second_event.live = True
        event.date_from, event.date_to = now - timedelta(hours=1), now + timedelta(hours=2)
        second_event.date_from, second_event.date_to = now + timedelta(days=1), None
        db_session.flush()
    assert api_client.get("/device/eventselection/", headers=_dev(token)).json == {
        "event": "conf", "subevent": None, "checkinlist": None}
    api_client.get("/device/eventselection/", params={"current_event": "conf"}, headers=_dev(token), status=304)
    with scope(organizer.id):
        event.date_to = now - timedelta(minutes=1)
        db_session.flush()
    assert api_client.get("/device/eventselection/", params={"current_event": "conf"},
                          headers=_dev(token)).json["event"] == "fest"


def test_me_for_a_device(api_client, make_device, event):
    _created, token = make_device(all_events=True, security_profile="checkin")
    assert api_client.get("/me/", headers=_dev(token)).json == {
        "kind": "device", "organizer": "demo", "device_id": 1, "name": "Scanner"}
