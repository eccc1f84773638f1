"""Devices (scanners, box-office apps) that talk to the API with their own credential, and gates.

A device is created by a user with an ``initialization_token``; the app trades that token once for
an API token (``POST /api/v1/device/initialize``). Only a SHA-256 digest of the API token is
stored, as for team tokens: the plaintext is shown once, at initialization and at each roll.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, Column, ForeignKey, Integer, String, Table, Text, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db.base import Base, BigId, IdPK, TenantMixin
from core.models.event import Event
from core.models.organizer import Organizer

device_limit_events = Table(
    "device_limit_event",
    Base.metadata,
    Column("device_id", BigId, ForeignKey("device.id", ondelete="CASCADE"), primary_key=True),
    Column("event_id", BigId, ForeignKey("event.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Gate(TenantMixin, Base):
    """An entrance of an organizer's venues; devices may be assigned to one."""

    __tablename__ = "gate"
    __table_args__ = (UniqueConstraint("organizer_id", "identifier"),)

    id: Mapped[IdPK]
    name: Mapped[str] = mapped_column(String(190))
    identifier: Mapped[str] = mapped_column(String(190))


class Device(TenantMixin, Base):
    """A device of one organizer: its identification, its access limits and its API credential.

    ``device_id`` counts per organizer (the number the API uses); ``api_token_hash`` is None until
    the device is initialized. ``last_seen`` is bookkeeping, written at most every 10 seconds.
    """

    __tablename__ = "device"
    __table_args__ = (
        UniqueConstraint("organizer_id", "device_id"),
        UniqueConstraint("unique_serial"),
        UniqueConstraint("initialization_token"),
        UniqueConstraint("api_token_hash"),
    )

    id: Mapped[IdPK]
    device_id: Mapped[int] = mapped_column(Integer)
    unique_serial: Mapped[str] = mapped_column(String(190))
    initialization_token: Mapped[str] = mapped_column(String(190))
    api_token_hash: Mapped[str | None] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(190))
    gate_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("gate.id", ondelete="SET NULL"))
    all_events: Mapped[bool] = mapped_column(Boolean, default=False)
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)
    created: Mapped[datetime] = mapped_column(server_default=func.now())
    initialized: Mapped[datetime | None]
    last_seen: Mapped[datetime | None]
    hardware_brand: Mapped[str | None] = mapped_column(String(190))
    hardware_model: Mapped[str | None] = mapped_column(String(190))
    os_name: Mapped[str | None] = mapped_column(String(190))
    os_version: Mapped[str | None] = mapped_column(String(190))
    software_brand: Mapped[str | None] = mapped_column(String(190))
    software_version: Mapped[str | None] = mapped_column(String(190))
    security_profile: Mapped[str] = mapped_column(String(190), default="full")
    rsa_pubkey: Mapped[str | None] = mapped_column(Text)
    info: Mapped[dict[str, Any] | None]

    organizer: Mapped[Organizer] = relationship()
    gate: Mapped[Gate | None] = relationship()
    limit_events: Mapped[list[Event]] = relationship(secondary=device_limit_events)

    def __repr__(self) -> str:
        return f"<Device {self.device_id} {self.name!r}>"
