from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from core.db import scope
from core.models import Device, Event, LogEntry
from core.security.devices import (
    CHECKIN_PROFILE,
    DEVICE_EVENT_PERMISSIONS,
    DeviceIdentity,
    device_permissions,
    touch_last_seen,
)
from core.security.identity import token_digest
from core.services.devices import (
    DeviceError,
    create_device,
    initialize_device,
    revoke_device,
    roll_device_token,
    update_device,
)

SOFTWARE = {"hardware_brand": "Zebra", "hardware_model": "TC25", "software_brand": "scan", "software_version": "1.0"}


@dataclass(frozen=True)
class FakeEndpoint:
    method: str
    path: str


def _auth(token):
    return {"Authorization": f"Device {token}"}


def _device(db_session, organizer, **kw):
    with scope(organizer.id):
        return create_device(db_session, organizer, kw.pop("name", "Scanner"), **kw)


def _initialized(db_session, organizer, **kw):
    device = _device(db_session, organizer, **kw)
    return initialize_device(db_session, device.initialization_token, SOFTWARE)


def test_device_ids_count_per_organizer(db_session, organizer, other_organizer):
    first, second = _device(db_session, organizer), _device(db_session, organizer)
    elsewhere = _device(db_session, other_organizer)
    assert (first.device_id, second.device_id, elsewhere.device_id) == (1, 2, 1)
    assert re.fullmatch("[A-Z0-9]{16}", first.unique_serial)
    assert re.fullmatch("[a-z0-9]{16}", first.initialization_token)
    assert first.unique_serial != second.unique_serial
    assert first.api_token_hash is None and first.initialized is None


def test_creation_is_logged_and_checks_its_input(db_session, organizer, event, other_organizer):
    device = _device(db_session, organizer, limit_events=[event], security_profile="checkin")
    entry = db_session.scalar(select(LogEntry).where(LogEntry.object_type == "device", LogEntry.object_id == device.id))
    assert entry.action_type == "pretix.device.created"
    assert entry.parsed_data["limit_events"] == [event.id]
    with pytest.raises(DeviceError) as exc:
        _device(db_session, organizer, security_profile="nope")
    assert exc.value.field == "security_profile"
    with scope(other_organizer.id):
        foreign = db_session.scalar(select(Event).where(Event.organizer_id == other_organizer.id))
    with pytest.raises(DeviceError) as exc:
        _device(db_session, organizer, limit_events=[foreign])
    assert exc.value.field == "limit_events"
    with pytest.raises(DeviceError) as exc:
        _device(db_session, organizer, name="  ")
    assert exc.value.field == "name"


def test_initialization_token_is_single_use(db_session, organizer):
    device = _device(db_session, organizer)
    initialized, token = initialize_device(db_session, device.initialization_token, {**SOFTWARE, "info": {"a": 1}})
    assert len(token) == 64
    assert initialized.api_token_hash == token_digest(token)
    assert initialized.initialized is not None and initialized.hardware_model == "TC25"
    assert initialized.info == {"a": 1}
    with pytest.raises(DeviceError, match="already been used") as exc:
        initialize_device(db_session, device.initialization_token, SOFTWARE)
    assert exc.value.field == "token"
    with pytest.raises(DeviceError, match="Unknown initialization token"):
        initialize_device(db_session, "nonexistent00000", SOFTWARE)


def test_revoked_device_cannot_be_initialized(db_session, organizer):
    device = _device(db_session, organizer)
    with scope(organizer.id):
        revoke_device(db_session, device)
    with pytest.raises(DeviceError, match="revoked"):
        initialize_device(db_session, device.initialization_token, SOFTWARE)


def test_device_reads_and_writes_orders_of_its_events_only(secured_app, db_session, organizer, event, second_event):
    _dev, token = _initialized(db_session, organizer, limit_events=[event])
    assert secured_app.get("/t/demo/conf/orders", headers=_auth(token)).json["data"] == "confidential"
    secured_app.post("/t/demo/conf/orders", headers=_auth(token), status=200)
    secured_app.get("/t/demo/conf/member", headers=_auth(token), status=200)
    secured_app.get("/t/demo/fest/orders", headers=_auth(token), status=403)
    secured_app.get("/t/demo/fest/member", headers=_auth(token), status=403)
    secured_app.get("/t/demo/teams", headers=_auth(token), status=403)
    secured_app.get("/t/demo/member", headers=_auth(token), status=200)


def test_device_fixed_permission_set(secured_app, db_session, organizer, event):
    _dev, token = _initialized(db_session, organizer, all_events=True)
    perms = ("event.orders:read", "event.orders:write", "event.vouchers:read", "event.vouchers:write",
             "event.items:write", "event.orders:checkin", "can_change_event_settings")
    query = "&".join(f"perm={p}" for p in perms)
    checks = secured_app.get(f"/t/demo/conf/checks?{query}", headers=_auth(token)).json
    assert {p for p, ok in checks.items() if ok} == set(DEVICE_EVENT_PERMISSIONS)


def test_device_cannot_reach_another_organizer(secured_app, db_session, organizer, event, other_organizer):
    _dev, token = _initialized(db_session, organizer, all_events=True)
    for path in ("/t/other/other/orders", "/t/other/other/member", "/t/other/member"):
        secured_app.get(path, headers=_auth(token), status=403)


def test_revoked_device_gets_401(secured_app, db_session, organizer, event):
    device, token = _initialized(db_session, organizer, all_events=True)
    with scope(organizer.id):
        revoke_device(db_session, device)
    response = secured_app.get("/t/demo/conf/orders", headers=_auth(token), status=401)
    assert response.json == {"detail": "Device access has been revoked."}
    assert response.headers["WWW-Authenticate"] == "Device"


@pytest.mark.parametrize("header", ["Device nope", "Device ", "device 0000"])
def test_unknown_device_token_is_401(secured_app, event, header):
    response = secured_app.get("/t/demo/conf/orders", headers={"Authorization": header}, status=401)
    assert "detail" in response.json


def test_roll_replaces_the_token(secured_app, db_session, organizer, event):
    device, old = _initialized(db_session, organizer, all_events=True)
    with scope(organizer.id):
        new = roll_device_token(db_session, device)
    assert new != old
    assert secured_app.get("/t/demo/conf/orders", headers=_auth(old), status=401).json == {"detail": "Invalid token."}
    secured_app.get("/t/demo/conf/orders", headers=_auth(new), status=200)
    with scope(organizer.id):
        assert db_session.scalar(select(LogEntry.action_type).where(
            LogEntry.object_id == device.id, LogEntry.object_type == "device").order_by(LogEntry.id.desc())
        ) == "pretix.device.keyroll"


def test_uninitialized_device_cannot_roll(db_session, organizer):
    device = _device(db_session, organizer)
    with scope(organizer.id), pytest.raises(DeviceError):
        roll_device_token(db_session, device)


def test_last_seen_is_throttled(db_session, organizer):
    device, _token = _initialized(db_session, organizer)
    start = datetime(2030, 1, 1, tzinfo=UTC)
    touch_last_seen(device, start)
    touch_last_seen(device, start + timedelta(seconds=9))
    assert device.last_seen == start
    touch_last_seen(device, start + timedelta(seconds=10))
    assert device.last_seen == start + timedelta(seconds=10)


def test_authentication_records_last_seen(secured_app, db_session, organizer, event):
    device, token = _initialized(db_session, organizer, all_events=True)
    secured_app.get("/t/demo/conf/orders", headers=_auth(token))
    with scope(organizer.id):
        db_session.expire(device)
        assert device.last_seen is not None


def test_update_device_logs_changes_and_limits(db_session, organizer, event, second_event):
    device, _token = _initialized(db_session, organizer, limit_events=[event])
    with scope(organizer.id):
        update_device(db_session, device, changes={"name": "Gate 2", "limit_events": [second_event]})
        assert device_permissions(db_session, device, organizer.id, second_event.id).event == DEVICE_EVENT_PERMISSIONS
        assert device_permissions(db_session, device, organizer.id, event.id).event == frozenset()
        entry = db_session.scalar(select(LogEntry).where(LogEntry.action_type == "pretix.device.changed"))
    assert entry.parsed_data == {"name": "Gate 2", "limit_events": [second_event.id]}
    with scope(organizer.id), pytest.raises(DeviceError):
        update_device(db_session, device, changes={"revoked": False})


def test_permissions_without_event_need_all_events(db_session, organizer, event):
    limited, _t = _initialized(db_session, organizer, limit_events=[event])
    everywhere, _t2 = _initialized(db_session, organizer, all_events=True)
    with scope(organizer.id):
        assert device_permissions(db_session, limited, organizer.id, None).event == frozenset()
        assert device_permissions(db_session, everywhere, organizer.id, None).event == DEVICE_EVENT_PERMISSIONS
        assert device_permissions(db_session, limited, organizer.id, None).member


def test_security_profiles(db_session, organizer, registry):
    from pyramid.testing import DummyRequest

    device, token = _initialized(db_session, organizer, all_events=True, security_profile="checkin")
    request = DummyRequest()
    request.registry = registry
    identity = DeviceIdentity(device, token)
    orders = "/organizers/{organizer}/events/{event}/orders/"
    assert identity.api_allows(request, FakeEndpoint("GET", orders))
    assert not identity.api_allows(request, FakeEndpoint("POST", orders))
    assert identity.api_allows(request, FakeEndpoint("GET", "/organizers/{o}/events/{e}/orders/{code}/"))
    assert not identity.api_allows(request, FakeEndpoint("PATCH", "/organizers/{o}/events/{e}/orders/{code}/"))
    assert identity.api_allows(request, FakeEndpoint("POST", "/device/roll/"))
    with scope(organizer.id):
        update_device(db_session, device, changes={"security_profile": "full"})
    assert DeviceIdentity(device, token).api_allows(request, FakeEndpoint("POST", orders))
    device.security_profile = "gone"
    assert not DeviceIdentity(device, token).api_allows(request, FakeEndpoint("GET", orders))
    assert CHECKIN_PROFILE.allows("POST", "/organizers/{organizer}/checkinrpc/redeem/")


def test_device_actions_are_logged_with_the_device_as_actor(db_session, organizer):
    from core.logs import log_action

    device, token = _initialized(db_session, organizer)
    with scope(organizer.id):
        entry = log_action(device, "pretix.device.updated", {}, auth=DeviceIdentity(device, token))
    assert entry.device_id == device.id and entry.user_id is None
    assert token not in repr(DeviceIdentity(device, token))


def test_device_query_is_tenant_scoped(db_session, organizer, other_organizer):
    _device(db_session, organizer)
    _device(db_session, other_organizer)
    with scope(organizer.id):
        assert {d.organizer_id for d in db_session.scalars(select(Device))} == {organizer.id}
