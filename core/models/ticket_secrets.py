"""Revoked ticket secrets: former secrets of positions, kept so offline scanners can reject them."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db.base import Base, BigId, IdPK, TenantMixin
from core.models.position_base import utcnow

if TYPE_CHECKING:
    from core.models.event import Event
    from core.models.positions import OrderPosition


class RevokedTicketSecret(TenantMixin, Base):
    """A secret a position had before it changed under a secret generator that uses a revocation list."""

    __tablename__ = "revoked_ticket_secret"
    __tenant_parent__ = "event"

    id: Mapped[IdPK]
    event_id: Mapped[int] = mapped_column(BigId, ForeignKey("event.id", ondelete="CASCADE"), index=True)
    position_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("order_position.id", ondelete="SET NULL"), index=True
    )
    secret: Mapped[str] = mapped_column(String(255), index=True)
    created: Mapped[dt.datetime] = mapped_column(default=utcnow)

    event: Mapped[Event] = relationship()
    position: Mapped[OrderPosition | None] = relationship()

    def __repr__(self) -> str:
        return f"<RevokedTicketSecret {self.secret[:8]}...>"
