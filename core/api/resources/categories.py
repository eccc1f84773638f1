"""``/organizers/{o}/events/{e}/categories/``: product categories (CRUD)."""

from __future__ import annotations

from typing import Any

from pydantic import Field
from pyramid.config import Configurator
from pyramid.request import Request
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from core.api.conditional import check_list_modified
from core.api.endpoints import actor
from core.api.pagination import Ordering, get_object, paginate
from core.api.resources.catalogue_fields import Int, Ref, body_values, dump, patch_model, path_id
from core.api.schemas import ApiInput, ApiModel, I18n
from core.models import ItemCategory
from core.security.permissions import MEMBER
from core.services.catalogue.categories import create_category, delete_category, update_category

WRITE = "event.items:write"
LIST = "/organizers/{organizer}/events/{event}/categories/"
DETAIL = LIST + r"{id:\d+}/"


class CategoryOut(ApiModel):
    id: int
    name: I18n
    internal_name: str | None
    description: I18n | None
    position: int
    is_addon: bool
    cross_selling_mode: str | None
    cross_selling_condition: str | None
    cross_selling_match_products: list[int]


class CategoryIn(ApiInput):
    name: I18n
    internal_name: str | None = Field(default=None, max_length=255)
    description: I18n | None = None
    position: Int = 0
    is_addon: bool = False
    cross_selling_mode: str | None = None
    cross_selling_condition: str | None = None
    cross_selling_match_products: list[Ref] = []


CategoryPatch = patch_model(CategoryIn)


class CategoryFilters(ApiInput):
    is_addon: bool | None = None


def render(category: ItemCategory) -> dict[str, Any]:
    data = {key: getattr(category, key) for key in CategoryOut.model_fields if key != "cross_selling_match_products"}
    data["cross_selling_match_products"] = [item.id for item in category.cross_selling_match_products]
    return dump(CategoryOut, data)


def _category(request: Request) -> ItemCategory:
    return get_object(request, select(ItemCategory).where(
        ItemCategory.event_id == request.context.event.id, ItemCategory.id == path_id(request)))


def list_categories(request: Request) -> dict[str, Any]:
    check_list_modified(request, ItemCategory.__tablename__)
    stmt = select(ItemCategory).where(ItemCategory.event_id == request.context.event.id).options(
        selectinload(ItemCategory.cross_selling_match_products))
    if request.api_query.is_addon is not None:
        stmt = stmt.where(ItemCategory.is_addon.is_(request.api_query.is_addon))
    return paginate(request, stmt, lambda rows: [render(c) for c in rows],
                    ordering=Ordering({"id": ItemCategory.id, "position": ItemCategory.position},
                                      default=("position",), pk=ItemCategory.id))


def get_category(request: Request) -> dict[str, Any]:
    return render(_category(request))


def create_category_view(request: Request) -> dict[str, Any]:
    return render(create_category(request.dbsession, request.context.event, body_values(request), **actor(request)))


def update_category_view(request: Request) -> dict[str, Any]:
    return render(update_category(request.dbsession, request.context.event, _category(request), body_values(request),
                                  **actor(request)))


def delete_category_view(request: Request) -> None:
    delete_category(request.dbsession, _category(request), **actor(request))


def includeme(config: Configurator) -> None:
    tags = ("categories",)
    config.add_api_view(list_categories, path=LIST, permission=MEMBER, query=CategoryFilters, response=CategoryOut,
                        paginated=True, summary="List the product categories of an event", tags=tags)
    config.add_api_view(create_category_view, path=LIST, method="POST", permission=WRITE, body=CategoryIn,
                        response=CategoryOut, status=201, summary="Create a category", tags=tags)
    config.add_api_view(get_category, path=DETAIL, permission=MEMBER, response=CategoryOut,
                        summary="Get a category", tags=tags)
    config.add_api_view(update_category_view, path=DETAIL, method="PUT", permission=WRITE, body=CategoryIn,
                        response=CategoryOut, summary="Replace a category", tags=tags)
    config.add_api_view(update_category_view, path=DETAIL, method="PATCH", permission=WRITE, body=CategoryPatch,
                        response=CategoryOut, summary="Change a category", tags=tags)
    config.add_api_view(delete_category_view, path=DETAIL, method="DELETE", permission=WRITE, status=204,
                        summary="Delete a category", tags=tags)
