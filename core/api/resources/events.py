"""``/organizers/{o}/events/``: events (list with pretix's filters, create, detail, PUT/PATCH, delete).

Creating needs ``organizer.events:create`` and never creates a live event; going live is refused with
the reasons (``{"live": [...]}``); ``slug`` and ``has_subevents`` never change; ``plugins`` is the exact
list of enabled plugins (switched through the activation service); events with orders cannot be deleted.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from pydantic import Field
from pyramid.config import Configurator
from pyramid.request import Request
from sqlalchemy import String, and_, cast, exists, not_, or_, select

from core.api.errors import PermissionDenied, ValidationFailed
from core.api.pagination import Ordering, paginate
from core.api.resources.access import check_protected_meta, event_condition
from core.api.resources.event_render import render_events
from core.api.resources.filtering import DateTimeParam
from core.api.schemas import ApiInput, ApiModel, I18n, partial
from core.models import Event, EventMetaProperty, EventMetaValue, SalesChannel
from core.models.event import event_sales_channels
from core.security.permissions import MEMBER
from core.services.event_changes import (
    configure_new_event,
    delete_event,
    event_has_orders,
    live_issues,
    meta_values,
    update_event,
)
from core.services.events import create_event
from core.services.slugs import ValidationError

CREATE = "organizer.events:create"
WRITE = "event.settings.general:write"
LIST = "/organizers/{organizer}/events/"
DETAIL = "/organizers/{organizer}/events/{event}/"
NOT_LIVE = "Events cannot be created as 'live'. Quotas and payment must be added to the event before sales can go live."
NO_SEATING = "Seating plans are not supported."


class EventOut(ApiModel):
    name: dict[str, str]
    slug: str
    live: bool
    testmode: bool
    currency: str
    date_from: str
    date_to: str | None
    date_admission: str | None
    is_public: bool
    presale_start: str | None
    presale_end: str | None
    location: dict[str, str] | None
    geo_lat: float | None
    geo_lon: float | None
    has_subevents: bool
    meta_data: dict[str, str]
    seating_plan: int | None
    plugins: list[str]
    seat_category_mapping: dict[str, Any]
    timezone: str
    item_meta_properties: dict[str, str]
    valid_keys: dict[str, list[str]] | None = None
    all_sales_channels: bool
    limit_sales_channels: list[str]
    public_url: str
    sales_channels: list[str]
    best_availability_state: int | None = None


class EventIn(ApiInput):
    name: I18n
    slug: str = Field(max_length=50)
    live: bool = False
    testmode: bool = False
    currency: str = Field(default="EUR", max_length=3)
    date_from: datetime
    date_to: datetime | None = None
    date_admission: datetime | None = None
    is_public: bool = True
    presale_start: datetime | None = None
    presale_end: datetime | None = None
    location: I18n | None = None
    geo_lat: Decimal | None = Field(default=None, ge=-90, le=90)
    geo_lon: Decimal | None = Field(default=None, ge=-180, le=180)
    has_subevents: bool = False
    meta_data: dict[str, str] = Field(default_factory=dict)
    timezone: str | None = None
    item_meta_properties: dict[str, str] = Field(default_factory=dict)
    plugins: list[str] | None = None
    seating_plan: int | None = None
    seat_category_mapping: dict[str, Any] = Field(default_factory=dict)
    all_sales_channels: bool | None = None
    limit_sales_channels: list[str] | None = None
    sales_channels: list[str] | None = None


EventPatch = partial(EventIn)


class EventFilters(ApiInput):
    is_public: bool | None = None
    live: bool | None = None
    has_subevents: bool | None = None
    is_future: bool | None = None
    is_past: bool | None = None
    ends_after: DateTimeParam | None = None
    sales_channel: str | None = None
    search: str | None = None
    with_availability_for: str | None = None


def _ends(moment: datetime) -> Any:
    return or_(and_(Event.date_to.is_(None), Event.date_from >= moment),
               and_(Event.date_to.is_not(None), Event.date_to >= moment))


def _meta_filters(request: Request, organizer_id: int) -> list[Any]:
    conditions = []
    for key in request.GET.keys():
        if not (key.startswith("attr[") and key.endswith("]")):
            continue
        name, value = key[5:-1], request.GET.getall(key)[-1]
        prop = request.dbsession.scalar(select(EventMetaProperty).where(EventMetaProperty.name == name))
        if prop is None:
            raise ValidationFailed({key: [f"Meta data property '{name}' does not exist."]})
        stored = select(EventMetaValue.id).where(EventMetaValue.event_id == Event.id,
                                                  EventMetaValue.property_id == prop.id)
        matches = exists(stored.where(EventMetaValue.value == value))
        conditions.append(or_(matches, not_(exists(stored))) if value == (prop.default or "") else matches)
    return conditions


def filtered_events(request: Request) -> Any:
    """The organizer's events the caller reaches, narrowed by the query's filters."""
    organizer = request.context.organizer
    query = request.api_query
    stmt = select(Event).where(Event.organizer_id == organizer.id, event_condition(request, organizer.id))
    for field in ("is_public", "live", "has_subevents"):
        value = getattr(query, field)
        if value is not None:
            stmt = stmt.where(getattr(Event, field).is_(value))
    now = datetime.now(UTC)
    single = Event.has_subevents.is_(False)
    if query.is_future is not None:
        future = and_(single, _ends(now))
        stmt = stmt.where(future if query.is_future else not_(future))
    if query.is_past is not None:
        past = and_(single, not_(_ends(now)))
        stmt = stmt.where(past if query.is_past else not_(past))
    if query.ends_after is not None:
        stmt = stmt.where(single, _ends(query.ends_after))
    if query.sales_channel:
        limited = exists(select(event_sales_channels.c.event_id).join(
            SalesChannel, SalesChannel.id == event_sales_channels.c.sales_channel_id).where(
            event_sales_channels.c.event_id == Event.id, SalesChannel.identifier == query.sales_channel))
        stmt = stmt.where(or_(Event.all_sales_channels.is_(True), limited))
    if query.search:
        pattern = f"%{query.search}%"
        stmt = stmt.where(or_(Event.slug.ilike(pattern), cast(Event.name, String).ilike(pattern)))
    return stmt.where(*_meta_filters(request, organizer.id))


ORDERING = Ordering({"date_from": Event.date_from, "slug": Event.slug, "id": Event.id}, default=("date_from",),
                    pk=Event.id)


def list_events(request: Request) -> dict[str, Any]:
    channel = request.api_query.with_availability_for
    return paginate(request, filtered_events(request),
                    lambda rows: render_events(request, rows, availability_for=channel), ordering=ORDERING)


def get_event(request: Request) -> dict[str, Any]:
    channel = request.GET.get("with_availability_for") or None
    return render_events(request, [request.context.event], availability_for=channel)[0]


def channel_values(request: Request, body: Any, sent: set[str]) -> dict[str, Any]:
    """``all_sales_channels`` / ``limit_sales_channels`` (rows) from the new or the deprecated fields."""
    session = request.dbsession
    channels = {c.identifier: c for c in session.scalars(select(SalesChannel))}

    def rows(field: str, identifiers: list[str]) -> list[SalesChannel]:
        missing = [i for i in identifiers if i not in channels]
        if missing:
            raise ValidationFailed({field: [f"Object with identifier={missing[0]} does not exist."]})
        return [channels[i] for i in dict.fromkeys(identifiers)]

    if "all_sales_channels" in sent and body.all_sales_channels is not None:
        limit = rows("limit_sales_channels", body.limit_sales_channels or []) if not body.all_sales_channels else []
        return {"all_sales_channels": body.all_sales_channels, "limit_sales_channels": limit}
    if "sales_channels" in sent and body.sales_channels is not None:
        chosen = rows("sales_channels", body.sales_channels)
        everything = {c.identifier for c in chosen} == set(channels)
        return {"all_sales_channels": everything, "limit_sales_channels": [] if everything else chosen}
    if "limit_sales_channels" in sent and body.limit_sales_channels is not None:
        return {"all_sales_channels": False, "limit_sales_channels": rows("limit_sales_channels",
                                                                          body.limit_sales_channels)}
    return {}


def _common_checks(body: Any, sent: set[str]) -> None:
    if "seating_plan" in sent and body.seating_plan is not None:
        raise ValidationFailed({"seating_plan": [NO_SEATING]})


def create(request: Request) -> dict[str, Any]:
    body = request.api_body
    sent = set(body.model_fields_set)
    if body.live:
        raise ValidationFailed({"live": [NOT_LIVE]})
    _common_checks(body, sent)
    extras: dict[str, Any] = {"geo_lat": body.geo_lat, "geo_lon": body.geo_lon, "meta_data": body.meta_data,
                              "item_meta_properties": body.item_meta_properties, "plugins": body.plugins}
    extras.update(channel_values(request, body, sent))
    check_protected_meta(request, {}, body.meta_data)
    event = create_event(
        request.dbsession, request.context.organizer, body.slug, body.name, body.date_from, body.currency,
        date_to=body.date_to, date_admission=body.date_admission, presale_start=body.presale_start,
        presale_end=body.presale_end, location=body.location, timezone=body.timezone, is_public=body.is_public,
        testmode=body.testmode, has_subevents=body.has_subevents, actor=request.identity,
    )
    configure_new_event(request.dbsession, event, extras, actor=request.identity)
    return render_events(request, [event], valid_keys=False)[0]


def update(request: Request) -> dict[str, Any]:
    body = request.api_body
    event = request.context.event
    sent = set(body.model_fields_set)
    _common_checks(body, sent)
    values = {field: getattr(body, field) for field in sent if field not in (
        "all_sales_channels", "limit_sales_channels", "sales_channels", "seating_plan", "seat_category_mapping")}
    for field in ("name", "date_from", "currency", "timezone", "is_public", "testmode", "live", "meta_data",
                  "item_meta_properties"):
        if field in values and values[field] is None:
            raise ValidationFailed({field: ["This field may not be null."]})
    values.update(channel_values(request, body, sent))
    if "meta_data" in values:
        check_protected_meta(request, meta_values(request.dbsession, event), values["meta_data"])
    if values.get("live") and not event.live:
        issues = live_issues(request.dbsession, event)
        if issues:
            raise ValidationFailed({"live": issues})
    update_event(request.dbsession, event, values, actor=request.identity)
    return render_events(request, [event])[0]


def delete(request: Request) -> None:
    event = request.context.event
    if event_has_orders(request.dbsession, event):
        raise PermissionDenied("The event can not be deleted as it already contains orders. Please set "
                               "'live' to false to hide the event and take the shop offline instead.")
    try:
        delete_event(request.dbsession, event, actor=request.identity)
    except ValidationError as exc:
        raise PermissionDenied(str(exc)) from None


def includeme(config: Configurator) -> None:
    tags = ("events",)
    config.add_api_view(list_events, path=LIST, permission=MEMBER, query=EventFilters, response=EventOut,
                        paginated=True, summary="The organizer's events", tags=tags)
    config.add_api_view(create, path=LIST, method="POST", permission=CREATE, body=EventIn, response=EventOut,
                        status=201, summary="Create an event", tags=tags)
    config.add_api_view(get_event, path=DETAIL, permission=MEMBER, response=EventOut, summary="Get an event",
                        tags=tags)
    config.add_api_view(update, path=DETAIL, method="PUT", permission=WRITE, body=EventIn, response=EventOut,
                        summary="Replace an event", tags=tags)
    config.add_api_view(update, path=DETAIL, method="PATCH", permission=WRITE, body=EventPatch, response=EventOut,
                        summary="Change an event", tags=tags)
    config.add_api_view(delete, path=DETAIL, method="DELETE", permission=WRITE, status=204,
                        summary="Delete an event without orders", tags=tags)
