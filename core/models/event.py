"""Events (what an organizer sells tickets for) and the dates of event series (sub-events)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel.numbers import list_currencies
from sqlalchemy import Boolean, ForeignKey, Index, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates
from zope.interface import implementer

from core.db.base import Base, BigId, IdPK, TenantMixin
from core.i18n import I18nString, TranslatedJSON
from core.interfaces.scopes import IEvent
from core.models.channels import SalesChannel, limit_channels_table
from core.models.mixins import InitDefaults
from core.services.slugs import ValidationError, validate_slug

if TYPE_CHECKING:
    from core.models.meta import EventMetaValue, SubEventMetaValue
    from core.models.organizer import Organizer

#: The currency code of events that sell nothing for money.
NO_CURRENCY = "XXX"

event_sales_channels = limit_channels_table("event_limit_sales_channel", "event")


def _utcnow() -> datetime:
    return datetime.now(UTC)


GeoCoordinate = Numeric(10, 7)


@implementer(IEvent)
class Event(InitDefaults, TenantMixin, Base):
    """One event (or event series with dates) of an organizer.

    ``slug`` and ``has_subevents`` never change after creation; ``currency`` is an ISO 4217 code or
    ``XXX`` (no currency). ``last_modified`` moves on every update (offline scanners resync on it).
    """

    __tablename__ = "event"
    __table_args__ = (UniqueConstraint("organizer_id", "slug"),)

    id: Mapped[IdPK]
    slug: Mapped[str] = mapped_column(String(50))
    name: Mapped[I18nString] = mapped_column(TranslatedJSON)
    currency: Mapped[str] = mapped_column(String(3), default="EUR")
    live: Mapped[bool] = mapped_column(Boolean, default=False)
    testmode: Mapped[bool] = mapped_column(Boolean, default=False)
    is_public: Mapped[bool] = mapped_column(Boolean, default=True)
    has_subevents: Mapped[bool] = mapped_column(Boolean, default=False)
    date_from: Mapped[datetime]
    date_to: Mapped[datetime | None]
    date_admission: Mapped[datetime | None]
    presale_start: Mapped[datetime | None]
    presale_end: Mapped[datetime | None]
    location: Mapped[I18nString | None] = mapped_column(TranslatedJSON)
    is_remote: Mapped[bool] = mapped_column(Boolean, default=False)
    geo_lat: Mapped[Decimal | None] = mapped_column(GeoCoordinate)
    geo_lon: Mapped[Decimal | None] = mapped_column(GeoCoordinate)
    comment: Mapped[str | None] = mapped_column(Text)
    timezone: Mapped[str] = mapped_column(String(100), default="UTC")
    last_modified: Mapped[datetime] = mapped_column(default=_utcnow, onupdate=_utcnow)
    all_sales_channels: Mapped[bool] = mapped_column(Boolean, default=True)
    #: Moves on every change of the event's cached configuration (settings, plugins): see core.config_cache.
    cache_version: Mapped[int] = mapped_column(server_default="0")

    organizer: Mapped[Organizer] = relationship()
    limit_sales_channels: Mapped[list[SalesChannel]] = relationship(secondary=event_sales_channels)
    subevents: Mapped[list[SubEvent]] = relationship(back_populates="event", cascade="all, delete-orphan")
    meta_values: Mapped[list[EventMetaValue]] = relationship(back_populates="event", cascade="all, delete-orphan")

    @validates("slug")
    def _keep_slug(self, key: str, value: str) -> str:
        if self.id is not None and self.slug is not None and value != self.slug:
            raise ValidationError("slug", f"the slug of event {self.slug!r} cannot be changed")
        return value

    @validates("has_subevents")
    def _keep_has_subevents(self, key: str, value: bool) -> bool:
        if self.id is not None and self.has_subevents is not None and value != self.has_subevents:
            raise ValidationError("has_subevents", "has_subevents cannot be changed after the event was created")
        return value

    @validates("currency")
    def _upper_currency(self, key: str, value: str) -> str:
        return (value or "").strip().upper()

    def is_sold_on(self, channel: SalesChannel) -> bool:
        """Whether the event may be sold on ``channel`` (all channels, or the channel is in the list)."""
        return self.all_sales_channels or channel in self.limit_sales_channels

    def __repr__(self) -> str:
        return f"<Event {self.slug}>"


class SubEvent(InitDefaults, TenantMixin, Base):
    """One date of an event series; its presale window narrows the event's (later start, earlier end)."""

    __tablename__ = "subevent"
    __tenant_parent__ = "event"
    __table_args__ = (Index("ix_subevent_event_date", "event_id", "date_from"),)

    id: Mapped[IdPK]
    event_id: Mapped[int] = mapped_column(BigId, ForeignKey("event.id", ondelete="CASCADE"))
    active: Mapped[bool] = mapped_column(Boolean, default=False)
    is_public: Mapped[bool] = mapped_column(Boolean, default=True)
    name: Mapped[I18nString] = mapped_column(TranslatedJSON)
    date_from: Mapped[datetime]
    date_to: Mapped[datetime | None]
    date_admission: Mapped[datetime | None]
    presale_start: Mapped[datetime | None]
    presale_end: Mapped[datetime | None]
    location: Mapped[I18nString | None] = mapped_column(TranslatedJSON)
    geo_lat: Mapped[Decimal | None] = mapped_column(GeoCoordinate)
    geo_lon: Mapped[Decimal | None] = mapped_column(GeoCoordinate)
    frontpage_text: Mapped[I18nString | None] = mapped_column(TranslatedJSON)
    comment: Mapped[str | None] = mapped_column(Text)
    last_modified: Mapped[datetime] = mapped_column(default=_utcnow, onupdate=_utcnow)

    event: Mapped[Event] = relationship(back_populates="subevents")
    meta_values: Mapped[list[SubEventMetaValue]] = relationship(
        back_populates="subevent", cascade="all, delete-orphan"
    )

    @property
    def effective_presale_start(self) -> datetime | None:
        """The later of the date's and the event's presale start."""
        starts = [d for d in (self.presale_start, self.event.presale_start) if d is not None]
        return max(starts) if starts else None

    @property
    def effective_presale_end(self) -> datetime | None:
        """The earlier of the date's and the event's presale end."""
        ends = [d for d in (self.presale_end, self.event.presale_end) if d is not None]
        return min(ends) if ends else None

    def __repr__(self) -> str:
        return f"<SubEvent {self.id} of event {self.event_id}>"


def _check_order(first: str, start: datetime | None, second: str, end: datetime | None) -> None:
    if start is not None and end is not None and end < start:
        raise ValidationError(second, f"{second} ({end.isoformat()}) is before {first} ({start.isoformat()})")


def _check_dates(obj: Any) -> None:
    _check_order("date_from", obj.date_from, "date_to", obj.date_to)
    _check_order("presale_start", obj.presale_start, "presale_end", obj.presale_end)


def validate_event(event: Event) -> None:
    """Raise :class:`ValidationError` unless the event's slug, name, currency, time zone, dates, coordinates and
    sales channels are valid."""
    validate_slug(event.slug, what="event")
    if not I18nString(event.name):
        raise ValidationError("name", "the event name must not be empty")
    if event.currency != NO_CURRENCY and event.currency not in list_currencies():
        raise ValidationError(
            "currency", f"unknown currency {event.currency!r}: use an ISO 4217 code such as EUR, or XXX for none"
        )
    _check_dates(event)
    try:
        ZoneInfo(event.timezone or "")
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationError(
            "timezone", f"unknown time zone {event.timezone!r}: use an IANA name such as Europe/Berlin"
        ) from None
    for channel in event.limit_sales_channels:
        if event.organizer_id is not None and channel.organizer_id not in (None, event.organizer_id):
            raise ValidationError("limit_sales_channels", f"sales channel {channel.identifier!r} is not yours")
    for field, value in (("geo_lat", event.geo_lat), ("geo_lon", event.geo_lon)):
        _check_coordinate(field, value)


def validate_subevent(subevent: SubEvent) -> None:
    """Raise :class:`ValidationError` unless the date belongs to a series and its dates are ordered."""
    if subevent.event is not None and not subevent.event.has_subevents:
        raise ValidationError("event", f"event {subevent.event.slug!r} is not an event series")
    if subevent.date_from is None:
        raise ValidationError("date_from", "a date of an event series needs date_from")
    _check_dates(subevent)
    for field, value in (("geo_lat", subevent.geo_lat), ("geo_lon", subevent.geo_lon)):
        _check_coordinate(field, value)


def _check_coordinate(field: str, value: Decimal | None) -> None:
    limit = 90 if field == "geo_lat" else 180
    if value is not None and not -limit <= value <= limit:
        raise ValidationError(field, f"{field} must be between -{limit} and {limit}, got {value}")
