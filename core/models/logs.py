"""The audit log: one row per action on any object, written in the transaction of the action."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Boolean, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from core.db.base import Base, BigId, IdPK


class LogEntry(Base):
    """An audited action: what (``action_type``, ``data``), on which object, by whom, when.

    The object is referenced generically by ``object_type`` (its table name) and ``object_id``.
    ``organizer_id``/``event_id`` are derived from the object so logs can be listed per organizer
    and per event; both are empty for platform objects (users). The actor is one of ``user_id``,
    ``api_token_id`` or ``device_id`` (``Device.id``); OAuth access sets ``user_id`` and
    ``oauth_application_id``. ``data`` is JSON text with sorted keys, secrets masked.

    This table is not tenant-scoped (platform entries have no organizer): always filter by
    ``organizer_id`` when listing entries for an organizer.
    """

    __tablename__ = "log_entry"
    __table_args__ = (
        Index("ix_log_entry_organizer_datetime", "organizer_id", "datetime"),
        Index("ix_log_entry_object", "object_type", "object_id"),
    )

    id: Mapped[IdPK]
    organizer_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("organizer.id", ondelete="CASCADE"))
    event_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("event.id", ondelete="CASCADE"), index=True)
    object_type: Mapped[str] = mapped_column(String(100))
    object_id: Mapped[int | None] = mapped_column(BigInteger)
    action_type: Mapped[str] = mapped_column(String(255), index=True)
    data: Mapped[str] = mapped_column(Text, default="{}")
    user_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("user_account.id", ondelete="SET NULL"), index=True)
    api_token_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("team_api_token.id", ondelete="SET NULL"))
    device_id: Mapped[int | None] = mapped_column(BigInteger)
    oauth_application_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("oauth_application.id", ondelete="SET NULL"),
    )
    datetime: Mapped[datetime]
    visible: Mapped[bool] = mapped_column(Boolean, default=True)
    shredded: Mapped[bool] = mapped_column(Boolean, default=False)

    @property
    def parsed_data(self) -> dict[str, Any]:
        """``data`` decoded."""
        return json.loads(self.data) if self.data else {}

    def __repr__(self) -> str:
        return f"<LogEntry {self.action_type} {self.object_type}:{self.object_id}>"
