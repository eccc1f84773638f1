"""``/organizers/{o}/events/{e}/discounts/``: automatic discounts (CRUD; delete refused once used)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from pydantic import Field
from pyramid.config import Configurator
from pyramid.request import Request
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from core.api.conditional import check_list_modified
from core.api.endpoints import actor
from core.api.errors import PermissionDenied
from core.api.pagination import Ordering, get_object, paginate
from core.api.resources.catalogue_fields import (
    Count,
    Int,
    Moment,
    Price,
    Ref,
    body_values,
    channel_fields,
    dump,
    organizer_channels,
    patch_model,
    path_id,
)
from core.api.schemas import ApiInput, ApiModel, Money, Percent
from core.models import Discount
from core.security.permissions import MEMBER
from core.services.catalogue.discounts import IN_USE, create_discount, delete_discount, discount_in_use, update_discount

WRITE = "event.items:write"
LIST = "/organizers/{organizer}/events/{event}/discounts/"
DETAIL = LIST + r"{id:\d+}/"
PRODUCT_LISTS = ("condition_limit_products", "benefit_limit_products")


class DiscountOut(ApiModel):
    id: int
    active: bool
    internal_name: str
    position: int
    all_sales_channels: bool
    limit_sales_channels: list[str]
    sales_channels: list[str]
    available_from: datetime | None
    available_until: datetime | None
    subevent_mode: str
    subevent_date_from: datetime | None
    subevent_date_until: datetime | None
    condition_all_products: bool
    condition_limit_products: list[int]
    condition_apply_to_addons: bool
    condition_ignore_voucher_discounted: bool
    condition_min_count: int
    condition_min_value: Money
    benefit_same_products: bool
    benefit_limit_products: list[int]
    benefit_discount_matching_percent: Percent
    benefit_only_apply_to_cheapest_n_matches: int | None
    benefit_apply_to_addons: bool
    benefit_ignore_voucher_discounted: bool


class DiscountIn(ApiInput):
    active: bool = True
    internal_name: str = Field(min_length=1, max_length=255)
    position: Int = 0
    all_sales_channels: bool = True
    limit_sales_channels: list[str] = []
    sales_channels: list[str] | None = None
    available_from: Moment | None = None
    available_until: Moment | None = None
    subevent_mode: str = "mixed"
    subevent_date_from: Moment | None = None
    subevent_date_until: Moment | None = None
    condition_all_products: bool = True
    condition_limit_products: list[Ref] = []
    condition_apply_to_addons: bool = True
    condition_ignore_voucher_discounted: bool = False
    condition_min_count: Count = 0
    condition_min_value: Price = Field(default=Decimal("0.00"), ge=0)
    benefit_same_products: bool = True
    benefit_limit_products: list[Ref] = []
    benefit_discount_matching_percent: Money = Field(default=Decimal("0.00"), ge=0, le=100, max_digits=10,
                                                     decimal_places=2)
    benefit_only_apply_to_cheapest_n_matches: Count | None = Field(default=None, ge=1)
    benefit_apply_to_addons: bool = True
    benefit_ignore_voucher_discounted: bool = False


DiscountPatch = patch_model(DiscountIn)


class DiscountFilters(ApiInput):
    active: bool | None = None


_LOADS = (selectinload(Discount.limit_sales_channels), selectinload(Discount.condition_limit_products),
          selectinload(Discount.benefit_limit_products))


def render(discount: Discount, all_channels: list[str]) -> dict[str, Any]:
    data = {key: getattr(discount, key) for key in DiscountOut.model_fields
            if key not in (*PRODUCT_LISTS, "sales_channels", "all_sales_channels", "limit_sales_channels")}
    data.update(channel_fields(discount, all_channels))
    data.update({key: [item.id for item in getattr(discount, key)] for key in PRODUCT_LISTS})
    return dump(DiscountOut, data)


def _discount(request: Request) -> Discount:
    return get_object(request, select(Discount).where(
        Discount.event_id == request.context.event.id, Discount.id == path_id(request)).options(*_LOADS))


def list_discounts(request: Request) -> dict[str, Any]:
    check_list_modified(request, Discount.__tablename__)
    stmt = select(Discount).where(Discount.event_id == request.context.event.id).options(*_LOADS)
    if request.api_query.active is not None:
        stmt = stmt.where(Discount.active.is_(request.api_query.active))
    channels = organizer_channels(request)
    return paginate(request, stmt, lambda rows: [render(d, channels) for d in rows],
                    ordering=Ordering({"id": Discount.id, "position": Discount.position}, default=("position",),
                                      pk=Discount.id))


def get_discount(request: Request) -> dict[str, Any]:
    return render(_discount(request), organizer_channels(request))


def create_discount_view(request: Request) -> dict[str, Any]:
    discount = create_discount(request.dbsession, request.context.event, body_values(request), **actor(request))
    return render(discount, organizer_channels(request))


def update_discount_view(request: Request) -> dict[str, Any]:
    discount = update_discount(request.dbsession, request.context.event, _discount(request), body_values(request),
                               **actor(request))
    return render(discount, organizer_channels(request))


def delete_discount_view(request: Request) -> None:
    discount = _discount(request)
    if discount_in_use(request.dbsession, discount):
        raise PermissionDenied(IN_USE)
    delete_discount(request.dbsession, discount, **actor(request))


def includeme(config: Configurator) -> None:
    tags = ("discounts",)
    config.add_api_view(list_discounts, path=LIST, permission=MEMBER, query=DiscountFilters, response=DiscountOut,
                        paginated=True, summary="List the discounts of an event", tags=tags)
    config.add_api_view(create_discount_view, path=LIST, method="POST", permission=WRITE, body=DiscountIn,
                        response=DiscountOut, status=201, summary="Create a discount", tags=tags)
    config.add_api_view(get_discount, path=DETAIL, permission=MEMBER, response=DiscountOut,
                        summary="Get a discount", tags=tags)
    config.add_api_view(update_discount_view, path=DETAIL, method="PUT", permission=WRITE, body=DiscountIn,
                        response=DiscountOut, summary="Replace a discount", tags=tags)
    config.add_api_view(update_discount_view, path=DETAIL, method="PATCH", permission=WRITE, body=DiscountPatch,
                        response=DiscountOut, summary="Change a discount", tags=tags)
    config.add_api_view(delete_discount_view, path=DETAIL, method="DELETE", permission=WRITE, status=204,
                        summary="Delete an unused discount", tags=tags)
