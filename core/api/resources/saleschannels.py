"""``/organizers/{o}/saleschannels/``: the organizer's sales channels, looked up by ``identifier``.

As in pretix, only channels of type ``api`` can be created through the API, with an identifier
prefixed ``api.``; identifier and type never change; default channels and channels with orders cannot
be deleted. Writes need ``organizer.settings.general:write``.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field
from pyramid.config import Configurator
from pyramid.request import Request
from sqlalchemy import select

from core.api.errors import PermissionDenied, ValidationFailed
from core.api.pagination import Ordering, get_object, paginate
from core.api.resources.event_render import i18n_json
from core.api.schemas import ApiInput, ApiModel, I18n, partial
from core.models import SalesChannel
from core.security.permissions import MEMBER
from core.services.channels import MAX_POSITION, channel_in_use, create_channel, delete_channel, update_channel
from core.services.slugs import ValidationError

WRITE = "organizer.settings.general:write"
LIST = "/organizers/{organizer}/saleschannels/"
DETAIL = LIST + "{identifier}/"


class SalesChannelOut(ApiModel):
    identifier: str
    label: dict[str, str]
    type: str
    position: int


class SalesChannelIn(ApiInput):
    identifier: str = Field(min_length=1, max_length=200)
    label: I18n
    type: str = Field(min_length=1, max_length=200)
    position: int = Field(default=0, ge=0, le=MAX_POSITION)


SalesChannelPatch = partial(SalesChannelIn)


def render(channel: SalesChannel) -> dict[str, Any]:
    return {"identifier": channel.identifier, "label": i18n_json(channel.label), "type": channel.type,
            "position": channel.position}


def _channel(request: Request) -> SalesChannel:
    return get_object(request, select(SalesChannel).where(
        SalesChannel.organizer_id == request.context.organizer.id,
        SalesChannel.identifier == request.matchdict["identifier"]))


def list_channels(request: Request) -> dict[str, Any]:
    stmt = select(SalesChannel).where(SalesChannel.organizer_id == request.context.organizer.id)
    return paginate(request, stmt, lambda rows: [render(c) for c in rows],
                    ordering=Ordering({"position": SalesChannel.position, "identifier": SalesChannel.identifier},
                                      default=("position",), pk=SalesChannel.id))


def get_channel(request: Request) -> dict[str, Any]:
    return render(_channel(request))


def create(request: Request) -> dict[str, Any]:
    body = request.api_body
    if body.type != "api":
        raise ValidationFailed({"type": ["You can currently only create channels of type 'api' through the API."]})
    if not body.identifier.startswith("api."):
        raise ValidationFailed({"identifier": ['Your identifier needs to be prefixed with "api.".']})
    channel = create_channel(request.dbsession, request.context.organizer, body.type, body.identifier, body.label,
                             registry=request.registry, actor=request.identity,
                             position=body.position if "position" in body.model_fields_set else None)
    return render(channel)


def update(request: Request) -> dict[str, Any]:
    body = request.api_body
    channel = _channel(request)
    sent = body.model_fields_set
    for field in ("identifier", "type"):
        if field in sent and getattr(body, field) != getattr(channel, field):
            raise ValidationFailed({field: [f"The {field} of a sales channel cannot be changed."]})
    if "label" in sent and body.label is None:
        raise ValidationFailed({"label": ["This field may not be null."]})
    if "position" in sent and body.position is None:
        raise ValidationFailed({"position": ["This field may not be null."]})
    update_channel(request.dbsession, channel, label=body.label if "label" in sent else None,
                   position=body.position if "position" in sent else None, actor=request.identity)
    return render(channel)


def delete(request: Request) -> None:
    channel = _channel(request)
    if channel_in_use(request.dbsession, channel):
        raise PermissionDenied("This channel can not be deleted as it is currently in use.")
    try:
        delete_channel(request.dbsession, channel, registry=request.registry, actor=request.identity)
    except ValidationError as exc:
        raise PermissionDenied(str(exc)) from None


def includeme(config: Configurator) -> None:
    tags = ("saleschannels",)
    config.add_api_view(list_channels, path=LIST, permission=MEMBER, response=SalesChannelOut, paginated=True,
                        summary="The organizer's sales channels", tags=tags)
    config.add_api_view(create, path=LIST, method="POST", permission=WRITE, body=SalesChannelIn,
                        response=SalesChannelOut, status=201, summary="Create an API sales channel", tags=tags)
    config.add_api_view(get_channel, path=DETAIL, permission=MEMBER, response=SalesChannelOut,
                        summary="Get a sales channel", tags=tags)
    config.add_api_view(update, path=DETAIL, method="PUT", permission=WRITE, body=SalesChannelIn,
                        response=SalesChannelOut, summary="Replace a sales channel's label and position", tags=tags)
    config.add_api_view(update, path=DETAIL, method="PATCH", permission=WRITE, body=SalesChannelPatch,
                        response=SalesChannelOut, summary="Change a sales channel's label or position", tags=tags)
    config.add_api_view(delete, path=DETAIL, method="DELETE", permission=WRITE, status=204,
                        summary="Delete an unused sales channel", tags=tags)
