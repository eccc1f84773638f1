"""Changing and deleting events: validated fields, going live, test mode, plugins, sales channels, meta data.

Every change is audit-logged with pretix's action types (``pretix.event.changed``, ``pretix.event.live.*``,
``pretix.event.testmode.*``; deletion logs ``pretix.event.deleted`` on the organizer). Validation errors
raise :class:`~core.services.slugs.ValidationError` naming the field; the caller's transaction is then
rolled back, so nothing is half-written.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import exists, or_, select
from sqlalchemy.orm import Session

from core.db.tenancy import scope
from core.i18n import I18nString
from core.logs import log_action
from core.models import (
    Event,
    EventMetaProperty,
    EventMetaValue,
    Invoice,
    Item,
    ItemMetaProperty,
    ItemVariation,
    Order,
    Quota,
)
from core.models.event import validate_event
from core.pluginhost.activation import ActivationError, disable_plugin, enable_plugin, enabled_names
from core.services.payments.lookup import payment_providers
from core.services.payments.states import log_actor
from core.services.slugs import ValidationError

EVENT_CHANGED = "pretix.event.changed"
EVENT_DELETED = "pretix.event.deleted"
LIVE_ACTIVATED = "pretix.event.live.activated"
LIVE_DEACTIVATED = "pretix.event.live.deactivated"
TESTMODE_ACTIVATED = "pretix.event.testmode.activated"
TESTMODE_DEACTIVATED = "pretix.event.testmode.deactivated"

#: Plain columns an update may set.
EVENT_FIELDS = (
    "name", "currency", "date_from", "date_to", "date_admission", "is_public", "presale_start", "presale_end",
    "location", "geo_lat", "geo_lon", "timezone",
)
#: Providers that do not count as "a payment method" when an event goes live (pretix's implicit ones).
IMPLICIT_PROVIDERS = frozenset({"free", "offsetting", "giftcard", "boxoffice"})

NO_QUOTA = "You need to configure at least one quota to sell anything."
NO_PAYMENT = "You have configured at least one paid product but have not enabled any payment methods."
NO_CURRENCY = "You have configured at least one paid product but have not configured a currency."


def _has_paid_products(session: Session, event: Event) -> bool:
    paid_item = select(Item.id).where(Item.event_id == event.id, Item.active.is_(True), Item.default_price > 0)
    paid_variation = select(ItemVariation.id).join(Item, Item.id == ItemVariation.item_id).where(
        Item.event_id == event.id, Item.active.is_(True), ItemVariation.active.is_(True),
        ItemVariation.default_price > 0)
    return bool(session.scalar(select(or_(exists(paid_item), exists(paid_variation)))))


def live_issues(session: Session, event: Event) -> list[str]:
    """Why ``event`` cannot go live (empty list: it can): no quota, paid products without a payment method
    or a currency, required meta properties without a value."""
    issues: list[str] = []
    with scope(event.organizer_id):
        if session.scalar(select(exists().where(Quota.event_id == event.id))) is not True:
            issues.append(NO_QUOTA)
        if _has_paid_products(session, event):
            if event.currency == "XXX":
                issues.append(NO_CURRENCY)
            providers = payment_providers(event)
            if not any(p.is_enabled for name, p in providers.items() if name not in IMPLICIT_PROVIDERS):
                issues.append(NO_PAYMENT)
        required = session.scalars(select(EventMetaProperty).where(EventMetaProperty.required.is_(True)))
        values = meta_values(session, event)
        for prop in required:
            if not (values.get(prop.name) or prop.default):
                issues.append(f'You need to fill the meta parameter "{prop.name}".')
    return issues


def meta_values(session: Session, event: Event) -> dict[str, str]:
    """``{property name: value}`` stored on ``event`` (defaults not included)."""
    with scope(event.organizer_id):
        rows = session.execute(select(EventMetaProperty.name, EventMetaValue.value).join(
            EventMetaValue, EventMetaValue.property_id == EventMetaProperty.id).where(
            EventMetaValue.event_id == event.id))
        return dict(rows.all())


def set_meta_data(session: Session, event: Event, data: Mapping[str, str]) -> None:
    """Replace the meta values of ``event`` with ``data`` (unknown names and disallowed values are refused)."""
    with scope(event.organizer_id):
        props = {p.name: p for p in session.scalars(select(EventMetaProperty))}
        for name, value in data.items():
            prop = props.get(name)
            if prop is None:
                raise ValidationError("meta_data", f"Meta data property '{name}' does not exist.")
            allowed = prop.allowed_values
            if allowed and str(value) not in allowed:
                raise ValidationError("meta_data", f"Meta data property '{name}' does not allow value '{value}'.")
        current = {v.property_id: v for v in session.scalars(
            select(EventMetaValue).where(EventMetaValue.event_id == event.id))}
        for name, value in data.items():
            prop = props[name]
            row = current.pop(prop.id, None)
            if row is None:
                session.add(EventMetaValue(event_id=event.id, organizer_id=event.organizer_id, property_id=prop.id,
                                           value=str(value)))
            else:
                row.value = str(value)
        for row in current.values():
            session.delete(row)
        session.flush()


def set_item_meta_properties(session: Session, event: Event, data: Mapping[str, str]) -> None:
    """Make the event's item meta properties exactly ``data`` (``{name: default}``)."""
    with scope(event.organizer_id):
        current = {p.name: p for p in session.scalars(select(ItemMetaProperty).where(
            ItemMetaProperty.event_id == event.id))}
        for name, default in data.items():
            if not name or len(name) > 50:
                raise ValidationError("item_meta_properties", f"Invalid property name '{name}'.")
            prop = current.pop(name, None)
            if prop is None:
                session.add(ItemMetaProperty(event_id=event.id, organizer_id=event.organizer_id, name=name,
                                             default=str(default or "")))
            else:
                prop.default = str(default or "")
        for prop in current.values():
            session.delete(prop)
        session.flush()


def set_plugins(session: Session, event: Event, names: Iterable[str], actor: Any = None) -> None:
    """Make the event's enabled plugins exactly ``names`` through the activation service."""
    wanted = set(names)
    current = enabled_names(session, event)
    try:
        for name in sorted(current - wanted):
            disable_plugin(session, event, name, actor)
        for name in sorted(wanted - current):
            enable_plugin(session, event, name, actor)
    except ActivationError as exc:
        if "no such plugin" in exc.reason:
            raise ValidationError("plugins", f"Unknown plugin: '{exc.plugin}'.") from None
        raise ValidationError("plugins", f"Plugin '{exc.plugin}' cannot be enabled: {exc.reason}.") from None


def _public(value: Any) -> Any:
    if isinstance(value, I18nString):
        return value.data
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def update_event(session: Session, event: Event, values: Mapping[str, Any], *, actor: Any = None) -> Event:
    """Change ``event``: any of :data:`EVENT_FIELDS`, ``live``, ``testmode``, ``meta_data`` (dict),
    ``plugins`` (list of names), ``all_sales_channels``/``limit_sales_channels`` (SalesChannel rows) and
    ``item_meta_properties`` (dict). ``slug`` and ``has_subevents`` may be given only unchanged.

    Going live is refused with the first of :func:`live_issues`. Logs ``pretix.event.changed`` with the
    changed fields and, when they flip, ``pretix.event.live.*`` / ``pretix.event.testmode.*``.
    """
    if "slug" in values and values["slug"] != event.slug:
        raise ValidationError("slug", "The event slug cannot be changed.")
    if "has_subevents" in values and bool(values["has_subevents"]) != event.has_subevents:
        raise ValidationError("has_subevents",
                              "Once created an event cannot change between an series and a single event.")
    who = log_actor(actor)
    changed: dict[str, Any] = {}
    with scope(event.organizer_id):
        for field in EVENT_FIELDS:
            if field not in values:
                continue
            value = values[field]
            if field in ("name", "location") and value is not None:
                value = I18nString(value)
            if field in ("date_from", "date_to", "date_admission", "presale_start", "presale_end") and (
                    value is not None and value.utcoffset() is None):
                raise ValidationError(field, f"{field} must be a time-zone aware datetime")
            if getattr(event, field) != value:
                setattr(event, field, value)
                changed[field] = _public(value)
        if "all_sales_channels" in values and values["all_sales_channels"] != event.all_sales_channels:
            event.all_sales_channels = bool(values["all_sales_channels"])
            changed["all_sales_channels"] = event.all_sales_channels
        if "limit_sales_channels" in values:
            channels = list(values["limit_sales_channels"])
            if {c.id for c in channels} != {c.id for c in event.limit_sales_channels}:
                event.limit_sales_channels = channels
                changed["limit_sales_channels"] = sorted(c.identifier for c in channels)
        validate_event(event)
        session.flush()
        if "meta_data" in values:
            set_meta_data(session, event, values["meta_data"] or {})
            changed["meta_data"] = dict(values["meta_data"] or {})
        if "item_meta_properties" in values:
            set_item_meta_properties(session, event, values["item_meta_properties"] or {})
            changed["item_meta_properties"] = dict(values["item_meta_properties"] or {})
        if "plugins" in values and values["plugins"] is not None:
            set_plugins(session, event, values["plugins"], actor)
        if "testmode" in values and bool(values["testmode"]) != event.testmode:
            event.testmode = bool(values["testmode"])
            log_action(event, TESTMODE_ACTIVATED if event.testmode else TESTMODE_DEACTIVATED, {}, **who)
        if "live" in values and bool(values["live"]) != event.live:
            if values["live"]:
                issues = live_issues(session, event)
                if issues:
                    raise ValidationError("live", issues[0])
            event.live = bool(values["live"])
            log_action(event, LIVE_ACTIVATED if event.live else LIVE_DEACTIVATED, {}, **who)
        if changed:
            log_action(event, EVENT_CHANGED, changed, **who)
        session.flush()
    return event


def event_has_orders(session: Session, event: Event) -> bool:
    """Whether any order or invoice belongs to ``event`` (then it cannot be deleted)."""
    with scope(event.organizer_id):
        return bool(session.scalar(select(or_(exists().where(Order.event_id == event.id),
                                               exists().where(Invoice.event_id == event.id)))))


def delete_event(session: Session, event: Event, *, actor: Any = None) -> None:
    """Delete ``event`` with everything in it; refused (:class:`ValidationError`) while it has orders.

    Logs ``pretix.event.deleted`` on the organizer (the event's own log goes with it).
    """
    if event_has_orders(session, event):
        raise ValidationError("event", "The event can not be deleted as it already contains orders.")
    organizer = event.organizer
    data = {"slug": event.slug, "name": event.name.data if event.name else {}}
    with scope(event.organizer_id):
        session.delete(event)
        session.flush()
        log_action(organizer, EVENT_DELETED, data, **log_actor(actor))


def configure_new_event(session: Session, event: Event, values: Mapping[str, Any], *, actor: Any = None) -> Event:
    """Apply the extras of a just-created event without a ``pretix.event.changed`` entry: ``geo_lat``,
    ``geo_lon``, sales channel limits, ``meta_data``, ``item_meta_properties`` and ``plugins`` (exact list)."""
    with scope(event.organizer_id):
        for field in ("geo_lat", "geo_lon", "all_sales_channels", "limit_sales_channels"):
            if field in values:
                setattr(event, field, values[field])
        validate_event(event)
        session.flush()
        if values.get("meta_data"):
            set_meta_data(session, event, values["meta_data"])
        if values.get("item_meta_properties"):
            set_item_meta_properties(session, event, values["item_meta_properties"])
        if values.get("plugins") is not None:
            set_plugins(session, event, values["plugins"], actor)
    return event
