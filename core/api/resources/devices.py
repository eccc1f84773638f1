"""Devices: ``/organizers/{o}/devices/`` (no DELETE; revoke instead) and a device's own ``/device/...`` calls.

``device/initialize`` is public (the single-use initialization token is the credential); the other
``device/`` endpoints need ``Authorization: Device <token>``. Their answers have the shape of the
initialization answer; ``api_token`` is the token the device presented (or the new one after a roll):
only its digest is stored.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pydantic import Field
from pyramid.config import Configurator
from pyramid.request import Request
from pyramid.response import Response
from pyramid.security import NO_PERMISSION_REQUIRED
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from core.api.endpoints import ANY_PRINCIPAL, actor
from core.api.errors import ApiError, NotFound, PermissionDenied, ValidationFailed
from core.api.pagination import Ordering, get_object, paginate
from core.api.resources.meta import ticketry_version
from core.api.schemas import ApiInput, ApiModel, partial
from core.db import scope
from core.models import Device, Event
from core.security.devices import DeviceIdentity
from core.services.devices import (
    DeviceError,
    create_device,
    initialize_device,
    report_software,
    revoke_device,
    roll_device_token,
    suggest_event,
    update_device,
)

READ = "organizer.devices:read"
WRITE = "organizer.devices:write"
LIST = "/organizers/{organizer}/devices/"
DETAIL = LIST + r"{device_id:\d+}/"
_Text = Field(default=None, max_length=190)


class DeviceOut(ApiModel):
    device_id: int
    unique_serial: str
    initialization_token: str
    all_events: bool
    limit_events: list[str]
    revoked: bool
    name: str
    created: datetime
    initialized: datetime | None
    security_profile: str
    hardware_brand: str | None
    hardware_model: str | None
    os_name: str | None
    os_version: str | None
    software_brand: str | None
    software_version: str | None


class DeviceIn(ApiInput):
    name: str = Field(max_length=190)
    all_events: bool = False
    limit_events: list[str] = []
    security_profile: str = "full"


DevicePatch = partial(DeviceIn)


class SoftwareIn(ApiInput):
    hardware_brand: str = Field(max_length=190)
    hardware_model: str = Field(max_length=190)
    os_name: str | None = _Text
    os_version: str | None = _Text
    software_brand: str = Field(max_length=190)
    software_version: str = Field(max_length=190)
    info: dict[str, Any] | None = None


class InitializeIn(SoftwareIn):
    token: str = Field(max_length=190)
    rsa_pubkey: str | None = Field(default=None, max_length=10_000)


class GateOut(ApiModel):
    id: int
    name: str


class DeviceAuthOut(ApiModel):
    organizer: str
    device_id: int
    unique_serial: str
    api_token: str
    name: str
    security_profile: str
    gate: GateOut | None


def render(device: Device) -> dict[str, Any]:
    values = {key: getattr(device, key) for key in DeviceOut.model_fields if key != "limit_events"}
    values["limit_events"] = sorted(e.slug for e in device.limit_events)
    return DeviceOut(**values).model_dump(mode="json")


def render_auth(device: Device, api_token: str) -> dict[str, Any]:
    gate = {"id": device.gate.id, "name": device.gate.name} if device.gate is not None else None
    return DeviceAuthOut(
        organizer=device.organizer.slug, device_id=device.device_id, unique_serial=device.unique_serial,
        api_token=api_token, name=device.name, security_profile=device.security_profile, gate=gate,
    ).model_dump(mode="json")


def _invalid(exc: DeviceError) -> ValidationFailed:
    return ValidationFailed({exc.field: [str(exc)]})


def _device(request: Request) -> Device:
    return get_object(request, select(Device).options(selectinload(Device.limit_events)).where(
        Device.organizer_id == request.context.organizer.id,
        Device.device_id == int(request.matchdict["device_id"]),
    ))


def _events(request: Request, slugs: list[str]) -> list[Event]:
    found = {e.slug: e for e in request.dbsession.scalars(select(Event).where(
        Event.organizer_id == request.context.organizer.id, Event.slug.in_(slugs)))}
    missing = [slug for slug in slugs if slug not in found]
    if missing:
        raise ValidationFailed({"limit_events": [f"Object with slug={missing[0]} does not exist."]})
    return [found[slug] for slug in dict.fromkeys(slugs)]


def list_devices(request: Request) -> dict[str, Any]:
    stmt = (select(Device).options(selectinload(Device.limit_events))
            .where(Device.organizer_id == request.context.organizer.id))
    ordering = Ordering({"device_id": Device.device_id, "name": Device.name}, default=("device_id",), pk=Device.id)
    return paginate(request, stmt, lambda rows: [render(d) for d in rows], ordering=ordering)


def get_device(request: Request) -> dict[str, Any]:
    return render(_device(request))


def create(request: Request) -> dict[str, Any]:
    body = request.api_body
    try:
        device = create_device(
            request.dbsession, request.context.organizer, body.name, all_events=body.all_events,
            limit_events=_events(request, body.limit_events), security_profile=body.security_profile,
            **actor(request),
        )
    except DeviceError as exc:
        raise _invalid(exc) from None
    return render(device)


def change(request: Request) -> dict[str, Any]:
    """PUT and PATCH: the fields sent are changed, the others kept (as pretix's serializers do)."""
    body = request.api_body
    changes = {key: getattr(body, key) for key in body.model_fields_set}
    for key in ("name", "all_events", "limit_events", "security_profile"):
        if key in changes and changes[key] is None:
            raise ValidationFailed({key: ["This field may not be null."]})
    if "limit_events" in changes:
        changes["limit_events"] = _events(request, changes["limit_events"])
    device = _device(request)
    try:
        update_device(request.dbsession, device, changes=changes, **actor(request))
    except DeviceError as exc:
        raise _invalid(exc) from None
    return render(device)


def initialize(request: Request) -> dict[str, Any]:
    body = request.api_body
    try:
        device, api_token = initialize_device(request.dbsession, body.token, body.model_dump(exclude={"token"}))
    except DeviceError as exc:
        raise _invalid(exc) from None
    with scope(device.organizer_id):
        return render_auth(device, api_token)


def _calling_device(request: Request) -> DeviceIdentity:
    identity = request.identity
    if not isinstance(identity, DeviceIdentity):
        raise PermissionDenied("This endpoint is only available to devices.")
    return identity


def update_software(request: Request) -> dict[str, Any]:
    identity = _calling_device(request)
    values = request.api_body.model_dump(exclude_unset=True)
    with scope(identity.device.organizer_id):
        report_software(request.dbsession, identity.device, values, **actor(request))
        return render_auth(identity.device, identity.credential)


def roll(request: Request) -> dict[str, Any]:
    identity = _calling_device(request)
    try:
        api_token = roll_device_token(request.dbsession, identity.device, **actor(request))
    except DeviceError as exc:
        raise ApiError(400, str(exc)) from None
    with scope(identity.device.organizer_id):
        return render_auth(identity.device, api_token)


def revoke(request: Request) -> Response:
    identity = _calling_device(request)
    revoke_device(request.dbsession, identity.device, **actor(request))
    return Response(status=200)


def info(request: Request) -> dict[str, Any]:
    identity = _calling_device(request)
    with scope(identity.device.organizer_id):
        device = render_auth(identity.device, identity.credential)
    return {"device": device, "server": {"version": {"ticketry": ticketry_version()}}}


class EventSelectionQuery(ApiInput):
    current_event: str | None = None
    current_subevent: int | None = None
    current_checkinlist: int | None = None


def eventselection(request: Request) -> Any:
    identity = _calling_device(request)
    query = request.api_query
    suggestion = suggest_event(request.dbsession, identity.device, datetime.now(UTC))
    if suggestion is None:
        raise NotFound()
    event, subevent = suggestion
    subevent_id = subevent.id if subevent is not None else None
    if query.current_event == event.slug and query.current_subevent == subevent_id:
        return Response(status=304)
    return {"event": event.slug, "subevent": subevent_id, "checkinlist": None}


def includeme(config: Configurator) -> None:
    tags = ("devices",)
    config.add_api_view(list_devices, path=LIST, permission=READ, response=DeviceOut, paginated=True,
                        summary="List the devices of an organizer", tags=tags)
    config.add_api_view(create, path=LIST, method="POST", permission=WRITE, body=DeviceIn, response=DeviceOut,
                        status=201, summary="Create a device", tags=tags)
    config.add_api_view(get_device, path=DETAIL, permission=READ, response=DeviceOut, summary="Get a device",
                        tags=tags)
    config.add_api_view(change, path=DETAIL, method="PUT", permission=WRITE, body=DeviceIn, response=DeviceOut,
                        summary="Replace a device's settings", tags=tags)
    config.add_api_view(change, path=DETAIL, method="PATCH", permission=WRITE, body=DevicePatch,
                        response=DeviceOut, summary="Change a device", tags=tags)
    config.add_api_view(initialize, path="/device/initialize/", method="POST", permission=NO_PERMISSION_REQUIRED,
                        body=InitializeIn, response=DeviceAuthOut,
                        summary="Trade an initialization token for the device's API token", tags=tags)
    config.add_api_view(update_software, path="/device/update/", method="POST", permission=ANY_PRINCIPAL,
                        body=SoftwareIn, response=DeviceAuthOut, summary="Report the device's software",
                        tags=tags)
    config.add_api_view(roll, path="/device/roll/", method="POST", permission=ANY_PRINCIPAL,
                        response=DeviceAuthOut, summary="Replace the device's API token", tags=tags)
    config.add_api_view(revoke, path="/device/revoke/", method="POST", permission=ANY_PRINCIPAL,
                        summary="Revoke the device's own access", tags=tags)
    config.add_api_view(info, path="/device/info/", permission=ANY_PRINCIPAL,
                        summary="The calling device and the server version", tags=tags)
    config.add_api_view(eventselection, path="/device/eventselection/", permission=ANY_PRINCIPAL,
                        query=EventSelectionQuery, summary="The event the device should work on", tags=tags)
