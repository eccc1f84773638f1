"""Helpers shared by the order-adjacent list endpoints: pretix's ``__in`` filters and principal-readable events.

pretix's list filters accept comma-separated values for ``<field>__in`` (``?item__in=1,2``); invalid numbers
answer 400 ``{"item__in": ["Enter a number."]}`` as django-filter does. Organizer-wide lists only show the
events on which the principal holds the read permission (:func:`readable_event_ids`).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from pydantic import AfterValidator
from pyramid.request import Request
from sqlalchemy import Select, select

from core.api.errors import ValidationFailed
from core.models import Event


def _aware(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)


#: A datetime filter value; a value without offset is taken as UTC.
DateTimeParam = Annotated[dt.datetime, AfterValidator(_aware)]


def csv_values(raw: str | None) -> list[str]:
    """The non-empty, stripped parts of a comma-separated parameter."""
    return [part.strip() for part in (raw or "").split(",") if part.strip()]


def csv_ints(name: str, raw: str | None) -> list[int]:
    """The integers of a comma-separated parameter; 400 ``{name: ["Enter a number."]}`` for anything else."""
    try:
        return [int(part) for part in csv_values(raw)]
    except ValueError:
        raise ValidationFailed({name: ["Enter a number."]}) from None


def csv_decimals(name: str, raw: str | None) -> list[Decimal]:
    """The decimals of a comma-separated parameter; 400 ``{name: ["Enter a number."]}`` for anything else."""
    try:
        return [Decimal(part) for part in csv_values(raw)]
    except InvalidOperation:
        raise ValidationFailed({name: ["Enter a number."]}) from None


def match(stmt: Select, column: Any, value: Any, values: list[Any] | None = None) -> Select:
    """``stmt`` filtered by ``column == value`` (when given) and ``column IN values`` (when given)."""
    if value is not None:
        stmt = stmt.where(column == value)
    if values:
        stmt = stmt.where(column.in_(values))
    return stmt


def readable_event_ids(request: Request, permission: str = "event.orders:read") -> list[int] | None:
    """Ids of the organizer's events on which the principal holds ``permission``; None means all of them.

    One permission query for the organizer; events are only checked one by one when the principal's
    teams grant the permission on some events only (cached per request by the security policy).
    """
    organizer_id = request.context.organizer.id
    catalogue = request.registry.permission_catalogue
    if request.permission_set(organizer_id, None).allows(permission, catalogue):
        return None
    ids = request.dbsession.scalars(select(Event.id).where(Event.organizer_id == organizer_id).order_by(Event.id))
    return [i for i in ids if request.permission_set(organizer_id, i).allows(permission, catalogue)]


def limit_to_readable(request: Request, stmt: Select, event_column: Any,
                      permission: str = "event.orders:read") -> Select:
    """``stmt`` limited to rows whose ``event_column`` is an event the principal may read."""
    readable = readable_event_ids(request, permission)
    if readable is None:
        return stmt.where(event_column.in_(select(Event.id).where(Event.organizer_id == request.context.organizer.id)))
    return stmt.where(event_column.in_(readable))
