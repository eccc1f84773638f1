"""Creating events: slug rules (immutable afterwards), validated dates and currency, default plugins, audit log."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel.numbers import list_currencies
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.db.tenancy import scope
from core.i18n import I18nString
from core.logs import log_action
from core.models import Event, Organizer
from core.pluginhost.activation import enable_default_plugins
from core.pluginhost.registry import current_registry
from core.services.payments.states import log_actor
from core.services.slugs import ValidationError, validate_slug

#: Audit log action type written when an event is created (pretix's name, also a webhook trigger).
EVENT_ADDED = "pretix.event.added"
#: The currency code of events that sell nothing for money.
NO_CURRENCY = "XXX"


def _aware(field: str, value: datetime | None) -> None:
    if value is not None and (value.tzinfo is None or value.utcoffset() is None):
        raise ValidationError(field, f"{field} must be a time-zone aware datetime, got {value!r}")


def _check_order(first: str, start: datetime | None, second: str, end: datetime | None) -> None:
    if start is not None and end is not None and end < start:
        raise ValidationError(second, f"{second} ({end.isoformat()}) is before {first} ({start.isoformat()})")


def validate_currency(currency: str) -> str:
    """An ISO 4217 code in upper case (or ``XXX`` for no currency); :class:`ValidationError` otherwise."""
    code = (currency or "").strip().upper()
    if code != NO_CURRENCY and code not in list_currencies():
        raise ValidationError("currency", f"unknown currency {currency!r}: use an ISO 4217 code such as EUR or USD")
    return code


def validate_timezone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationError(
            "timezone", f"unknown time zone {name!r}: use an IANA name such as Europe/Berlin"
        ) from None
    return name


def create_event(
    session: Session,
    organizer: Organizer,
    slug: str,
    name: I18nString | dict[str, str] | str,
    date_from: datetime,
    currency: str = "EUR",
    *,
    date_to: datetime | None = None,
    date_admission: datetime | None = None,
    presale_start: datetime | None = None,
    presale_end: datetime | None = None,
    location: I18nString | dict[str, str] | str | None = None,
    timezone: str | None = None,
    is_public: bool = True,
    testmode: bool = False,
    has_subevents: bool = False,
    actor: Any = None,
) -> Event:
    """Create event ``slug`` of ``organizer``, enable the default event plugins and log ``pretix.event.added``.

    The slug is unique per organizer (ignoring case) and never changes afterwards; ``has_subevents``
    is fixed at creation too. ``timezone`` defaults to the deployment setting ``ticketry.timezone``.
    Raises :class:`~core.services.slugs.ValidationError` naming the field for any invalid input.
    """
    validate_slug(slug, what="event")
    title = I18nString(name)
    if not title:
        raise ValidationError("name", "the event name must not be empty")
    currency = validate_currency(currency)
    for field, value in (("date_from", date_from), ("date_to", date_to), ("date_admission", date_admission),
                         ("presale_start", presale_start), ("presale_end", presale_end)):
        _aware(field, value)
    _check_order("date_from", date_from, "date_to", date_to)
    _check_order("presale_start", presale_start, "presale_end", presale_end)
    timezone = validate_timezone(timezone or current_registry().settings["ticketry.timezone"])
    with scope(organizer.id):
        taken = session.scalar(select(Event.slug).where(func.lower(Event.slug) == slug.lower()))
        if taken is not None:
            raise ValidationError(
                "slug", f"the event slug {slug!r} is already taken in organizer {organizer.slug!r} (by {taken!r})"
            )
        event = Event(
            organizer_id=organizer.id, organizer=organizer, slug=slug, name=title, currency=currency,
            date_from=date_from, date_to=date_to, date_admission=date_admission, presale_start=presale_start,
            presale_end=presale_end, timezone=timezone, is_public=is_public, testmode=testmode,
            has_subevents=has_subevents, location=None if location is None else I18nString(location),
        )
        session.add(event)
        session.flush()
        enable_default_plugins(session, event)
        log_action(event, EVENT_ADDED, {"slug": slug, "name": title.data, "currency": currency}, **log_actor(actor))
    return event
