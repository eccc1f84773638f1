"""Sales channels: where an organizer sells (web shop, API, box office, ...).

Every organizer has one channel of each default-created channel *type* (core types ``web`` and
``api``, plugins add more through :class:`core.interfaces.channels.ISalesChannelType`). Events,
items, variations and discounts are sold either on all channels or on a chosen list
(``all_sales_channels`` / ``limit_sales_channels``).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from sqlalchemy import Column, ForeignKey, Integer, String, Table, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from core.db.base import Base, BigId, IdPK, TenantMixin
from core.i18n import I18nString, TranslatedJSON
from core.models.mixins import InitDefaults
from core.services.slugs import ValidationError

if TYPE_CHECKING:
    from core.models.organizer import Organizer

IDENTIFIER_PATTERN = re.compile(r"^[a-zA-Z0-9.\-_]+$")


class SalesChannel(InitDefaults, TenantMixin, Base):
    """One sales channel of an organizer; ``identifier`` is unique per organizer and names it in the API."""

    __tablename__ = "sales_channel"
    __table_args__ = (UniqueConstraint("organizer_id", "identifier"),)

    id: Mapped[IdPK]
    label: Mapped[I18nString] = mapped_column(TranslatedJSON)
    identifier: Mapped[str] = mapped_column(String(200))
    type: Mapped[str] = mapped_column(String(200))
    position: Mapped[int] = mapped_column(Integer, default=0)
    configuration: Mapped[dict[str, Any]] = mapped_column(default=dict)

    organizer: Mapped[Organizer] = relationship()

    @validates("identifier")
    def _check_identifier(self, key: str, value: str) -> str:
        if not IDENTIFIER_PATTERN.match(value or ""):
            raise ValidationError(
                "identifier", f"invalid sales channel identifier {value!r}: use letters, digits, '.', '-' and '_'"
            )
        return value

    def __repr__(self) -> str:
        return f"<SalesChannel {self.identifier}>"


def limit_channels_table(name: str, owner_table: str) -> Table:
    """The association table ``name`` linking rows of ``owner_table`` to the channels they are limited to."""
    return Table(
        name,
        Base.metadata,
        Column(f"{owner_table}_id", BigId, ForeignKey(f"{owner_table}.id", ondelete="CASCADE"), primary_key=True),
        Column(
            "sales_channel_id", BigId, ForeignKey("sales_channel.id", ondelete="CASCADE"), primary_key=True, index=True
        ),
    )
