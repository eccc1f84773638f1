"""Item and variation meta data: ``{property name: value}`` written as meta value rows."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.models import Event, ItemMetaProperty, ItemMetaValue, ItemVariationMetaValue
from core.models.meta import validate_meta_value
from core.services.slugs import ValidationError


def set_meta_data(session: Session, event: Event, owner: Any, data: dict[str, str]) -> None:
    """Replace the meta values of ``owner`` (an item or a variation) with ``data``.

    Every key must name an item meta property of ``event``; values are checked against the property.
    """
    with session.no_autoflush:
        properties = {p.name: p for p in session.scalars(
            select(ItemMetaProperty).where(ItemMetaProperty.event_id == event.id))}
    value_class = ItemMetaValue if hasattr(owner, "variations") else ItemVariationMetaValue
    existing = {row.property.name: row for row in owner.meta_values}
    for name in data:
        if name not in properties:
            raise ValidationError("meta_data", f"Item meta data property '{name}' does not exist.")
    for name, row in existing.items():
        if name not in data:
            owner.meta_values.remove(row)
    for name, value in data.items():
        row = existing.get(name)
        if row is None:
            row = value_class(organizer_id=event.organizer_id, property=properties[name], value=str(value))
            owner.meta_values.append(row)
        row.value = str(value)
        validate_meta_value(row)


def meta_data_of(owner: Any) -> dict[str, str]:
    """``{property name: value}`` of the owner's loaded meta values."""
    return {row.property.name: row.value for row in owner.meta_values}
