"""Dates of an event series: create, change and delete (only unused dates), with per-date product overrides
and meta values. Audit-logged as ``pretix.subevent.added`` / ``.changed`` / ``.deleted``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import delete, exists, or_, select
from sqlalchemy.orm import Session

from core.db.tenancy import scope
from core.i18n import I18nString
from core.logs import log_action
from core.models import (
    CartPosition,
    Event,
    EventMetaProperty,
    OrderPosition,
    SubEvent,
    SubEventItem,
    SubEventItemVariation,
    SubEventMetaValue,
    Transaction,
)
from core.models.event import validate_subevent
from core.services.payments.states import log_actor
from core.services.slugs import ValidationError

SUBEVENT_ADDED = "pretix.subevent.added"
SUBEVENT_CHANGED = "pretix.subevent.changed"
SUBEVENT_DELETED = "pretix.subevent.deleted"

#: Plain columns a create or update may set.
SUBEVENT_FIELDS = (
    "name", "active", "is_public", "date_from", "date_to", "date_admission", "presale_start", "presale_end",
    "location", "geo_lat", "geo_lon", "frontpage_text", "comment",
)
_I18N = ("name", "location", "frontpage_text")
_DATES = ("date_from", "date_to", "date_admission", "presale_start", "presale_end")
_OVERRIDE_FIELDS = ("price", "disabled", "available_from", "available_until")


def _public(value: Any) -> Any:
    if isinstance(value, I18nString):
        return value.data
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _assign(subevent: SubEvent, values: Mapping[str, Any]) -> dict[str, Any]:
    changed: dict[str, Any] = {}
    for field in SUBEVENT_FIELDS:
        if field not in values:
            continue
        value = values[field]
        if field in _I18N and value is not None:
            value = I18nString(value)
        if field in _DATES and value is not None and value.utcoffset() is None:
            raise ValidationError(field, f"{field} must be a time-zone aware datetime")
        if getattr(subevent, field) != value:
            setattr(subevent, field, value)
            changed[field] = _public(value)
    return changed


def _set_overrides(session: Session, subevent: SubEvent, model: type, key: str, rows: Sequence[Mapping[str, Any]]
                   ) -> None:
    """Make the overrides of ``subevent`` exactly ``rows`` (each ``{key: Item/Variation, price, disabled, ...}``)."""
    current = {getattr(r, f"{key}_id"): r for r in session.scalars(
        select(model).where(model.subevent_id == subevent.id))}
    seen: set[int] = set()
    for row in rows:
        target = row[key]
        if target.id in seen:
            raise ValidationError(f"{key}_price_overrides", f"The {key} {target.id} is listed twice.")
        seen.add(target.id)
        override = current.pop(target.id, None)
        if override is None:
            override = model(subevent_id=subevent.id, organizer_id=subevent.organizer_id, **{f"{key}_id": target.id})
            session.add(override)
        for field in _OVERRIDE_FIELDS:
            if field in row:
                setattr(override, field, row[field])
        if override.available_from and override.available_until and override.available_until < override.available_from:
            raise ValidationError(f"{key}_price_overrides", "available_until is before available_from")
    for override in current.values():
        session.delete(override)
    session.flush()


def _set_meta(session: Session, subevent: SubEvent, data: Mapping[str, str]) -> None:
    props = {p.name: p for p in session.scalars(select(EventMetaProperty))}
    for name, value in data.items():
        prop = props.get(name)
        if prop is None:
            raise ValidationError("meta_data", f"Meta data property '{name}' does not exist.")
        if prop.allowed_values and str(value) not in prop.allowed_values:
            raise ValidationError("meta_data", f"Meta data property '{name}' does not allow value '{value}'.")
    current = {v.property_id: v for v in session.scalars(
        select(SubEventMetaValue).where(SubEventMetaValue.subevent_id == subevent.id))}
    for name, value in data.items():
        row = current.pop(props[name].id, None)
        if row is None:
            session.add(SubEventMetaValue(subevent_id=subevent.id, organizer_id=subevent.organizer_id,
                                          property_id=props[name].id, value=str(value)))
        else:
            row.value = str(value)
    for row in current.values():
        session.delete(row)
    session.flush()


def _apply_relations(session: Session, subevent: SubEvent, values: Mapping[str, Any], changed: dict[str, Any]
                     ) -> None:
    if "item_price_overrides" in values:
        _set_overrides(session, subevent, SubEventItem, "item", values["item_price_overrides"] or [])
        changed["item_price_overrides"] = [_override_data(r, "item") for r in values["item_price_overrides"] or []]
    if "variation_price_overrides" in values:
        _set_overrides(session, subevent, SubEventItemVariation, "variation",
                       values["variation_price_overrides"] or [])
        changed["variation_price_overrides"] = [
            _override_data(r, "variation") for r in values["variation_price_overrides"] or []]
    if "meta_data" in values:
        _set_meta(session, subevent, values["meta_data"] or {})
        changed["meta_data"] = dict(values["meta_data"] or {})


def _override_data(row: Mapping[str, Any], key: str) -> dict[str, Any]:
    data = {key: row[key].id}
    data.update({field: _public(row[field]) for field in _OVERRIDE_FIELDS if field in row})
    return data


def create_subevent(session: Session, event: Event, values: Mapping[str, Any], *, actor: Any = None) -> SubEvent:
    """Create a date of the series ``event`` from ``values`` (see :data:`SUBEVENT_FIELDS`, plus
    ``item_price_overrides``, ``variation_price_overrides`` and ``meta_data``); logs ``pretix.subevent.added``."""
    if not event.has_subevents:
        raise ValidationError("event", "Subevents cannot be created for events that are not event series.")
    with scope(event.organizer_id):
        subevent = SubEvent(event=event, event_id=event.id, organizer_id=event.organizer_id)
        changed = _assign(subevent, values)
        validate_subevent(subevent)
        session.add(subevent)
        session.flush()
        _apply_relations(session, subevent, values, changed)
        log_action(subevent, SUBEVENT_ADDED, changed, **log_actor(actor))
    return subevent


def update_subevent(session: Session, subevent: SubEvent, values: Mapping[str, Any], *, actor: Any = None
                    ) -> SubEvent:
    """Change ``subevent`` (same ``values`` as :func:`create_subevent`); logs ``pretix.subevent.changed``."""
    with scope(subevent.organizer_id):
        changed = _assign(subevent, values)
        validate_subevent(subevent)
        session.flush()
        _apply_relations(session, subevent, values, changed)
        if changed:
            log_action(subevent, SUBEVENT_CHANGED, changed, **log_actor(actor))
    return subevent


def subevent_in_use(session: Session, subevent: SubEvent) -> bool:
    """Whether order positions or transactions refer to ``subevent`` (then it cannot be deleted)."""
    with scope(subevent.organizer_id):
        return bool(session.scalar(select(or_(
            exists().where(OrderPosition.subevent_id == subevent.id),
            exists().where(Transaction.subevent_id == subevent.id),
        ))))


def delete_subevent(session: Session, subevent: SubEvent, *, actor: Any = None) -> None:
    """Delete an unused ``subevent`` (its carts, overrides, quotas and vouchers go with it)."""
    if subevent_in_use(session, subevent):
        raise ValidationError("subevent", "The sub-event can not be deleted as it has already been used in orders.")
    with scope(subevent.organizer_id):
        log_action(subevent, SUBEVENT_DELETED, {}, **log_actor(actor))
        session.execute(delete(CartPosition).where(CartPosition.subevent_id == subevent.id))
        session.delete(subevent)
        session.flush()
