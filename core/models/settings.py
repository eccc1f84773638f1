"""Stored settings: one key-value table per level (platform, organizer, event).

Values are text as serialised by :mod:`core.settings.types`. A level stores only the keys it
overrides; :mod:`core.settings.store` reads all three levels of an event in one query.
"""

from __future__ import annotations

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.db.base import Base, BigId, IdPK, TenantMixin


class GlobalSetting(Base):
    """A platform-wide value, overriding the deployment (ini/env) value and the declared default."""

    __tablename__ = "settings_global"

    id: Mapped[IdPK]
    key: Mapped[str] = mapped_column(String(255), unique=True)
    value: Mapped[str] = mapped_column(Text)


class OrganizerSetting(TenantMixin, Base):
    """An organizer's value; for event-scope settings it is the default of the organizer's events."""

    __tablename__ = "settings_organizer"
    __table_args__ = (UniqueConstraint("organizer_id", "key"),)

    id: Mapped[IdPK]
    key: Mapped[str] = mapped_column(String(255))
    value: Mapped[str] = mapped_column(Text)


class EventSetting(TenantMixin, Base):
    """An event's value."""

    __tablename__ = "settings_event"
    __table_args__ = (UniqueConstraint("event_id", "key"),)

    id: Mapped[IdPK]
    event_id: Mapped[int] = mapped_column(BigId, ForeignKey("event.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(255))
    value: Mapped[str] = mapped_column(Text)
