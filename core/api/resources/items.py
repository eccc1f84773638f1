"""``/organizers/{o}/events/{e}/items/``: products (CRUD), with their variations, add-ons and bundles nested.

Variations, add-ons and bundles may be sent on creation; afterwards they change through their own endpoints
(:mod:`core.api.resources.items_nested`). Deleting a product that has been ordered is refused (403).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from pydantic import Field
from pyramid.config import Configurator
from pyramid.request import Request
from sqlalchemy import String, cast, or_, select
from sqlalchemy.orm import joinedload, selectinload

from core.api.conditional import check_list_modified
from core.api.endpoints import actor
from core.api.errors import PermissionDenied, ValidationFailed
from core.api.pagination import Ordering, get_object, paginate
from core.api.resources.catalogue_fields import (
    Count,
    Int,
    Moment,
    Number,
    Price,
    Ref,
    body_values,
    channel_fields,
    dump,
    legacy_channels,
    organizer_channels,
    patch_model,
    path_id,
    refuse_nested,
)
from core.api.resources.items_nested import (
    VARIATION_LOADS,
    AddonIn,
    AddonOut,
    BundleIn,
    BundleOut,
    VariationIn,
    VariationOut,
    render_addon,
    render_bundle,
    render_variation,
)
from core.api.schemas import ApiInput, ApiModel, I18n, Money, Percent
from core.models import Item, ItemMetaValue, TaxRule
from core.security.permissions import MEMBER
from core.services.catalogue.items import IN_USE, PartError, create_item, delete_item, item_in_use, update_item
from core.services.catalogue.meta_values import meta_data_of

WRITE = "event.items:write"
LIST = "/organizers/{organizer}/events/{event}/items/"
DETAIL = LIST + r"{id:\d+}/"
NESTED = ("variations", "addons", "bundles")


class ItemOut(ApiModel):
    id: int
    category: int | None
    name: I18n
    internal_name: str | None
    active: bool
    all_sales_channels: bool
    limit_sales_channels: list[str]
    description: I18n | None
    default_price: Money
    free_price: bool
    free_price_suggestion: Money | None
    tax_rate: Percent
    tax_rule: int | None
    admission: bool
    personalized: bool
    position: int
    picture: str | None
    available_from: datetime | None
    available_from_mode: str
    available_until: datetime | None
    available_until_mode: str
    require_voucher: bool
    hide_without_voucher: bool
    allow_cancel: bool
    require_bundling: bool
    min_per_order: int | None
    max_per_order: int | None
    checkin_attention: bool
    checkin_text: str | None
    has_variations: bool
    variations: list[VariationOut]
    addons: list[AddonOut]
    bundles: list[BundleOut]
    program_times: list[dict[str, Any]] = []
    original_price: Money | None
    require_approval: bool
    generate_tickets: bool | None
    show_quota_left: bool | None
    hidden_if_available: int | None
    hidden_if_item_available: int | None
    hidden_if_item_available_mode: str
    allow_waitinglist: bool
    issue_giftcard: bool = False
    meta_data: dict[str, str]
    require_membership: bool = False
    require_membership_types: list[int] = []
    require_membership_hidden: bool = False
    grant_membership_type: int | None = None
    grant_membership_duration_like_event: bool = True
    grant_membership_duration_days: int = 0
    grant_membership_duration_months: int = 0
    validity_mode: str | None
    validity_fixed_from: datetime | None
    validity_fixed_until: datetime | None
    validity_dynamic_duration_minutes: int | None
    validity_dynamic_duration_hours: int | None
    validity_dynamic_duration_days: int | None
    validity_dynamic_duration_months: int | None
    validity_dynamic_start_choice: bool
    validity_dynamic_start_choice_day_limit: int | None
    media_policy: str | None = None
    media_type: str | None = None
    sales_channels: list[str]


class ItemIn(ApiInput):
    name: I18n
    internal_name: str | None = Field(default=None, max_length=255)
    active: bool = True
    description: I18n | None = None
    position: Int = 0
    category: Ref | None = None
    default_price: Price = Field(default=Decimal("0.00"), ge=0)
    free_price: bool = False
    free_price_suggestion: Price | None = None
    original_price: Price | None = None
    tax_rule: Ref | None = None
    admission: bool = False
    personalized: bool | None = None
    generate_tickets: bool | None = None
    allow_waitinglist: bool = True
    show_quota_left: bool | None = None
    available_from: Moment | None = None
    available_from_mode: str = "hide"
    available_until: Moment | None = None
    available_until_mode: str = "hide"
    hidden_if_available: Ref | None = None
    hidden_if_item_available: Ref | None = None
    hidden_if_item_available_mode: str = "hide"
    require_voucher: bool = False
    hide_without_voucher: bool = False
    require_approval: bool = False
    require_bundling: bool = False
    allow_cancel: bool = True
    min_per_order: Count | None = None
    max_per_order: Count | None = None
    checkin_attention: bool = False
    checkin_text: str | None = None
    all_sales_channels: bool = True
    limit_sales_channels: list[str] = []
    sales_channels: list[str] | None = None
    meta_data: dict[str, str] = {}
    validity_mode: str | None = None
    validity_fixed_from: Moment | None = None
    validity_fixed_until: Moment | None = None
    validity_dynamic_duration_minutes: Count | None = None
    validity_dynamic_duration_hours: Count | None = None
    validity_dynamic_duration_days: Count | None = None
    validity_dynamic_duration_months: Count | None = None
    validity_dynamic_start_choice: bool = False
    validity_dynamic_start_choice_day_limit: Count | None = None
    variations: list[VariationIn] = []
    addons: list[AddonIn] = []
    bundles: list[BundleIn] = []


ItemPatch = patch_model(ItemIn)

_LOADS = (
    selectinload(Item.variations).options(*VARIATION_LOADS),
    selectinload(Item.addons), selectinload(Item.bundles), selectinload(Item.limit_sales_channels),
    selectinload(Item.meta_values).joinedload(ItemMetaValue.property), joinedload(Item.tax_rule),
)
_COMPUTED = {"category", "tax_rule", "tax_rate", "hidden_if_available", "hidden_if_item_available", "variations",
             "addons", "bundles", "meta_data", "sales_channels", "all_sales_channels", "limit_sales_channels"}


class ItemFilters(ApiInput):
    active: bool | None = None
    category: Ref | None = None
    admission: bool | None = None
    tax_rate: Number | None = None
    tax_rule: Ref | None = None
    free_price: bool | None = None
    search: str | None = None


def render(item: Item, all_channels: list[str]) -> dict[str, Any]:
    data = {key: getattr(item, key) for key in ItemOut.model_fields
            if (key not in _COMPUTED and key in Item.__mapper__.attrs) or key == "has_variations"}
    data.update(
        channel_fields(item, all_channels), category=item.category_id, tax_rule=item.tax_rule_id,
        tax_rate=item.tax_rule.rate if item.tax_rule is not None else Decimal("0"),
        hidden_if_available=item.hidden_if_available_id, hidden_if_item_available=item.hidden_if_item_available_id,
        variations=[render_variation(v, all_channels) for v in item.variations],
        addons=[render_addon(a) for a in item.addons], bundles=[render_bundle(b) for b in item.bundles],
        meta_data=meta_data_of(item),
    )
    return dump(ItemOut, data)


def _item(request: Request) -> Item:
    return get_object(request, select(Item).where(
        Item.event_id == request.context.event.id, Item.id == path_id(request)).options(*_LOADS))


def _filtered(request: Request) -> Any:
    query = request.api_query
    stmt = select(Item).where(Item.event_id == request.context.event.id)
    for field in ("active", "admission", "free_price"):
        if getattr(query, field) is not None:
            stmt = stmt.where(getattr(Item, field).is_(getattr(query, field)))
    if query.category is not None:
        stmt = stmt.where(Item.category_id == query.category)
    if query.tax_rule is not None:
        stmt = stmt.where(Item.tax_rule_id == query.tax_rule)
    if query.tax_rate is not None:
        stmt = stmt.where(Item.tax_rule_id.in_(select(TaxRule.id).where(
            TaxRule.event_id == request.context.event.id, TaxRule.rate == query.tax_rate)))
    if query.search:
        pattern = f"%{query.search.lower()}%"
        stmt = stmt.where(or_(cast(Item.name, String).ilike(pattern), Item.internal_name.ilike(pattern)))
    return stmt


def list_items(request: Request) -> dict[str, Any]:
    check_list_modified(request, Item.__tablename__)
    channels = organizer_channels(request)
    return paginate(request, _filtered(request).options(*_LOADS), lambda rows: [render(i, channels) for i in rows],
                    ordering=Ordering({"id": Item.id, "position": Item.position}, default=("position",), pk=Item.id))


def get_item(request: Request) -> dict[str, Any]:
    return render(_item(request), organizer_channels(request))


def _nested(request: Request, name: str) -> list[dict[str, Any]]:
    parts = []
    for part in getattr(request.api_body, name):
        values = part.model_dump()
        if "sales_channels" in values:
            legacy_channels(request, values, part.model_fields_set)
        parts.append(values)
    return parts


def create_item_view(request: Request) -> dict[str, Any]:
    values = body_values(request, exclude=NESTED)
    if values.get("personalized") is None:
        values.pop("personalized", None)
    try:
        item = create_item(request.dbsession, request.context.event, values,
                           variations=_nested(request, "variations"), addons=_nested(request, "addons"),
                           bundles=_nested(request, "bundles"), **actor(request))
    except PartError as exc:
        raise ValidationFailed({exc.field: [{}] * exc.index + [{exc.part_field: [str(exc)]}]}) from None
    return render(item, organizer_channels(request))


def update_item_view(request: Request) -> dict[str, Any]:
    refuse_nested(request, NESTED, "add-ons, bundles, or variations")
    values = body_values(request, exclude=NESTED)
    if values.get("personalized") is None:
        values.pop("personalized", None)
    item = update_item(request.dbsession, request.context.event, _item(request), values, **actor(request))
    return render(item, organizer_channels(request))


def delete_item_view(request: Request) -> None:
    item = _item(request)
    if item_in_use(request.dbsession, item):
        raise PermissionDenied(IN_USE)
    delete_item(request.dbsession, item, **actor(request))


def includeme(config: Configurator) -> None:
    tags = ("items",)
    config.add_api_view(list_items, path=LIST, permission=MEMBER, query=ItemFilters, response=ItemOut,
                        paginated=True, summary="List the products of an event", tags=tags)
    config.add_api_view(create_item_view, path=LIST, method="POST", permission=WRITE, body=ItemIn, response=ItemOut,
                        status=201, summary="Create a product (with variations, add-ons, bundles)", tags=tags)
    config.add_api_view(get_item, path=DETAIL, permission=MEMBER, response=ItemOut, summary="Get a product",
                        tags=tags)
    config.add_api_view(update_item_view, path=DETAIL, method="PUT", permission=WRITE, body=ItemIn,
                        response=ItemOut, summary="Replace a product", tags=tags)
    config.add_api_view(update_item_view, path=DETAIL, method="PATCH", permission=WRITE, body=ItemPatch,
                        response=ItemOut, summary="Change a product", tags=tags)
    config.add_api_view(delete_item_view, path=DETAIL, method="DELETE", permission=WRITE, status=204,
                        summary="Delete a product that has not been ordered", tags=tags)
