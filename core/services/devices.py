"""Devices: creation and changes by users, initialization, software updates, key rolls and revocation.

Every change is audit-logged (``pretix.device.*``). The API token is returned in plaintext by
:func:`initialize_device` and :func:`roll_device_token` only; the database keeps its SHA-256.
Bad input raises :class:`DeviceError` naming the field, which the API turns into a field error.
"""

from __future__ import annotations

import secrets
import string
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core.db import scopes_disabled, tenancy
from core.interfaces.devices import IDeviceSecurityProfile
from core.logs import log_action
from core.models import Device, Event, Gate, Organizer, SubEvent, User
from core.pluginhost import provider_for
from core.security.identity import token_digest

SERIAL_ALPHABET = string.ascii_uppercase + string.digits
TOKEN_ALPHABET = string.ascii_lowercase + string.digits
#: Fields a device reports about itself at initialization and update (strings, up to 190 characters).
SOFTWARE_FIELDS = ("hardware_brand", "hardware_model", "os_name", "os_version", "software_brand", "software_version")
_CREATE_ATTEMPTS = 5


class DeviceError(ValueError):
    """Bad input for a device operation: ``field`` names the offending input, ``str(error)`` says why."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def _random(alphabet: str, length: int) -> str:
    return "".join(secrets.choice(alphabet) for _ in range(length))


def _check_profile(organizer: Organizer, name: str) -> str:
    if provider_for(organizer, IDeviceSecurityProfile, name) is None:
        raise DeviceError("security_profile", f'"{name}" is not a valid choice.')
    return name


def _check_events(organizer_id: int, events: Sequence[Event]) -> list[Event]:
    for ev in events:
        if ev.organizer_id != organizer_id:
            raise DeviceError("limit_events", f"The event {ev.slug!r} belongs to another organizer.")
    return list(events)


def _check_gate(organizer_id: int, gate: Gate | None) -> Gate | None:
    if gate is not None and gate.organizer_id != organizer_id:
        raise DeviceError("gate", "The gate belongs to another organizer.")
    return gate


def _check_name(name: str) -> str:
    if not name or not name.strip():
        raise DeviceError("name", "This field may not be blank.")
    if len(name.strip()) > 190:
        raise DeviceError("name", "Ensure this field has no more than 190 characters.")
    return name.strip()


def describe(device: Device) -> dict[str, Any]:
    """The audited, user-editable fields of ``device``."""
    return {
        "name": device.name,
        "all_events": device.all_events,
        "limit_events": sorted(e.id for e in device.limit_events),
        "security_profile": device.security_profile,
        "gate": device.gate_id,
    }


def create_device(
    session: Session, organizer: Organizer, name: str, *, all_events: bool = False,
    limit_events: Sequence[Event] = (), security_profile: str = "full", gate: Gate | None = None,
    actor: User | None = None, auth: Any = None,
) -> Device:
    """A new, not yet initialized device with the next ``device_id`` of ``organizer`` and a fresh init token."""
    fields = {
        "name": _check_name(name),
        "all_events": all_events,
        "limit_events": _check_events(organizer.id, limit_events),
        "security_profile": _check_profile(organizer, security_profile),
        "gate": _check_gate(organizer.id, gate),
    }
    for attempt in range(_CREATE_ATTEMPTS):
        with tenancy.scope(organizer.id):
            next_id = (session.scalar(select(func.max(Device.device_id))) or 0) + 1
        device = Device(
            organizer_id=organizer.id, device_id=next_id, unique_serial=_random(SERIAL_ALPHABET, 16),
            initialization_token=_random(TOKEN_ALPHABET, 16), **fields,
        )
        savepoint = session.begin_nested()
        session.add(device)
        try:
            savepoint.commit()
        except IntegrityError:
            savepoint.rollback()
            if attempt == _CREATE_ATTEMPTS - 1:
                raise
            continue
        break
    log_action(device, "pretix.device.created", {"device_id": device.device_id, **describe(device)},
               user=actor, auth=auth)
    return device


def update_device(
    session: Session, device: Device, *, changes: dict[str, Any], actor: User | None = None, auth: Any = None,
) -> Device:
    """Change the user-editable fields given in ``changes`` (``name``, ``all_events``, ``limit_events``,
    ``security_profile``, ``gate``); logs ``pretix.device.changed`` with what changed."""
    unknown = set(changes) - {"name", "all_events", "limit_events", "security_profile", "gate"}
    if unknown:
        raise DeviceError(sorted(unknown)[0], "This field cannot be changed.")
    before = describe(device)
    if "name" in changes:
        device.name = _check_name(changes["name"])
    if "all_events" in changes:
        device.all_events = bool(changes["all_events"])
    if "limit_events" in changes:
        device.limit_events = _check_events(device.organizer_id, changes["limit_events"])
    if "security_profile" in changes:
        device.security_profile = _check_profile(device.organizer, changes["security_profile"])
    if "gate" in changes:
        device.gate = _check_gate(device.organizer_id, changes["gate"])
    session.flush()
    after = describe(device)
    changed = {key: value for key, value in after.items() if before[key] != value}
    if changed:
        log_action(device, "pretix.device.changed", changed, user=actor, auth=auth)
    return device


def _software(values: dict[str, Any]) -> dict[str, str | None]:
    cleaned: dict[str, str | None] = {}
    for key in SOFTWARE_FIELDS:
        value = values.get(key)
        if value is not None and len(value) > 190:
            raise DeviceError(key, "Ensure this field has no more than 190 characters.")
        cleaned[key] = value
    return cleaned


def initialize_device(session: Session, token: str, values: dict[str, Any]) -> tuple[Device, str]:
    """Trade the single-use ``token`` for an API token; returns the device and the API token's plaintext.

    ``values`` holds the reported :data:`SOFTWARE_FIELDS` and optionally ``info`` (a dict) and
    ``rsa_pubkey``. Concurrent use of one token initializes the device once; the other callers
    get :class:`DeviceError` like any later use.
    """
    with scopes_disabled():
        device = session.scalar(select(Device).where(Device.initialization_token == token))
    if device is None:
        raise DeviceError("token", "Unknown initialization token.")
    if device.revoked:
        raise DeviceError("token", "This initialization token has been revoked.")
    if device.initialized is not None:
        raise DeviceError("token", "This initialization token has already been used.")
    software = _software(values)
    plaintext = _random(TOKEN_ALPHABET, 64)
    now = datetime.now(UTC)
    with tenancy.scope(device.organizer_id):
        claimed = session.execute(
            update(Device)
            .where(Device.id == device.id, Device.initialized.is_(None), Device.revoked.is_(False))
            .values(initialized=now, api_token_hash=token_digest(plaintext), info=values.get("info"),
                    rsa_pubkey=values.get("rsa_pubkey"), **software)
            .execution_options(synchronize_session=False)
        ).rowcount
        if claimed != 1:
            raise DeviceError("token", "This initialization token has already been used.")
        session.refresh(device)
    log_action(device, "pretix.device.initialized", {"device_id": device.device_id, **software})
    return device, plaintext


def report_software(session: Session, device: Device, values: dict[str, Any], *, auth: Any = None) -> Device:
    """The device tells its current hardware and software versions (and optionally ``info``)."""
    software = _software(values)
    for key, value in software.items():
        setattr(device, key, value)
    if "info" in values:
        device.info = values["info"]
    session.flush()
    log_action(device, "pretix.device.updated", software, auth=auth)
    return device


def roll_device_token(session: Session, device: Device, *, auth: Any = None) -> str:
    """Replace the device's API token; the old one stops working at once. Returns the new plaintext."""
    if device.revoked or device.initialized is None:
        raise DeviceError("token", "Only an initialized device that is not revoked can get a new API token.")
    plaintext = _random(TOKEN_ALPHABET, 64)
    device.api_token_hash = token_digest(plaintext)
    session.flush()
    log_action(device, "pretix.device.keyroll", {}, auth=auth)
    return plaintext


def revoke_device(session: Session, device: Device, *, actor: User | None = None, auth: Any = None) -> Device:
    """End the device's access for good (its token then fails with 'revoked'); a no-op if already revoked."""
    if device.revoked:
        return device
    device.revoked = True
    session.flush()
    log_action(device, "pretix.device.revoked", {}, user=actor, auth=auth)
    return device


def accessible_events(session: Session, device: Device) -> list[Event]:
    """The events of the device's organizer it may access (all of them, or its listed ones), by date."""
    with tenancy.scope(device.organizer_id):
        if device.all_events:
            return list(session.scalars(select(Event).order_by(Event.date_from, Event.id)))
        return sorted(device.limit_events, key=lambda e: (e.date_from, e.id))


def suggest_event(session: Session, device: Device, now: datetime) -> tuple[Event, SubEvent | None] | None:
    """The live event (and date, for event series) the device should work on at ``now``.

    The event or date running at ``now`` (from admission or start until its end, or the end of its
    start day in the event's time zone without one) wins, the earliest first; else the next one to start; else None.
    """
    candidates: list[tuple[datetime, datetime, Event, SubEvent | None]] = []
    with tenancy.scope(device.organizer_id):
        for ev in accessible_events(session, device):
            if not ev.live:
                continue
            dates = ev.subevents if ev.has_subevents else [ev]
            for date in dates:
                if ev.has_subevents and not date.active:
                    continue
                start = date.date_admission or date.date_from
                local_start = date.date_from.astimezone(ZoneInfo(ev.timezone))
                end = date.date_to or local_start.replace(hour=23, minute=59, second=59)
                candidates.append((start, end, ev, date if ev.has_subevents else None))
    running = [c for c in candidates if c[0] <= now <= c[1]]
    upcoming = [c for c in candidates if c[0] > now]
    for group in (running, upcoming):
        if group:
            _start, _end, ev, subevent = min(group, key=lambda c: (c[0], c[2].id, c[3].id if c[3] else 0))
            return ev, subevent
    return None
