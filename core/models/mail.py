"""Outgoing mail: one row per message, written by ``core.mail.mail()`` and updated by the send task."""

from __future__ import annotations

import enum
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import BigInteger, Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from core.db.base import Base, BigId, IdPK


class MailStatus(enum.StrEnum):
    """Life cycle of an :class:`OutgoingMail`."""

    #: Written, the send task is queued (or will be once the transaction commits).
    QUEUED = "queued"
    #: The send task is talking to the mail server right now.
    INFLIGHT = "inflight"
    #: Accepted by the mail server (or written by the file/console/memory backend).
    SENT = "sent"
    #: Refused for good (5xx) or out of retries; ``error`` says why.
    FAILED = "failed"
    #: Stopped by a mail filter before sending; ``error`` says why.
    WITHHELD = "withheld"


def _utcnow() -> datetime:
    return datetime.now(UTC)


class OutgoingMail(Base):
    """A rendered message waiting for, or done with, delivery.

    Not tenant-scoped: platform mails (login, password reset) have no organizer, and the send task
    loads rows by id. ``organizer_id``, ``event_id`` and ``order_id`` say what a mail was about.
    ``sensitive`` mails (links that log someone in, reset a password, ...) are never logged, and
    their bodies are wiped from the row once sent.
    """

    __tablename__ = "outgoing_mail"

    id: Mapped[IdPK]
    organizer_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("organizer.id", ondelete="CASCADE"), index=True, nullable=True
    )
    event_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("event.id", ondelete="SET NULL"), index=True, nullable=True
    )
    #: The order the mail is about; a plain id until the commerce issue adds the order table.
    order_id: Mapped[int | None] = mapped_column(BigInteger().with_variant(Integer(), "sqlite"), nullable=True)
    status: Mapped[str] = mapped_column(String(16), default=MailStatus.QUEUED, index=True)
    sender: Mapped[str] = mapped_column(String(500))
    to: Mapped[list[Any]] = mapped_column(default=list)
    cc: Mapped[list[Any]] = mapped_column(default=list)
    bcc: Mapped[list[Any]] = mapped_column(default=list)
    subject: Mapped[str] = mapped_column(Text)
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str | None] = mapped_column(Text, nullable=True)
    headers: Mapped[dict[str, Any]] = mapped_column(default=dict)
    #: ``[{"filename", "content_type", "data" (base64)}]``; meant for small files (tickets, invoices).
    attachments: Mapped[list[Any]] = mapped_column(default=list)
    locale: Mapped[str | None] = mapped_column(String(16), nullable=True)
    sensitive: Mapped[bool] = mapped_column(Boolean, default=False)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created: Mapped[datetime] = mapped_column(default=_utcnow)
    sent: Mapped[datetime | None] = mapped_column(nullable=True)

    def __repr__(self) -> str:
        return f"<OutgoingMail {self.id} {self.status}>"
