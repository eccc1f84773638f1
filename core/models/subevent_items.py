"""Per-date overrides of an event series: price, availability window and on/off per item and variation."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy import Boolean, ForeignKey, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db.base import Base, BigId, IdPK, TenantMixin
from core.models.mixins import InitDefaults

if TYPE_CHECKING:
    from core.models.event import SubEvent
    from core.models.items import Item
    from core.models.variations import ItemVariation


class SubEventItem(InitDefaults, TenantMixin, Base):
    """Overrides of one item for one date: ``price`` None keeps the item's price; ``disabled`` hides it."""

    __tablename__ = "subevent_item"
    __tenant_parent__ = "subevent"
    __table_args__ = (UniqueConstraint("subevent_id", "item_id"),)

    id: Mapped[IdPK]
    subevent_id: Mapped[int] = mapped_column(BigId, ForeignKey("subevent.id", ondelete="CASCADE"))
    item_id: Mapped[int] = mapped_column(BigId, ForeignKey("item.id", ondelete="CASCADE"), index=True)
    price: Mapped[Decimal | None]
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    available_from: Mapped[datetime | None]
    available_until: Mapped[datetime | None]

    subevent: Mapped[SubEvent] = relationship()
    item: Mapped[Item] = relationship()


class SubEventItemVariation(InitDefaults, TenantMixin, Base):
    """Overrides of one variation for one date (applied after the item override)."""

    __tablename__ = "subevent_item_variation"
    __tenant_parent__ = "subevent"
    __table_args__ = (UniqueConstraint("subevent_id", "variation_id"),)

    id: Mapped[IdPK]
    subevent_id: Mapped[int] = mapped_column(BigId, ForeignKey("subevent.id", ondelete="CASCADE"))
    variation_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("item_variation.id", ondelete="CASCADE"), index=True
    )
    price: Mapped[Decimal | None]
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    available_from: Mapped[datetime | None]
    available_until: Mapped[datetime | None]

    subevent: Mapped[SubEvent] = relationship()
    variation: Mapped[ItemVariation] = relationship()
