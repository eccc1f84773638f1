"""Resolve the ids a catalogue change refers to (products, quotas, categories, ...) within one event.

A reference to a row of another event, or to no row at all, is refused with pretix's message for an
unknown primary key (``Invalid pk "7" - object does not exist.``) on the given field.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.models import Event, Item, ItemVariation, SalesChannel
from core.services.slugs import ValidationError

T = TypeVar("T")


def missing(field: str, pk: Any) -> ValidationError:
    """pretix's field error for a primary key that names no (visible) object."""
    return ValidationError(field, f'Invalid pk "{pk}" - object does not exist.')


def one(session: Session, model: type[T], event: Event, pk: int | None, field: str) -> T | None:
    """The row ``pk`` of ``model`` belonging to ``event`` (None for None); ``missing`` otherwise.

    Variations are looked up through their item's event.
    """
    if pk is None:
        return None
    found = many(session, model, event, [pk], field)
    return found[0]


def many(session: Session, model: type[T], event: Event, pks: Iterable[int], field: str) -> list[T]:
    """The rows ``pks`` of ``model`` of ``event``, in the given order, without duplicates (one query)."""
    wanted = list(dict.fromkeys(pks))
    if not wanted:
        return []
    column = model.id  # type: ignore[attr-defined]
    stmt = select(model).where(column.in_(wanted))
    if model is ItemVariation:
        stmt = stmt.join(Item, Item.id == ItemVariation.item_id).where(Item.event_id == event.id)
    else:
        stmt = stmt.where(model.event_id == event.id)  # type: ignore[attr-defined]
    with session.no_autoflush:
        rows = {row.id: row for row in session.scalars(stmt)}  # type: ignore[attr-defined]
    for pk in wanted:
        if pk not in rows:
            raise missing(field, pk)
    return [rows[pk] for pk in wanted]


def channels(session: Session, event: Event, identifiers: Iterable[str], field: str) -> list[SalesChannel]:
    """The organizer's sales channels named by ``identifiers``; an unknown one is a field error."""
    wanted = list(dict.fromkeys(identifiers))
    if not wanted:
        return []
    with session.no_autoflush:
        rows = {c.identifier: c for c in session.scalars(select(SalesChannel).where(
            SalesChannel.organizer_id == event.organizer_id, SalesChannel.identifier.in_(wanted)))}
    for identifier in wanted:
        if identifier not in rows:
            raise ValidationError(field, f'Object with identifier={identifier} does not exist.')
    return [rows[i] for i in wanted]


def apply_fields(obj: Any, values: dict[str, Any], allowed: Iterable[str], what: str) -> None:
    """Set the plain column ``values`` on ``obj``; a key outside ``allowed`` is a programming error."""
    allowed = set(allowed)
    for key, value in values.items():
        if key not in allowed:
            raise ValueError(f"unknown {what} field {key!r}")
        setattr(obj, key, value)


def log_value(value: Any) -> Any:
    """A JSON-able form of a column value for audit log data (ids for rows, lists of ids for collections)."""
    if isinstance(value, list | tuple):
        return [log_value(v) for v in value]
    if isinstance(value, SalesChannel):
        return value.identifier
    if hasattr(value, "__table__"):
        return value.id
    return value
