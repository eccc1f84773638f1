"""Webhooks: an organizer's URLs told about audit log actions, their delivery log and pending retries."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import BigInteger, Boolean, Column, Float, ForeignKey, Index, Integer, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db.base import Base, BigId, IdPK, TenantMixin
from core.models.position_base import utcnow

if TYPE_CHECKING:
    from core.models.event import Event

webhook_limit_events = Table(
    "webhook_limit_event",
    Base.metadata,
    Column("webhook_id", BigId, ForeignKey("webhook.id", ondelete="CASCADE"), primary_key=True),
    Column("event_id", BigId, ForeignKey("event.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Webhook(TenantMixin, Base):
    """A URL of an organizer that receives a POST for every matching audit log action.

    ``action_types`` lists the webhook event types it listens to (pretix's names, e.g.
    ``pretix.event.order.paid`` or the wildcard ``pretix.event.order.changed.*``). With
    ``all_events`` false only actions of the events in ``limit_events`` are sent (actions without
    an event, e.g. on vouchers of a deleted event, are then never sent). ``secret`` keys the
    HMAC-SHA256 signature of every delivery; it is stored as is because signing needs it, and the
    API shows it only in the answer that created or rotated it.
    """

    __tablename__ = "webhook"

    id: Mapped[IdPK]
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    target_url: Mapped[str] = mapped_column(String(255))
    all_events: Mapped[bool] = mapped_column(Boolean, default=True)
    action_types: Mapped[list[Any]] = mapped_column(default=list)
    comment: Mapped[str | None] = mapped_column(Text)
    secret: Mapped[str] = mapped_column(String(64))
    created: Mapped[datetime] = mapped_column(default=utcnow)

    limit_events: Mapped[list[Event]] = relationship(secondary=webhook_limit_events)

    def __repr__(self) -> str:
        return f"<Webhook {self.id} {self.target_url}>"


class WebhookCall(TenantMixin, Base):
    """One delivery attempt of a webhook: what was sent where, and what came back.

    ``return_code`` is the HTTP status, 0 when no answer arrived (connection error, timeout);
    ``success`` means a 2xx answer. ``response_body`` keeps the first
    :data:`RESPONSE_BODY_LIMIT` characters. ``notification_id`` is the audit log entry that caused
    the call. Calls are purged after 30 days.
    """

    __tablename__ = "webhook_call"
    __table_args__ = (Index("ix_webhook_call_webhook_datetime", "webhook_id", "datetime"),)

    RESPONSE_BODY_LIMIT = 1024

    id: Mapped[IdPK]
    webhook_id: Mapped[int] = mapped_column(BigId, ForeignKey("webhook.id", ondelete="CASCADE"))
    datetime: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    target_url: Mapped[str] = mapped_column(String(255))
    action_type: Mapped[str] = mapped_column(String(255))
    notification_id: Mapped[int | None] = mapped_column(BigInteger)
    payload: Mapped[str] = mapped_column(Text)
    is_retry: Mapped[bool] = mapped_column(Boolean, default=False)
    execution_time: Mapped[float | None] = mapped_column(Float)
    return_code: Mapped[int] = mapped_column(Integer, default=0)
    success: Mapped[bool] = mapped_column(Boolean, default=False)
    response_body: Mapped[str | None] = mapped_column(Text)


class WebhookRetry(TenantMixin, Base):
    """A failed delivery waiting for its next attempt (delays of 5 minutes and more).

    Shorter delays are scheduled on the task queue directly; longer ones wait here until the
    periodic retry task finds ``retry_not_before`` has passed. ``attempt`` is the number of
    attempts already made.
    """

    __tablename__ = "webhook_retry"

    id: Mapped[IdPK]
    webhook_id: Mapped[int] = mapped_column(BigId, ForeignKey("webhook.id", ondelete="CASCADE"), index=True)
    action_type: Mapped[str] = mapped_column(String(255))
    notification_id: Mapped[int | None] = mapped_column(BigInteger)
    payload: Mapped[str] = mapped_column(Text)
    attempt: Mapped[int] = mapped_column(Integer)
    retry_not_before: Mapped[datetime] = mapped_column(index=True)
