"""``/organizers/{o}/events/{e}/item_meta_properties/``: the meta data keys of an event's products (CRUD)."""

from __future__ import annotations

from typing import Any

from pydantic import Field
from pyramid.config import Configurator
from pyramid.request import Request
from sqlalchemy import select

from core.api.endpoints import actor
from core.api.pagination import Ordering, get_object, paginate
from core.api.resources.catalogue_fields import body_values, dump, patch_model, path_id
from core.api.schemas import ApiInput, ApiModel
from core.models import ItemMetaProperty
from core.security.permissions import MEMBER
from core.services.catalogue.item_meta import (
    create_item_meta_property,
    delete_item_meta_property,
    update_item_meta_property,
)

WRITE = "event.items:write"
LIST = "/organizers/{organizer}/events/{event}/item_meta_properties/"
DETAIL = LIST + r"{id:\d+}/"


class ItemMetaPropertyOut(ApiModel):
    id: int
    name: str
    default: str | None
    required: bool
    allowed_values: list[str] | None


class ItemMetaPropertyIn(ApiInput):
    name: str = Field(min_length=1, max_length=50)
    default: str | None = ""
    required: bool = False
    allowed_values: list[str] | None = None


ItemMetaPropertyPatch = patch_model(ItemMetaPropertyIn)


def render(prop: ItemMetaProperty) -> dict[str, Any]:
    return dump(ItemMetaPropertyOut, {key: getattr(prop, key) for key in ItemMetaPropertyOut.model_fields})


def _property(request: Request) -> ItemMetaProperty:
    return get_object(request, select(ItemMetaProperty).where(
        ItemMetaProperty.event_id == request.context.event.id, ItemMetaProperty.id == path_id(request)))


def _values(request: Request) -> dict[str, Any]:
    values = body_values(request)
    if "default" in values:
        values["default"] = values["default"] or ""
    return values


def list_properties(request: Request) -> dict[str, Any]:
    stmt = select(ItemMetaProperty).where(ItemMetaProperty.event_id == request.context.event.id)
    return paginate(request, stmt, lambda rows: [render(p) for p in rows],
                    ordering=Ordering({"id": ItemMetaProperty.id, "name": ItemMetaProperty.name}, default=("id",),
                                      pk=ItemMetaProperty.id))


def get_property(request: Request) -> dict[str, Any]:
    return render(_property(request))


def create_property_view(request: Request) -> dict[str, Any]:
    return render(create_item_meta_property(request.dbsession, request.context.event, _values(request),
                                            **actor(request)))


def update_property_view(request: Request) -> dict[str, Any]:
    return render(update_item_meta_property(request.dbsession, request.context.event, _property(request),
                                            _values(request), **actor(request)))


def delete_property_view(request: Request) -> None:
    delete_item_meta_property(request.dbsession, _property(request), **actor(request))


def includeme(config: Configurator) -> None:
    tags = ("item meta properties",)
    out = ItemMetaPropertyOut
    config.add_api_view(list_properties, path=LIST, permission=MEMBER, response=out, paginated=True,
                        summary="List the item meta properties of an event", tags=tags)
    config.add_api_view(create_property_view, path=LIST, method="POST", permission=WRITE, body=ItemMetaPropertyIn,
                        response=out, status=201, summary="Create an item meta property", tags=tags)
    config.add_api_view(get_property, path=DETAIL, permission=MEMBER, response=out,
                        summary="Get an item meta property", tags=tags)
    config.add_api_view(update_property_view, path=DETAIL, method="PUT", permission=WRITE, body=ItemMetaPropertyIn,
                        response=out, summary="Replace an item meta property", tags=tags)
    config.add_api_view(update_property_view, path=DETAIL, method="PATCH", permission=WRITE,
                        body=ItemMetaPropertyPatch, response=out, summary="Change an item meta property", tags=tags)
    config.add_api_view(delete_property_view, path=DETAIL, method="DELETE", permission=WRITE, status=204,
                        summary="Delete an item meta property", tags=tags)
