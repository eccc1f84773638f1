"""Which plugins are enabled on which organizer and event (changed only via core.pluginhost.activation)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, func
from sqlalchemy.orm import Mapped, mapped_column

from core.db.base import Base, BigId, TenantMixin


class OrganizerPlugin(TenantMixin, Base):
    """Plugin ``plugin`` is enabled on the organizer."""

    __tablename__ = "organizer_plugin"

    organizer_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("organizer.id", ondelete="CASCADE"), primary_key=True
    )
    plugin: Mapped[str] = mapped_column(String(64), primary_key=True)
    enabled_at: Mapped[datetime] = mapped_column(server_default=func.now())
    enabled_by_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("user_account.id", ondelete="SET NULL"))


class EventPlugin(TenantMixin, Base):
    """Plugin ``plugin`` is enabled on the event."""

    __tablename__ = "event_plugin"

    event_id: Mapped[int] = mapped_column(BigId, ForeignKey("event.id", ondelete="CASCADE"), primary_key=True)
    plugin: Mapped[str] = mapped_column(String(64), primary_key=True)
    enabled_at: Mapped[datetime] = mapped_column(server_default=func.now())
    enabled_by_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("user_account.id", ondelete="SET NULL"))
