"""``/organizers/{o}/events/{e}/quotas/``: quotas (CRUD, ``?with_availability=true``) and ``{id}/availability/``."""

from __future__ import annotations

from typing import Any

from pydantic import Field
from pyramid.config import Configurator
from pyramid.request import Request
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from core.api.conditional import check_list_modified
from core.api.endpoints import actor
from core.api.errors import ValidationFailed
from core.api.pagination import Ordering, get_object, paginate
from core.api.resources.catalogue_fields import Count, Ref, body_values, dump, patch_model, path_id
from core.api.schemas import ApiInput, ApiModel
from core.models import Quota
from core.models.quotas import quota_items, quota_variations
from core.security.permissions import MEMBER
from core.services.catalogue.quotas import create_quota, delete_quota, update_quota
from core.services.quotas import quota_details

WRITE = "event.items:write"
LIST = "/organizers/{organizer}/events/{event}/quotas/"
DETAIL = LIST + r"{id:\d+}/"


class QuotaOut(ApiModel):
    id: int
    name: str
    size: int | None
    items: list[int]
    variations: list[int]
    subevent: int | None
    closed: bool
    close_when_sold_out: bool
    release_after_exit: bool
    ignore_for_event_availability: bool


class QuotaIn(ApiInput):
    name: str = Field(min_length=1, max_length=200)
    size: Count | None
    items: list[Ref] = []
    variations: list[Ref] = []
    subevent: Ref | None = None
    closed: bool = False
    close_when_sold_out: bool = False
    release_after_exit: bool = False
    ignore_for_event_availability: bool = False


QuotaPatch = patch_model(QuotaIn)


class AvailabilityOut(ApiModel):
    paid_orders: int
    pending_orders: int
    exited_orders: int
    blocking_vouchers: int
    cart_positions: int
    waiting_list: int
    available_number: int | None
    available: bool
    total_size: int | None


class QuotaFilters(ApiInput):
    subevent: Ref | None = None
    subevent__in: str | None = None
    items: Ref | None = None
    variations: Ref | None = None
    with_availability: bool = False


def render(quota: Quota) -> dict[str, Any]:
    data = {key: getattr(quota, key) for key in QuotaOut.model_fields if key not in ("items", "variations",
                                                                                     "subevent")}
    data.update(items=[item.id for item in quota.items], variations=[v.id for v in quota.variations],
                subevent=quota.subevent_id)
    return dump(QuotaOut, data)


def _quota(request: Request) -> Quota:
    return get_object(request, select(Quota).where(
        Quota.event_id == request.context.event.id, Quota.id == path_id(request)).options(
        selectinload(Quota.items), selectinload(Quota.variations)))


def _render_page(request: Request, quotas: list[Quota]) -> list[dict[str, Any]]:
    rendered = [render(quota) for quota in quotas]
    if request.api_query.with_availability:
        details = quota_details(request.dbsession, quotas)
        for quota, out in zip(quotas, rendered, strict=True):
            out["available"] = details[quota.id].available
            out["available_number"] = details[quota.id].available_number
    return rendered


def _subevent_ids(raw: str) -> list[int]:
    try:
        ids = [int(part) for part in raw.split(",") if part.strip()]
    except ValueError:
        ids = [-1]
    if any(not 0 <= pk < 2**63 for pk in ids):
        raise ValidationFailed({"subevent__in": ["Enter a whole number."]})
    return ids


def list_quotas(request: Request) -> dict[str, Any]:
    check_list_modified(request, Quota.__tablename__)
    query = request.api_query
    stmt = select(Quota).where(Quota.event_id == request.context.event.id).options(
        selectinload(Quota.items), selectinload(Quota.variations))
    if query.subevent is not None:
        stmt = stmt.where(Quota.subevent_id == query.subevent)
    if query.subevent__in:
        stmt = stmt.where(Quota.subevent_id.in_(_subevent_ids(query.subevent__in)))
    if query.items is not None:
        stmt = stmt.where(Quota.id.in_(select(quota_items.c.quota_id).where(quota_items.c.item_id == query.items)))
    if query.variations is not None:
        stmt = stmt.where(Quota.id.in_(select(quota_variations.c.quota_id).where(
            quota_variations.c.variation_id == query.variations)))
    return paginate(request, stmt, lambda rows: _render_page(request, rows),
                    ordering=Ordering({"id": Quota.id, "name": Quota.name, "size": Quota.size}, default=("id",),
                                      pk=Quota.id))


def get_quota(request: Request) -> dict[str, Any]:
    return render(_quota(request))


def availability(request: Request) -> dict[str, Any]:
    quota = _quota(request)
    return dump(AvailabilityOut, quota_details(request.dbsession, [quota])[quota.id].as_dict())


def create_quota_view(request: Request) -> dict[str, Any]:
    return render(create_quota(request.dbsession, request.context.event, body_values(request), **actor(request)))


def update_quota_view(request: Request) -> dict[str, Any]:
    return render(update_quota(request.dbsession, request.context.event, _quota(request), body_values(request),
                               **actor(request)))


def delete_quota_view(request: Request) -> None:
    delete_quota(request.dbsession, _quota(request), **actor(request))


def includeme(config: Configurator) -> None:
    tags = ("quotas",)
    config.add_api_view(list_quotas, path=LIST, permission=MEMBER, query=QuotaFilters, response=QuotaOut,
                        paginated=True, summary="List the quotas of an event", tags=tags)
    config.add_api_view(create_quota_view, path=LIST, method="POST", permission=WRITE, body=QuotaIn,
                        response=QuotaOut, status=201, summary="Create a quota", tags=tags)
    config.add_api_view(get_quota, path=DETAIL, permission=MEMBER, response=QuotaOut, summary="Get a quota",
                        tags=tags)
    config.add_api_view(availability, path=DETAIL + "availability/", permission=MEMBER, response=AvailabilityOut,
                        summary="Usage and availability of a quota", tags=tags)
    config.add_api_view(update_quota_view, path=DETAIL, method="PUT", permission=WRITE, body=QuotaIn,
                        response=QuotaOut, summary="Replace a quota", tags=tags)
    config.add_api_view(update_quota_view, path=DETAIL, method="PATCH", permission=WRITE, body=QuotaPatch,
                        response=QuotaOut, summary="Change a quota", tags=tags)
    config.add_api_view(delete_quota_view, path=DETAIL, method="DELETE", permission=WRITE, status=204,
                        summary="Delete a quota", tags=tags)
