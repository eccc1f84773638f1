"""``/organizers/{o}/event_meta_properties/``: the meta data keys the organizer's events may carry (CRUD).

Writes need ``organizer.settings.general:write``; deleting a property deletes its values on all events.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field
from pyramid.config import Configurator
from pyramid.request import Request
from sqlalchemy import select

from core.api.errors import NotFound, ValidationFailed
from core.api.pagination import Ordering, get_object, paginate
from core.api.resources.access import MAX_ID
from core.api.resources.event_render import i18n_json
from core.api.schemas import ApiInput, ApiModel, I18n, partial
from core.models import EventMetaProperty
from core.security.permissions import MEMBER
from core.services.event_meta import create_meta_property, delete_meta_property, update_meta_property

WRITE = "organizer.settings.general:write"
LIST = "/organizers/{organizer}/event_meta_properties/"
DETAIL = LIST + r"{id:\d+}/"


class Choice(BaseModel):
    key: str = Field(min_length=1, max_length=190)
    label: I18n = Field(default_factory=dict)


class MetaPropertyOut(ApiModel):
    id: int
    name: str
    default: str
    required: bool
    protected: bool
    filter_public: bool
    public_label: dict[str, str] | None
    filter_allowed: bool
    choices: list[dict[str, Any]] | None


class MetaPropertyIn(ApiInput):
    name: str = Field(min_length=1, max_length=50)
    default: str | None = ""
    required: bool = False
    protected: bool = False
    filter_public: bool = False
    public_label: I18n | None = None
    filter_allowed: bool = True
    choices: list[Choice] | None = None


MetaPropertyPatch = partial(MetaPropertyIn)


def render(prop: EventMetaProperty) -> dict[str, Any]:
    return {"id": prop.id, "name": prop.name, "default": prop.default or "", "required": prop.required,
            "protected": prop.protected, "filter_public": prop.filter_public,
            "public_label": i18n_json(prop.public_label), "filter_allowed": prop.filter_allowed,
            "choices": list(prop.choices) if prop.choices else None}


def _prop(request: Request) -> EventMetaProperty:
    pk = int(request.matchdict["id"])
    if pk > MAX_ID:
        raise NotFound()
    return get_object(request, select(EventMetaProperty).where(
        EventMetaProperty.organizer_id == request.context.organizer.id, EventMetaProperty.id == pk))


def _values(body: Any) -> dict[str, Any]:
    values = {field: getattr(body, field) for field in body.model_fields_set}
    if "choices" in values:
        values["choices"] = [c.model_dump() for c in values["choices"] or []]
    return values


def list_properties(request: Request) -> dict[str, Any]:
    stmt = select(EventMetaProperty).where(EventMetaProperty.organizer_id == request.context.organizer.id)
    return paginate(request, stmt, lambda rows: [render(p) for p in rows],
                    ordering=Ordering({"id": EventMetaProperty.id, "name": EventMetaProperty.name},
                                      default=("id",), pk=EventMetaProperty.id))


def get_property(request: Request) -> dict[str, Any]:
    return render(_prop(request))


def create(request: Request) -> dict[str, Any]:
    prop = create_meta_property(request.dbsession, request.context.organizer, _values(request.api_body),
                                actor=request.identity)
    return render(prop)


def update(request: Request) -> dict[str, Any]:
    body = request.api_body
    for field in ("name", "required", "protected", "filter_public", "filter_allowed"):
        if field in body.model_fields_set and getattr(body, field) is None:
            raise ValidationFailed({field: ["This field may not be null."]})
    prop = update_meta_property(request.dbsession, _prop(request), _values(body), actor=request.identity)
    return render(prop)


def delete(request: Request) -> None:
    delete_meta_property(request.dbsession, _prop(request), actor=request.identity)


def includeme(config: Configurator) -> None:
    tags = ("event_meta_properties",)
    config.add_api_view(list_properties, path=LIST, permission=MEMBER, response=MetaPropertyOut, paginated=True,
                        summary="The organizer's event meta properties", tags=tags)
    config.add_api_view(create, path=LIST, method="POST", permission=WRITE, body=MetaPropertyIn,
                        response=MetaPropertyOut, status=201, summary="Create an event meta property", tags=tags)
    config.add_api_view(get_property, path=DETAIL, permission=MEMBER, response=MetaPropertyOut,
                        summary="Get an event meta property", tags=tags)
    config.add_api_view(update, path=DETAIL, method="PUT", permission=WRITE, body=MetaPropertyIn,
                        response=MetaPropertyOut, summary="Replace an event meta property", tags=tags)
    config.add_api_view(update, path=DETAIL, method="PATCH", permission=WRITE, body=MetaPropertyPatch,
                        response=MetaPropertyOut, summary="Change an event meta property", tags=tags)
    config.add_api_view(delete, path=DETAIL, method="DELETE", permission=WRITE, status=204,
                        summary="Delete an event meta property and its values", tags=tags)
