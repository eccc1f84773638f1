"""Device principals: ``Authorization: Device <api token>``, the fixed device permission set, security profiles.

A device acts on its own organizer only, with a fixed set of permissions (pretix's): reading and
changing orders, reading vouchers on the events it may access (all events, or its listed ones),
gift cards and reusable media on the organizer, and plain membership reads on its events. Its
security profile (:class:`~core.interfaces.devices.IDeviceSecurityProfile`) then narrows which
API calls it may make at all.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from pyramid.config import Configurator
from pyramid.request import Request
from sqlalchemy import exists, select
from sqlalchemy.orm import Session, joinedload
from zope.interface import implementer

from core.db import scopes_disabled, tenancy
from core.interfaces.devices import IDeviceSecurityProfile
from core.interfaces.security import IAuthenticator, IIdentity
from core.models import Device
from core.models.devices import device_limit_events
from core.pluginhost import provider_for
from core.security.evaluation import NOTHING, PermissionSet
from core.security.identity import AuthenticationFailed, authorization_header, token_digest

#: Event permissions every device holds on the events it may access.
DEVICE_EVENT_PERMISSIONS = frozenset({"event.orders:read", "event.orders:write", "event.vouchers:read"})
#: Organizer permissions every device holds on its organizer.
DEVICE_ORGANIZER_PERMISSIONS = frozenset({
    "organizer.giftcards:read", "organizer.giftcards:write",
    "organizer.reusablemedia:read", "organizer.reusablemedia:write",
})
#: ``last_seen`` is written at most this often per device.
LAST_SEEN_INTERVAL = timedelta(seconds=10)
#: Paths of the device's own endpoints, allowed whatever its security profile.
SELF_SERVICE_PREFIX = "/device/"

REVOKED_DETAIL = "Device access has been revoked."


def device_permissions(session: Session, device: Device, organizer_id: int, event_id: int | None) -> PermissionSet:
    """The fixed device permission set on ``organizer_id`` (and ``event_id``); nothing on other organizers.

    Without an event, event permissions apply only to devices with access to all events (as for
    teams); membership holds on the organizer. With an event, both need access to that event.
    """
    if device.organizer_id != organizer_id or device.revoked:
        return NOTHING
    if event_id is None:
        covers = device.all_events
    elif device.all_events:
        covers = True
    else:
        with tenancy.scope(organizer_id):
            covers = bool(session.scalar(select(exists().where(
                device_limit_events.c.device_id == device.id, device_limit_events.c.event_id == event_id,
            ))))
    return PermissionSet(
        member=event_id is None or covers,
        event=DEVICE_EVENT_PERMISSIONS if covers else frozenset(),
        organizer=DEVICE_ORGANIZER_PERMISSIONS,
    )


@implementer(IIdentity)
@dataclass(frozen=True)
class DeviceIdentity:
    """An initialized, not revoked device; ``credential`` is the API token it presented (never logged)."""

    device: Device
    credential: str = field(repr=False)

    kind = "device"
    user = None
    staff = False
    csrf_exempt = True

    @property
    def userid(self) -> str:
        return f"device:{self.device.id}"

    def permissions(self, session: Session, organizer_id: int, event_id: int | None) -> PermissionSet:
        return device_permissions(session, self.device, organizer_id, event_id)

    def log_fields(self) -> dict[str, int]:
        return {"device_id": self.device.id}

    def api_profile(self) -> dict[str, Any]:
        """What ``/me`` answers for a device: its organizer, number and name."""
        return {"kind": self.kind, "organizer": self.device.organizer.slug, "device_id": self.device.device_id,
                "name": self.device.name}

    def api_allows(self, request: Request, endpoint: Any) -> bool:
        """Whether the device's security profile allows ``endpoint`` (its own ``/device/`` calls always are)."""
        if endpoint.path.startswith(SELF_SERVICE_PREFIX):
            return True
        profile = provider_for(
            self.device.organizer, IDeviceSecurityProfile, self.device.security_profile, request.registry,
        )
        return profile is not None and bool(profile.allows(endpoint.method.upper(), endpoint.path))


def touch_last_seen(device: Device, now: datetime | None = None) -> None:
    """Record that ``device`` was seen, unless that was recorded less than :data:`LAST_SEEN_INTERVAL` ago."""
    now = now or datetime.now(UTC)
    if device.last_seen is None or now - device.last_seen >= LAST_SEEN_INTERVAL:
        device.last_seen = now


@implementer(IAuthenticator)
class DeviceAuthenticator:
    """``Authorization: Device <token>``: the device whose API token has this SHA-256 digest."""

    schemes = ("device",)

    def authenticate(self, request: Request) -> DeviceIdentity | None:
        scheme, token = authorization_header(request)
        if scheme != "device":
            return None
        if not token:
            raise AuthenticationFailed("Invalid token header. No credentials provided.", scheme="Device")
        with scopes_disabled():
            device = request.dbsession.scalar(
                select(Device).options(joinedload(Device.organizer)).where(Device.api_token_hash == token_digest(token))
            )
            if device is None:
                raise AuthenticationFailed("Invalid token.", scheme="Device")
            if device.revoked:
                raise AuthenticationFailed(REVOKED_DETAIL, scheme="Device")
            touch_last_seen(device)
        return DeviceIdentity(device, token)


_PLACEHOLDER = re.compile(r"\{[^}]*\}")


def path_shape(path: str) -> str:
    """``path`` with every ``{placeholder}`` replaced by ``{}``, so allow-lists do not depend on their names."""
    return _PLACEHOLDER.sub("{}", path)


@implementer(IDeviceSecurityProfile)
@dataclass(frozen=True)
class AllowListProfile:
    """A profile allowing exactly the ``(method, path)`` pairs of ``allowed`` (placeholder names ignored)."""

    identifier: str
    verbose_name: str
    allowed: frozenset[tuple[str, str]]

    def allows(self, method: str, path: str) -> bool:
        return (method, path_shape(path)) in self.allowed


@implementer(IDeviceSecurityProfile)
@dataclass(frozen=True)
class FullAccessProfile:
    """No restriction beyond the device's permission set."""

    identifier: str = "full"
    verbose_name: str = "Full device access"

    def allows(self, method: str, path: str) -> bool:
        return True


_ORG = "/organizers/{}"
_EVENT = _ORG + "/events/{}"
_CHECKIN_READS = (
    "/me/", "/version/", "/organizers/", _ORG + "/", _ORG + "/events/", _EVENT + "/", _ORG + "/subevents/",
    _EVENT + "/subevents/", _EVENT + "/subevents/{}/", _EVENT + "/items/", _EVENT + "/items/{}/",
    _EVENT + "/categories/", _EVENT + "/questions/", _EVENT + "/settings/", _EVENT + "/orders/",
    _EVENT + "/orders/{}/", _EVENT + "/orderpositions/", _EVENT + "/orderpositions/{}/",
    _EVENT + "/revokedsecrets/", _EVENT + "/blockedsecrets/", _EVENT + "/checkinlists/",
    _EVENT + "/checkinlists/{}/", _EVENT + "/checkinlists/{}/status/", _EVENT + "/checkinlists/{}/positions/",
    _ORG + "/checkinrpc/search/", _ORG + "/saleschannels/",
)
_CHECKIN_WRITES = (
    _ORG + "/checkinrpc/redeem/", _ORG + "/checkinrpc/annul/", _EVENT + "/checkinlists/{}/failed_checkins/",
    _EVENT + "/checkinlists/{}/positions/{}/redeem/", _EVENT + "/orderpositions/{}/printlog/",
)

#: An entry scanner: event data and orders read-only, check-in calls, nothing else.
CHECKIN_PROFILE = AllowListProfile(
    "checkin", "Check-in only (entry scanners)",
    frozenset({("GET", p) for p in _CHECKIN_READS} | {("POST", p) for p in _CHECKIN_WRITES}),
)
FULL_PROFILE = FullAccessProfile()

#: Audit log types of devices (pretix's names).
DEVICE_LOG_ENTRY_TYPES: dict[str, str] = {
    "pretix.device.created": 'The device "{name}" has been created.',
    "pretix.device.changed": "The device has been changed.",
    "pretix.device.initialized": "The device has been initialized.",
    "pretix.device.updated": "The device has reported new software or hardware versions.",
    "pretix.device.keyroll": "The API token of the device has been replaced.",
    "pretix.device.revoked": "The access of the device has been revoked.",
}


def includeme(config: Configurator) -> None:
    config.add_provider(IDeviceSecurityProfile, FULL_PROFILE.identifier, lambda organizer: FULL_PROFILE)
    config.add_provider(IDeviceSecurityProfile, CHECKIN_PROFILE.identifier, lambda organizer: CHECKIN_PROFILE)
    for action_type, text in DEVICE_LOG_ENTRY_TYPES.items():
        config.add_log_entry_type(action_type, text)
