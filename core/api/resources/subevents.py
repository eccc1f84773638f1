"""Dates of event series: ``/organizers/{o}/events/{e}/subevents/`` (CRUD) and ``/organizers/{o}/subevents/`` (list).

Writes need ``event.subevents:write``; a date used by orders cannot be deleted. Per-date product overrides
(``item_price_overrides``, ``variation_price_overrides``) name items and variations of the event by id.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from pydantic import Field
from pyramid.config import Configurator
from pyramid.request import Request
from sqlalchemy import String, and_, cast, exists, not_, or_, select

from core.api.conditional import check_list_modified
from core.api.errors import NotFound, PermissionDenied, ValidationFailed
from core.api.pagination import Ordering, get_object, paginate
from core.api.resources.access import MAX_ID, check_protected_meta, event_condition
from core.api.resources.event_render import render_subevents
from core.api.resources.filtering import DateTimeParam
from core.api.schemas import ApiInput, ApiModel, I18n, Money, partial
from core.models import Event, EventMetaProperty, Item, ItemVariation, Quota, SubEvent, SubEventMetaValue
from core.security.permissions import MEMBER
from core.services.quotas.availability import availability
from core.services.subevents import create_subevent, delete_subevent, subevent_in_use, update_subevent

WRITE = "event.subevents:write"
LIST = "/organizers/{organizer}/events/{event}/subevents/"
DETAIL = LIST + r"{id:\d+}/"
ORGANIZER_LIST = "/organizers/{organizer}/subevents/"
IN_USE = ("The sub-event can not be deleted as it has already been used in orders. Please set 'active' to false "
          "instead to hide it from users.")


class ItemOverride(ApiModel):
    item: int
    disabled: bool
    available_from: str | None
    available_until: str | None
    price: str | None


class VariationOverride(ApiModel):
    variation: int
    disabled: bool
    available_from: str | None
    available_until: str | None
    price: str | None


class SubEventOut(ApiModel):
    id: int
    name: dict[str, str]
    event: str
    active: bool
    is_public: bool
    date_from: str
    date_to: str | None
    date_admission: str | None
    presale_start: str | None
    presale_end: str | None
    frontpage_text: dict[str, str] | None
    location: dict[str, str] | None
    geo_lat: float | None
    geo_lon: float | None
    item_price_overrides: list[ItemOverride]
    variation_price_overrides: list[VariationOverride]
    meta_data: dict[str, str]
    seating_plan: int | None
    seat_category_mapping: dict[str, Any]
    last_modified: str
    comment: str | None
    best_availability_state: int | None = None


class ItemOverrideIn(ApiInput):
    item: int
    price: Money | None = Field(default=None, ge=0, max_digits=13, decimal_places=2)
    disabled: bool = False
    available_from: datetime | None = None
    available_until: datetime | None = None


class VariationOverrideIn(ApiInput):
    variation: int
    price: Money | None = Field(default=None, ge=0, max_digits=13, decimal_places=2)
    disabled: bool = False
    available_from: datetime | None = None
    available_until: datetime | None = None


class SubEventIn(ApiInput):
    name: I18n
    active: bool = False
    is_public: bool = True
    date_from: datetime
    date_to: datetime | None = None
    date_admission: datetime | None = None
    presale_start: datetime | None = None
    presale_end: datetime | None = None
    location: I18n | None = None
    geo_lat: Decimal | None = Field(default=None, ge=-90, le=90)
    geo_lon: Decimal | None = Field(default=None, ge=-180, le=180)
    frontpage_text: I18n | None = None
    comment: str | None = None
    item_price_overrides: list[ItemOverrideIn] = Field(default_factory=list)
    variation_price_overrides: list[VariationOverrideIn] = Field(default_factory=list)
    meta_data: dict[str, str] = Field(default_factory=dict)
    seating_plan: int | None = None
    seat_category_mapping: dict[str, Any] = Field(default_factory=dict)


SubEventPatch = partial(SubEventIn)


class SubEventFilters(ApiInput):
    active: bool | None = None
    is_public: bool | None = None
    is_future: bool | None = None
    is_past: bool | None = None
    ends_after: DateTimeParam | None = None
    modified_since: DateTimeParam | None = None
    search: str | None = None
    with_availability_for: str | None = None
    event__live: bool | None = None


def _ends(moment: datetime) -> Any:
    return or_(and_(SubEvent.date_to.is_(None), SubEvent.date_from >= moment),
               and_(SubEvent.date_to.is_not(None), SubEvent.date_to >= moment))


def _filter(request: Request, stmt: Any) -> Any:
    query = request.api_query
    for field in ("active", "is_public"):
        value = getattr(query, field)
        if value is not None:
            stmt = stmt.where(getattr(SubEvent, field).is_(value))
    now = datetime.now(UTC)
    if query.is_future is not None:
        stmt = stmt.where(_ends(now) if query.is_future else not_(_ends(now)))
    if query.is_past is not None:
        stmt = stmt.where(not_(_ends(now)) if query.is_past else _ends(now))
    if query.ends_after is not None:
        stmt = stmt.where(_ends(query.ends_after))
    if query.modified_since is not None:
        stmt = stmt.where(SubEvent.last_modified >= query.modified_since)
    if query.search:
        stmt = stmt.where(cast(SubEvent.name, String).ilike(f"%{query.search}%"))
    if query.event__live is not None:
        stmt = stmt.where(SubEvent.event_id.in_(select(Event.id).where(Event.live.is_(query.event__live))))
    for key in request.GET.keys():
        if key.startswith("attr[") and key.endswith("]"):
            name, value = key[5:-1], request.GET.getall(key)[-1]
            prop = request.dbsession.scalar(select(EventMetaProperty).where(EventMetaProperty.name == name))
            if prop is None:
                raise ValidationFailed({key: [f"Meta data property '{name}' does not exist."]})
            stored = select(SubEventMetaValue.id).where(SubEventMetaValue.subevent_id == SubEvent.id,
                                                        SubEventMetaValue.property_id == prop.id)
            stmt = stmt.where(exists(stored.where(SubEventMetaValue.value == value)) if value else not_(exists(stored)))
    return stmt


ORDERING = Ordering({"date_from": SubEvent.date_from, "id": SubEvent.id, "last_modified": SubEvent.last_modified},
                    default=("date_from",), pk=SubEvent.id)


def _render(request: Request, rows: list[SubEvent]) -> list[dict[str, Any]]:
    rendered = render_subevents(request, rows)
    channel = request.api_query.with_availability_for if request.api_query is not None else None
    if channel and rows:
        quotas = list(request.dbsession.scalars(select(Quota).where(Quota.subevent_id.in_([s.id for s in rows]))))
        results = availability(request.dbsession, quotas)
        best: dict[int, int] = {}
        for quota in quotas:
            best[quota.subevent_id] = max(best.get(quota.subevent_id, results[quota.id][0]), results[quota.id][0])
        for out in rendered:
            out["best_availability_state"] = best.get(out["id"])
    return rendered


def list_subevents(request: Request) -> dict[str, Any]:
    check_list_modified(request, SubEvent.__tablename__)
    stmt = _filter(request, select(SubEvent).where(SubEvent.event_id == request.context.event.id))
    return paginate(request, stmt, lambda rows: _render(request, rows), ordering=ORDERING)


def list_organizer_subevents(request: Request) -> dict[str, Any]:
    organizer = request.context.organizer
    events = select(Event.id).where(Event.organizer_id == organizer.id, event_condition(request, organizer.id))
    stmt = _filter(request, select(SubEvent).where(SubEvent.event_id.in_(events)))
    return paginate(request, stmt, lambda rows: _render(request, rows), ordering=ORDERING)


def _subevent(request: Request) -> SubEvent:
    pk = int(request.matchdict["id"])
    if pk > MAX_ID:
        raise NotFound()
    return get_object(request, select(SubEvent).where(SubEvent.event_id == request.context.event.id,
                                                      SubEvent.id == pk))


def get_subevent(request: Request) -> dict[str, Any]:
    return _render(request, [_subevent(request)])[0]


def _resolve(request: Request, field: str, key: str, model: Any, rows: list[Any]) -> list[dict[str, Any]]:
    event_id = request.context.event.id
    ids = [getattr(row, key) for row in rows if 0 < getattr(row, key) <= MAX_ID]
    if model is Item:
        stmt = select(Item).where(Item.event_id == event_id, Item.id.in_(ids))
    else:
        stmt = select(ItemVariation).join(Item, Item.id == ItemVariation.item_id).where(
            Item.event_id == event_id, ItemVariation.id.in_(ids))
    found = {obj.id: obj for obj in request.dbsession.scalars(stmt)}
    errors = [{} if getattr(row, key) in found else {key: [f'Invalid pk "{getattr(row, key)}" - object does not '
                                                            f'exist.']} for row in rows]
    if any(errors):
        raise ValidationFailed({field: errors})
    resolved = []
    for row in rows:
        data = row.model_dump()
        data[key] = found[getattr(row, key)]
        resolved.append(data)
    return resolved


def _values(request: Request, body: Any) -> dict[str, Any]:
    sent = set(body.model_fields_set)
    if "seating_plan" in sent and body.seating_plan is not None:
        raise ValidationFailed({"seating_plan": ["Seating plans are not supported."]})
    values = {f: getattr(body, f) for f in sent if f not in ("seating_plan", "seat_category_mapping")}
    for field in ("name", "date_from", "active", "is_public"):
        if field in values and values[field] is None:
            raise ValidationFailed({field: ["This field may not be null."]})
    if "item_price_overrides" in values:
        values["item_price_overrides"] = _resolve(request, "item_price_overrides", "item", Item,
                                                  body.item_price_overrides or [])
    if "variation_price_overrides" in values:
        values["variation_price_overrides"] = _resolve(request, "variation_price_overrides", "variation",
                                                       ItemVariation, body.variation_price_overrides or [])
    return values


def create(request: Request) -> dict[str, Any]:
    values = _values(request, request.api_body)
    check_protected_meta(request, {}, values.get("meta_data") or {})
    subevent = create_subevent(request.dbsession, request.context.event, values, actor=request.identity)
    return render_subevents(request, [subevent])[0]


def update(request: Request) -> dict[str, Any]:
    subevent = _subevent(request)
    values = _values(request, request.api_body)
    if "meta_data" in values:
        check_protected_meta(request, render_subevents(request, [subevent])[0]["meta_data"],
                             values["meta_data"] or {})
    subevent = update_subevent(request.dbsession, subevent, values, actor=request.identity)
    return render_subevents(request, [subevent])[0]


def delete(request: Request) -> None:
    subevent = _subevent(request)
    if subevent_in_use(request.dbsession, subevent):
        raise PermissionDenied(IN_USE)
    delete_subevent(request.dbsession, subevent, actor=request.identity)


def includeme(config: Configurator) -> None:
    tags = ("subevents",)
    config.add_api_view(list_subevents, path=LIST, permission=MEMBER, query=SubEventFilters, response=SubEventOut,
                        paginated=True, summary="The dates of an event series", tags=tags)
    config.add_api_view(create, path=LIST, method="POST", permission=WRITE, body=SubEventIn, response=SubEventOut,
                        status=201, summary="Add a date to an event series", tags=tags)
    config.add_api_view(get_subevent, path=DETAIL, permission=MEMBER, query=SubEventFilters, response=SubEventOut,
                        summary="Get a date of an event series", tags=tags)
    config.add_api_view(update, path=DETAIL, method="PUT", permission=WRITE, body=SubEventIn, response=SubEventOut,
                        summary="Replace a date of an event series", tags=tags)
    config.add_api_view(update, path=DETAIL, method="PATCH", permission=WRITE, body=SubEventPatch,
                        response=SubEventOut, summary="Change a date of an event series", tags=tags)
    config.add_api_view(delete, path=DETAIL, method="DELETE", permission=WRITE, status=204,
                        summary="Delete an unused date of an event series", tags=tags)
    config.add_api_view(list_organizer_subevents, path=ORGANIZER_LIST, permission=MEMBER, query=SubEventFilters,
                        response=SubEventOut, paginated=True, summary="The dates of all event series", tags=tags)
