"""The JSON of events and sub-events as pretix renders them, for a page of rows in a fixed number of queries."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from pyramid.request import Request
from sqlalchemy import select

from core.api.resources.organizers import site_url
from core.i18n import I18nString
from core.models import (
    Event,
    EventMetaProperty,
    EventMetaValue,
    EventPlugin,
    EventSetting,
    ItemMetaProperty,
    Quota,
    SalesChannel,
    SubEvent,
    SubEventItem,
    SubEventItemVariation,
    SubEventMetaValue,
)
from core.models.event import event_sales_channels
from core.services.quotas.availability import availability
from core.services.secrets.keys import PUBLIC_KEY


def dt_json(value: datetime | None) -> str | None:
    """ISO 8601 in UTC with ``Z`` (naive values are UTC)."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def i18n_json(value: Any) -> dict[str, str] | None:
    if value is None:
        return None
    data = value.data if isinstance(value, I18nString) else value
    return dict(data) if isinstance(data, dict) else ({"en": data} if data else {})


def geo_json(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def money_json(value: Decimal | None) -> str | None:
    return None if value is None else str(Decimal(value).quantize(Decimal("0.01")))


def best_availability(request: Request, events: list[Event], channel: str) -> dict[int, int | None]:
    """``{event id: best quota state}`` of single events sold on ``channel`` (series and unsold: None)."""
    session = request.dbsession
    sellable = [e for e in events if not e.has_subevents]
    if not sellable:
        return {}
    limited = {row.event_id for row in session.execute(
        select(event_sales_channels.c.event_id).join(
            SalesChannel, SalesChannel.id == event_sales_channels.c.sales_channel_id).where(
            event_sales_channels.c.event_id.in_([e.id for e in sellable]), SalesChannel.identifier == channel))}
    quotas = list(session.scalars(select(Quota).where(Quota.event_id.in_([e.id for e in sellable]),
                                                      Quota.subevent_id.is_(None))))
    results = availability(session, quotas)
    best: dict[int, int | None] = {}
    for quota in quotas:
        state = results[quota.id][0]
        current = best.get(quota.event_id)
        best[quota.event_id] = state if current is None else max(current, state)
    return {e.id: best.get(e.id) if e.all_sales_channels or e.id in limited else None for e in sellable}


def render_events(request: Request, events: list[Event], *, valid_keys: bool = True,
                  availability_for: str | None = None) -> list[dict[str, Any]]:
    """pretix's event JSON for ``events`` (one organizer); ``valid_keys`` is left out of write answers."""
    if not events:
        return []
    session = request.dbsession
    ids = [e.id for e in events]
    plugins: dict[int, list[str]] = defaultdict(list)
    for event_id, name in session.execute(select(EventPlugin.event_id, EventPlugin.plugin).where(
            EventPlugin.event_id.in_(ids)).order_by(EventPlugin.plugin)):
        plugins[event_id].append(name)
    meta: dict[int, dict[str, str]] = defaultdict(dict)
    for event_id, name, value in session.execute(select(EventMetaValue.event_id, EventMetaProperty.name,
                                                        EventMetaValue.value).join(
            EventMetaProperty, EventMetaProperty.id == EventMetaValue.property_id).where(
            EventMetaValue.event_id.in_(ids))):
        meta[event_id][name] = value
    item_meta: dict[int, dict[str, str]] = defaultdict(dict)
    for event_id, name, default in session.execute(select(
            ItemMetaProperty.event_id, ItemMetaProperty.name, ItemMetaProperty.default).where(
            ItemMetaProperty.event_id.in_(ids)).order_by(ItemMetaProperty.name)):
        item_meta[event_id][name] = default
    limits: dict[int, list[str]] = defaultdict(list)
    for event_id, identifier in session.execute(select(event_sales_channels.c.event_id, SalesChannel.identifier).join(
            SalesChannel, SalesChannel.id == event_sales_channels.c.sales_channel_id).where(
            event_sales_channels.c.event_id.in_(ids)).order_by(SalesChannel.position, SalesChannel.identifier)):
        limits[event_id].append(identifier)
    all_channels = list(session.scalars(select(SalesChannel.identifier).order_by(
        SalesChannel.position, SalesChannel.identifier)))
    keys = dict(session.execute(select(EventSetting.event_id, EventSetting.value).where(
        EventSetting.event_id.in_(ids), EventSetting.key == PUBLIC_KEY)).all()) if valid_keys else {}
    states = best_availability(request, events, availability_for) if availability_for else {}
    base = f"{site_url(request)}/{request.context.organizer.slug}"
    result = []
    for event in events:
        out: dict[str, Any] = {
            "name": i18n_json(event.name), "slug": event.slug, "live": event.live, "testmode": event.testmode,
            "currency": event.currency, "date_from": dt_json(event.date_from), "date_to": dt_json(event.date_to),
            "date_admission": dt_json(event.date_admission), "is_public": event.is_public,
            "presale_start": dt_json(event.presale_start), "presale_end": dt_json(event.presale_end),
            "location": i18n_json(event.location), "geo_lat": geo_json(event.geo_lat),
            "geo_lon": geo_json(event.geo_lon), "has_subevents": event.has_subevents,
            "meta_data": meta[event.id], "seating_plan": None, "plugins": plugins[event.id],
            "seat_category_mapping": {}, "timezone": event.timezone, "item_meta_properties": item_meta[event.id],
        }
        if valid_keys:
            out["valid_keys"] = {"pretix_sig1": [keys[event.id]] if event.id in keys else []}
        out["all_sales_channels"] = event.all_sales_channels
        out["limit_sales_channels"] = [] if event.all_sales_channels else limits[event.id]
        out["public_url"] = f"{base}/{event.slug}/"
        out["sales_channels"] = all_channels if event.all_sales_channels else limits[event.id]
        if availability_for:
            out["best_availability_state"] = states.get(event.id)
        result.append(out)
    return result


def _override(row: Any, key: str) -> dict[str, Any]:
    return {key: getattr(row, f"{key}_id"), "disabled": row.disabled,
            "available_from": dt_json(row.available_from), "available_until": dt_json(row.available_until),
            "price": money_json(row.price)}


def render_subevents(request: Request, subevents: list[SubEvent]) -> list[dict[str, Any]]:
    """pretix's sub-event JSON for ``subevents`` (overrides and meta values batch-loaded)."""
    if not subevents:
        return []
    session = request.dbsession
    ids = [s.id for s in subevents]
    items: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for row in session.scalars(select(SubEventItem).where(SubEventItem.subevent_id.in_(ids)).order_by(
            SubEventItem.item_id)):
        items[row.subevent_id].append(_override(row, "item"))
    variations: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for row in session.scalars(select(SubEventItemVariation).where(
            SubEventItemVariation.subevent_id.in_(ids)).order_by(SubEventItemVariation.variation_id)):
        variations[row.subevent_id].append(_override(row, "variation"))
    meta: dict[int, dict[str, str]] = defaultdict(dict)
    for subevent_id, name, value in session.execute(select(
            SubEventMetaValue.subevent_id, EventMetaProperty.name, SubEventMetaValue.value).join(
            EventMetaProperty, EventMetaProperty.id == SubEventMetaValue.property_id).where(
            SubEventMetaValue.subevent_id.in_(ids))):
        meta[subevent_id][name] = value
    slugs = dict(session.execute(select(Event.id, Event.slug).where(
        Event.id.in_({s.event_id for s in subevents}))).all())
    return [{
        "id": s.id, "name": i18n_json(s.name), "event": slugs[s.event_id], "active": s.active,
        "is_public": s.is_public, "date_from": dt_json(s.date_from), "date_to": dt_json(s.date_to),
        "date_admission": dt_json(s.date_admission), "presale_start": dt_json(s.presale_start),
        "presale_end": dt_json(s.presale_end), "frontpage_text": i18n_json(s.frontpage_text),
        "location": i18n_json(s.location), "geo_lat": geo_json(s.geo_lat), "geo_lon": geo_json(s.geo_lon),
        "item_price_overrides": items[s.id], "variation_price_overrides": variations[s.id],
        "meta_data": meta[s.id], "seating_plan": None, "seat_category_mapping": {},
        "last_modified": dt_json(s.last_modified), "comment": s.comment,
    } for s in subevents]
