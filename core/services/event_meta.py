"""Event meta properties of an organizer: create, change, delete (values of events and dates go with them).

Audit-logged on the property as ``pretix.property.added`` / ``.changed`` / ``.deleted``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.db.tenancy import scope
from core.i18n import I18nString
from core.logs import log_action
from core.models import EventMetaProperty, Organizer
from core.services.payments.states import log_actor
from core.services.slugs import ValidationError

PROPERTY_ADDED = "pretix.property.added"
PROPERTY_CHANGED = "pretix.property.changed"
PROPERTY_DELETED = "pretix.property.deleted"

PROPERTY_FIELDS = ("name", "default", "required", "protected", "filter_public", "public_label", "filter_allowed",
                   "choices")


def _check(session: Session, prop: EventMetaProperty) -> None:
    name = (prop.name or "").strip()
    if not name:
        raise ValidationError("name", "This field may not be blank.")
    if len(name) > 50:
        raise ValidationError("name", "Ensure this field has no more than 50 characters.")
    taken = session.scalar(select(EventMetaProperty.id).where(
        func.lower(EventMetaProperty.name) == name.lower(), EventMetaProperty.id != (prop.id or 0)))
    if taken is not None:
        raise ValidationError("name", "A property with this name already exists.")
    choices = prop.choices or []
    keys = [str(choice.get("key", "")) for choice in choices]
    if any(not key for key in keys):
        raise ValidationError("choices", "Every choice needs a key.")
    if len(set(keys)) != len(keys):
        raise ValidationError("choices", "The keys of the choices must be unique.")
    if choices and prop.default and prop.default not in keys:
        raise ValidationError("default", "The default value must be one of the choices.")


def _assign(prop: EventMetaProperty, values: Mapping[str, Any]) -> dict[str, Any]:
    changed: dict[str, Any] = {}
    for field in PROPERTY_FIELDS:
        if field not in values:
            continue
        value = values[field]
        if field == "public_label" and value is not None:
            value = I18nString(value)
        if field == "default":
            value = value or ""
        if field == "choices":
            value = list(value or [])
        if getattr(prop, field) != value:
            setattr(prop, field, value)
            changed[field] = value.data if isinstance(value, I18nString) else value
    return changed


def create_meta_property(session: Session, organizer: Organizer, values: Mapping[str, Any], *, actor: Any = None
                         ) -> EventMetaProperty:
    """Create a meta property of ``organizer``; the name is unique per organizer (ignoring case)."""
    with scope(organizer.id):
        prop = EventMetaProperty(organizer_id=organizer.id)
        _assign(prop, values)
        _check(session, prop)
        session.add(prop)
        session.flush()
        log_action(prop, PROPERTY_ADDED, {"name": prop.name, "default": prop.default}, **log_actor(actor))
    return prop


def update_meta_property(session: Session, prop: EventMetaProperty, values: Mapping[str, Any], *,
                         actor: Any = None) -> EventMetaProperty:
    """Change ``prop``; logs ``pretix.property.changed`` with the changed fields."""
    with scope(prop.organizer_id):
        changed = _assign(prop, values)
        _check(session, prop)
        session.flush()
        if changed:
            log_action(prop, PROPERTY_CHANGED, {"name": prop.name, **changed}, **log_actor(actor))
    return prop


def delete_meta_property(session: Session, prop: EventMetaProperty, *, actor: Any = None) -> None:
    """Delete ``prop`` and every event and date value of it."""
    with scope(prop.organizer_id):
        log_action(prop, PROPERTY_DELETED, {"name": prop.name}, **log_actor(actor))
        session.delete(prop)
        session.flush()
