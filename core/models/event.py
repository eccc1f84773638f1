"""Events: what an organizer sells tickets for."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import Boolean, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship
from zope.interface import implementer

from core.db.base import Base, IdPK, TenantMixin
from core.i18n import I18nString, TranslatedJSON
from core.interfaces.scopes import IEvent

if TYPE_CHECKING:
    from core.models.organizer import Organizer


@implementer(IEvent)
class Event(TenantMixin, Base):
    """One event (or event series with dates) of an organizer. ``slug`` never changes after creation."""

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
    timezone: Mapped[str] = mapped_column(String(100), default="UTC")

    organizer: Mapped[Organizer] = relationship()

    def __repr__(self) -> str:
        return f"<Event {self.slug}>"

