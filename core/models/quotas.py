"""Quotas: how many units of a set of items/variations (for one date of a series) may be sold."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import Boolean, CheckConstraint, Column, ForeignKey, Index, Integer, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db.base import Base, BigId, IdPK, TenantMixin
from core.models.items import Item, check_same_event
from core.models.mixins import InitDefaults
from core.models.variations import ItemVariation
from core.services.slugs import ValidationError

if TYPE_CHECKING:
    from core.models.event import Event, SubEvent

quota_items = Table(
    "quota_item",
    Base.metadata,
    Column("quota_id", BigId, ForeignKey("quota.id", ondelete="CASCADE"), primary_key=True),
    Column("item_id", BigId, ForeignKey("item.id", ondelete="CASCADE"), primary_key=True, index=True),
)

quota_variations = Table(
    "quota_variation",
    Base.metadata,
    Column("quota_id", BigId, ForeignKey("quota.id", ondelete="CASCADE"), primary_key=True),
    Column("variation_id", BigId, ForeignKey("item_variation.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Quota(InitDefaults, TenantMixin, Base):
    """A capacity shared by its items and variations; ``size`` None means unlimited.

    An item with variations counts only through the variations listed here. In an event series
    every quota belongs to exactly one date (``subevent``).
    """

    __tablename__ = "quota"
    __tenant_parent__ = "event"
    __table_args__ = (
        CheckConstraint("size IS NULL OR size >= 0", name="size_not_negative"),
        Index("ix_quota_event_subevent", "event_id", "subevent_id"),
    )

    AVAILABILITY_GONE = 0
    AVAILABILITY_ORDERED = 10
    AVAILABILITY_RESERVED = 20
    AVAILABILITY_OK = 100

    id: Mapped[IdPK]
    event_id: Mapped[int] = mapped_column(BigId, ForeignKey("event.id", ondelete="CASCADE"))
    subevent_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("subevent.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    size: Mapped[int | None] = mapped_column(Integer)
    ignore_for_event_availability: Mapped[bool] = mapped_column(Boolean, default=False)
    close_when_sold_out: Mapped[bool] = mapped_column(Boolean, default=False)
    closed: Mapped[bool] = mapped_column(Boolean, default=False)
    release_after_exit: Mapped[bool] = mapped_column(Boolean, default=False)

    event: Mapped[Event] = relationship()
    subevent: Mapped[SubEvent | None] = relationship()
    items: Mapped[list[Item]] = relationship(secondary=quota_items, back_populates="quotas")
    variations: Mapped[list[ItemVariation]] = relationship(secondary=quota_variations, back_populates="quotas")

    def __repr__(self) -> str:
        return f"<Quota {self.id} {self.name!r} size={self.size}>"


def validate_quota(quota: Quota, event: Event | None = None) -> None:
    """Raise :class:`ValidationError` unless the quota's date, items and variations fit together.

    The sub-event is required exactly when the event is a series; items, variations and the
    sub-event belong to the quota's event; every variation belongs to a listed item, and every
    listed item with variations has at least one of them listed. ``event`` defaults to ``quota.event``.
    """
    event = event if event is not None else quota.event
    if not (quota.name or "").strip():
        raise ValidationError("name", "the quota needs a name")
    if quota.size is not None and quota.size < 0:
        raise ValidationError("size", "the quota size must not be negative (leave it empty for unlimited)")
    if event.has_subevents and quota.subevent is None:
        raise ValidationError("subevent", "quotas of an event series need a date (subevent)")
    if not event.has_subevents and quota.subevent is not None:
        raise ValidationError("subevent", "quotas of a single event cannot have a date (subevent)")
    check_same_event(event.id, "subevent", quota.subevent, "date")
    for item in quota.items:
        check_same_event(event.id, "items", item, "product")
    listed = {id(item) for item in quota.items}
    for variation in quota.variations:
        if id(variation.item) not in listed:
            raise ValidationError(
                "variations", f"variation {variation.value} belongs to a product that is not in this quota"
            )
    chosen = {id(variation) for variation in quota.variations}
    for item in quota.items:
        if item.variations and not any(id(variation) in chosen for variation in item.variations):
            raise ValidationError(
                "variations", f"product {item.name} has variations: list at least one of them in the quota"
            )
