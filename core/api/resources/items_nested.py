"""``/organizers/{o}/events/{e}/items/{i}/variations/``, ``addons/``, ``bundles/``: a product's parts (CRUD).

The output models and renderers here also render the nested lists of the item resource.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from pydantic import Field
from pyramid.config import Configurator
from pyramid.request import Request
from sqlalchemy import select
from sqlalchemy.orm import selectinload

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
from core.api.schemas import ApiInput, ApiModel, I18n, Money
from core.models import Item, ItemAddOn, ItemBundle, ItemVariation, ItemVariationMetaValue
from core.security.permissions import MEMBER
from core.services.catalogue.addons import create_addon, delete_addon, update_addon
from core.services.catalogue.bundles import create_bundle, delete_bundle, update_bundle
from core.services.catalogue.meta_values import meta_data_of
from core.services.catalogue.variations import (
    create_variation,
    delete_variation,
    update_variation,
    variation_deletable,
)

WRITE = "event.items:write"
ITEM = "/organizers/{organizer}/events/{event}/items/{item:\\d+}/"


class VariationOut(ApiModel):
    id: int
    value: I18n
    default_price: Money | None
    price: Money
    original_price: Money | None
    free_price_suggestion: Money | None
    active: bool
    checkin_attention: bool
    checkin_text: str | None
    require_approval: bool
    require_membership: bool = False
    require_membership_types: list[int] = []
    require_membership_hidden: bool = False
    sales_channels: list[str]
    all_sales_channels: bool
    limit_sales_channels: list[str]
    available_from: datetime | None
    available_from_mode: str
    available_until: datetime | None
    available_until_mode: str
    hide_without_voucher: bool
    description: I18n | None
    position: int
    meta_data: dict[str, str]


class VariationIn(ApiInput):
    value: I18n
    active: bool = True
    description: I18n | None = None
    position: Int = 0
    default_price: Price | None = None
    original_price: Price | None = None
    free_price_suggestion: Price | None = None
    require_approval: bool = False
    available_from: Moment | None = None
    available_from_mode: str = "hide"
    available_until: Moment | None = None
    available_until_mode: str = "hide"
    all_sales_channels: bool = True
    limit_sales_channels: list[str] = []
    sales_channels: list[str] | None = None
    hide_without_voucher: bool = False
    checkin_attention: bool = False
    checkin_text: str | None = None
    meta_data: dict[str, str] = {}


class AddonOut(ApiModel):
    id: int
    addon_category: int
    min_count: int
    max_count: int
    position: int
    price_included: bool
    multi_allowed: bool


class AddonIn(ApiInput):
    addon_category: Ref
    min_count: Count = 0
    max_count: Count = 1
    position: Int = 0
    price_included: bool = False
    multi_allowed: bool = False


class BundleOut(ApiModel):
    id: int
    bundled_item: int
    bundled_variation: int | None
    count: int
    designated_price: Money


class BundleIn(ApiInput):
    bundled_item: Ref
    bundled_variation: Ref | None = None
    count: Count = Field(default=1, ge=1)
    designated_price: Price = Field(default=Decimal("0.00"), ge=0)


VariationPatch = patch_model(VariationIn)
AddonPatch = patch_model(AddonIn)
BundlePatch = patch_model(BundleIn)

#: Loader options rendering variations without further queries.
VARIATION_LOADS = (selectinload(ItemVariation.limit_sales_channels),
                   selectinload(ItemVariation.meta_values).joinedload(ItemVariationMetaValue.property))


def render_variation(variation: ItemVariation, all_channels: list[str]) -> dict[str, Any]:
    data = {key: getattr(variation, key) for key in VariationOut.model_fields
            if key not in ("sales_channels", "all_sales_channels", "limit_sales_channels", "meta_data", "price",
                           "require_membership", "require_membership_types", "require_membership_hidden")}
    data.update(channel_fields(variation, all_channels), price=variation.price, meta_data=meta_data_of(variation))
    return dump(VariationOut, data)


def render_addon(addon: ItemAddOn) -> dict[str, Any]:
    return dump(AddonOut, {"id": addon.id, "addon_category": addon.addon_category_id, "min_count": addon.min_count,
                           "max_count": addon.max_count, "position": addon.position,
                           "price_included": addon.price_included, "multi_allowed": addon.multi_allowed})


def render_bundle(bundle: ItemBundle) -> dict[str, Any]:
    return dump(BundleOut, {"id": bundle.id, "bundled_item": bundle.bundled_item_id,
                            "bundled_variation": bundle.bundled_variation_id, "count": bundle.count,
                            "designated_price": bundle.designated_price})


def _item(request: Request) -> Item:
    return get_object(request, select(Item).where(
        Item.event_id == request.context.event.id, Item.id == path_id(request, "item")))


def _part(request: Request, model: Any) -> Any:
    item = _item(request)
    owner = model.item_id if model is ItemVariation else model.base_item_id
    return get_object(request, select(model).where(owner == item.id, model.id == path_id(request)))


def list_variations(request: Request) -> dict[str, Any]:
    item = _item(request)
    stmt = select(ItemVariation).where(ItemVariation.item_id == item.id).options(*VARIATION_LOADS)
    channels = organizer_channels(request)
    return paginate(request, stmt, lambda rows: [render_variation(v, channels) for v in rows],
                    ordering=Ordering({"id": ItemVariation.id, "position": ItemVariation.position},
                                      default=("position",), pk=ItemVariation.id))


def get_variation(request: Request) -> dict[str, Any]:
    return render_variation(_part(request, ItemVariation), organizer_channels(request))


def create_variation_view(request: Request) -> dict[str, Any]:
    variation = create_variation(request.dbsession, request.context.event, _item(request), body_values(request),
                                 **actor(request))
    return render_variation(variation, organizer_channels(request))


def update_variation_view(request: Request) -> dict[str, Any]:
    variation = update_variation(request.dbsession, request.context.event, _part(request, ItemVariation),
                                 body_values(request), **actor(request))
    return render_variation(variation, organizer_channels(request))


def delete_variation_view(request: Request) -> None:
    variation = _part(request, ItemVariation)
    reason = variation_deletable(request.dbsession, variation)
    if reason is not None:
        raise PermissionDenied(reason)
    delete_variation(request.dbsession, variation, **actor(request))


def list_addons(request: Request) -> dict[str, Any]:
    stmt = select(ItemAddOn).where(ItemAddOn.base_item_id == _item(request).id)
    return paginate(request, stmt, lambda rows: [render_addon(a) for a in rows],
                    ordering=Ordering({"id": ItemAddOn.id, "position": ItemAddOn.position},
                                      default=("position",), pk=ItemAddOn.id))


def get_addon(request: Request) -> dict[str, Any]:
    return render_addon(_part(request, ItemAddOn))


def create_addon_view(request: Request) -> dict[str, Any]:
    return render_addon(create_addon(request.dbsession, request.context.event, _item(request), body_values(request),
                                     **actor(request)))


def update_addon_view(request: Request) -> dict[str, Any]:
    return render_addon(update_addon(request.dbsession, request.context.event, _part(request, ItemAddOn),
                                     body_values(request), **actor(request)))


def delete_addon_view(request: Request) -> None:
    delete_addon(request.dbsession, _part(request, ItemAddOn), **actor(request))


def list_bundles(request: Request) -> dict[str, Any]:
    stmt = select(ItemBundle).where(ItemBundle.base_item_id == _item(request).id)
    return paginate(request, stmt, lambda rows: [render_bundle(b) for b in rows],
                    ordering=Ordering({"id": ItemBundle.id}, default=("id",), pk=ItemBundle.id))


def get_bundle(request: Request) -> dict[str, Any]:
    return render_bundle(_part(request, ItemBundle))


def create_bundle_view(request: Request) -> dict[str, Any]:
    return render_bundle(create_bundle(request.dbsession, request.context.event, _item(request),
                                       body_values(request), **actor(request)))


def update_bundle_view(request: Request) -> dict[str, Any]:
    return render_bundle(update_bundle(request.dbsession, request.context.event, _part(request, ItemBundle),
                                       body_values(request), **actor(request)))


def delete_bundle_view(request: Request) -> None:
    delete_bundle(request.dbsession, _part(request, ItemBundle), **actor(request))


_RESOURCES = (
    ("variations", "variation", VariationIn, VariationPatch, VariationOut, list_variations, get_variation,
     create_variation_view, update_variation_view, delete_variation_view),
    ("addons", "add-on", AddonIn, AddonPatch, AddonOut, list_addons, get_addon, create_addon_view,
     update_addon_view, delete_addon_view),
    ("bundles", "bundle", BundleIn, BundlePatch, BundleOut, list_bundles, get_bundle, create_bundle_view,
     update_bundle_view, delete_bundle_view),
)


def includeme(config: Configurator) -> None:
    for name, what, body, patch, out, list_view, get_view, create_view, update_view, delete_view in _RESOURCES:
        tags = (f"item {name}",)
        path = ITEM + name + "/"
        detail = path + r"{id:\d+}/"
        config.add_api_view(list_view, path=path, permission=MEMBER, response=out, paginated=True,
                            summary=f"List the {name} of a product", tags=tags)
        config.add_api_view(create_view, path=path, method="POST", permission=WRITE, body=body, response=out,
                            status=201, summary=f"Create a {what}", tags=tags)
        config.add_api_view(get_view, path=detail, permission=MEMBER, response=out, summary=f"Get a {what}",
                            tags=tags)
        config.add_api_view(update_view, path=detail, method="PUT", permission=WRITE, body=body, response=out,
                            summary=f"Replace a {what}", tags=tags)
        config.add_api_view(update_view, path=detail, method="PATCH", permission=WRITE, body=patch, response=out,
                            summary=f"Change a {what}", tags=tags)
        config.add_api_view(delete_view, path=detail, method="DELETE", permission=WRITE, status=204,
                            summary=f"Delete a {what}", tags=tags)
