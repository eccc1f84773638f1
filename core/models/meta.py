"""Meta data: organizer-defined event properties and event-defined item properties, with their values."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db.base import Base, BigId, IdPK, TenantMixin
from core.i18n import I18nString, TranslatedJSON
from core.models.mixins import InitDefaults
from core.services.slugs import ValidationError

if TYPE_CHECKING:
    from core.models.event import Event, SubEvent
    from core.models.items import Item, ItemVariation
    from core.models.organizer import Organizer


class EventMetaProperty(InitDefaults, TenantMixin, Base):
    """A key every event of the organizer may carry (``name`` unique per organizer), with an optional default.

    ``choices`` is a list of ``{"key": ..., "label": {...}}`` when only those values are allowed;
    ``required`` properties must be set before an event can go live.
    """

    __tablename__ = "event_meta_property"
    __table_args__ = (UniqueConstraint("organizer_id", "name"),)

    id: Mapped[IdPK]
    name: Mapped[str] = mapped_column(String(50))
    default: Mapped[str] = mapped_column(Text, default="")
    protected: Mapped[bool] = mapped_column(Boolean, default=False)
    required: Mapped[bool] = mapped_column(Boolean, default=False)
    choices: Mapped[list[Any]] = mapped_column(default=list)
    filter_public: Mapped[bool] = mapped_column(Boolean, default=False)
    public_label: Mapped[I18nString | None] = mapped_column(TranslatedJSON)
    filter_allowed: Mapped[bool] = mapped_column(Boolean, default=True)
    position: Mapped[int] = mapped_column(Integer, default=0)

    organizer: Mapped[Organizer] = relationship()

    @property
    def allowed_values(self) -> list[str] | None:
        """The keys of ``choices``, or None when any value is allowed."""
        return [str(choice["key"]) for choice in self.choices] if self.choices else None

    def __repr__(self) -> str:
        return f"<EventMetaProperty {self.name}>"


class EventMetaValue(InitDefaults, TenantMixin, Base):
    """The value of one meta property for one event."""

    __tablename__ = "event_meta_value"
    __tenant_parent__ = "event"
    __table_args__ = (UniqueConstraint("event_id", "property_id"),)

    id: Mapped[IdPK]
    event_id: Mapped[int] = mapped_column(BigId, ForeignKey("event.id", ondelete="CASCADE"))
    property_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("event_meta_property.id", ondelete="CASCADE"), index=True
    )
    value: Mapped[str] = mapped_column(Text)

    event: Mapped[Event] = relationship(back_populates="meta_values")
    property: Mapped[EventMetaProperty] = relationship()


class SubEventMetaValue(InitDefaults, TenantMixin, Base):
    """The value of one meta property for one date of a series (overrides the event's value)."""

    __tablename__ = "subevent_meta_value"
    __tenant_parent__ = "subevent"
    __table_args__ = (UniqueConstraint("subevent_id", "property_id"),)

    id: Mapped[IdPK]
    subevent_id: Mapped[int] = mapped_column(BigId, ForeignKey("subevent.id", ondelete="CASCADE"))
    property_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("event_meta_property.id", ondelete="CASCADE"), index=True
    )
    value: Mapped[str] = mapped_column(Text)

    subevent: Mapped[SubEvent] = relationship(back_populates="meta_values")
    property: Mapped[EventMetaProperty] = relationship()


class ItemMetaProperty(InitDefaults, TenantMixin, Base):
    """A key every item of the event may carry (``name`` unique per event); ``allowed_values`` restricts it."""

    __tablename__ = "item_meta_property"
    __tenant_parent__ = "event"
    __table_args__ = (UniqueConstraint("event_id", "name"),)

    id: Mapped[IdPK]
    event_id: Mapped[int] = mapped_column(BigId, ForeignKey("event.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(50))
    default: Mapped[str] = mapped_column(Text, default="")
    required: Mapped[bool] = mapped_column(Boolean, default=False)
    allowed_values: Mapped[list[Any] | None] = mapped_column()

    event: Mapped[Event] = relationship()


class ItemMetaValue(InitDefaults, TenantMixin, Base):
    """The value of one item meta property for one item."""

    __tablename__ = "item_meta_value"
    __tenant_parent__ = "item"
    __table_args__ = (UniqueConstraint("item_id", "property_id"),)

    id: Mapped[IdPK]
    item_id: Mapped[int] = mapped_column(BigId, ForeignKey("item.id", ondelete="CASCADE"))
    property_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("item_meta_property.id", ondelete="CASCADE"), index=True
    )
    value: Mapped[str] = mapped_column(Text)

    item: Mapped[Item] = relationship(back_populates="meta_values")
    property: Mapped[ItemMetaProperty] = relationship()


class ItemVariationMetaValue(InitDefaults, TenantMixin, Base):
    """The value of one item meta property for one variation (overrides the item's value)."""

    __tablename__ = "item_variation_meta_value"
    __tenant_parent__ = "variation"
    __table_args__ = (UniqueConstraint("variation_id", "property_id"),)

    id: Mapped[IdPK]
    variation_id: Mapped[int] = mapped_column(BigId, ForeignKey("item_variation.id", ondelete="CASCADE"))
    property_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("item_meta_property.id", ondelete="CASCADE"), index=True
    )
    value: Mapped[str] = mapped_column(Text)

    variation: Mapped[ItemVariation] = relationship(back_populates="meta_values")
    property: Mapped[ItemMetaProperty] = relationship()


def validate_meta_value(value: EventMetaValue | SubEventMetaValue | ItemMetaValue | ItemVariationMetaValue) -> None:
    """Raise :class:`ValidationError` unless the value is one of its property's allowed values (if restricted)
    and a required property is not left empty."""
    prop = value.property
    if prop is None:
        raise ValidationError("property", "a meta value needs its property")
    allowed = prop.allowed_values
    if allowed and value.value not in [str(a) for a in allowed]:
        choices = ", ".join(str(a) for a in allowed)
        raise ValidationError("value", f"{value.value!r} is not an allowed value of {prop.name!r}: {choices}")
    if prop.required and not (value.value or "").strip():
        raise ValidationError("value", f"the meta property {prop.name!r} is required")
