"""Item meta properties of an event (keys products and variations may carry): create, change, delete."""

from __future__ import annotations

from typing import Any

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from core.logs import log_action
from core.models import Event, ItemMetaProperty
from core.services.catalogue.references import apply_fields
from core.services.slugs import ValidationError

FIELDS = ("name", "default", "required", "allowed_values")


def _apply(session: Session, event: Event, prop: ItemMetaProperty, values: dict[str, Any]) -> None:
    apply_fields(prop, values, FIELDS, "item meta property")
    if not (prop.name or "").strip():
        raise ValidationError("name", "This field may not be blank.")
    taken = session.scalar(select(exists().where(
        ItemMetaProperty.event_id == event.id, ItemMetaProperty.name == prop.name,
        ItemMetaProperty.id != (prop.id or 0))))
    if taken:
        raise ValidationError("name", "An item meta property with this name already exists.")
    allowed = prop.allowed_values
    if allowed and prop.default and prop.default not in [str(a) for a in allowed]:
        raise ValidationError("default", "The default value is not one of the allowed values.")


def create_item_meta_property(session: Session, event: Event, values: dict[str, Any], *, user: Any = None,
                              auth: Any = None) -> ItemMetaProperty:
    """A new item meta property of ``event``."""
    prop = ItemMetaProperty(event_id=event.id, organizer_id=event.organizer_id)
    with session.no_autoflush:
        _apply(session, event, prop, values)
    session.add(prop)
    session.flush()
    log_action(prop, "pretix.event.item_meta_property.added", _log_data(prop), user=user, auth=auth)
    return prop


def update_item_meta_property(session: Session, event: Event, prop: ItemMetaProperty, values: dict[str, Any], *,
                              user: Any = None, auth: Any = None) -> ItemMetaProperty:
    """Change the given fields of ``prop``."""
    with session.no_autoflush:
        _apply(session, event, prop, values)
    session.flush()
    log_action(prop, "pretix.event.item_meta_property.changed", _log_data(prop), user=user, auth=auth)
    return prop


def delete_item_meta_property(session: Session, prop: ItemMetaProperty, *, user: Any = None,
                              auth: Any = None) -> None:
    """Delete ``prop`` with the values products and variations had for it."""
    log_action(prop, "pretix.event.item_meta_property.deleted", {"id": prop.id, "name": prop.name},
               user=user, auth=auth)
    session.delete(prop)
    session.flush()


def _log_data(prop: ItemMetaProperty) -> dict[str, Any]:
    return {"id": prop.id} | {key: getattr(prop, key) for key in FIELDS}
