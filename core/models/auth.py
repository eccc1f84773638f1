"""Platform users and staff (admin mode) sessions with their audit trail."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import Boolean, ForeignKey, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db.base import Base, BigId, IdPK
from core.models.organizer import team_members

if TYPE_CHECKING:
    from core.models.organizer import Team


class User(Base):
    """A person who logs in to the control panel. Users are global; teams give them organizers."""

    __tablename__ = "user_account"

    id: Mapped[IdPK]
    email: Mapped[str] = mapped_column(String(254), unique=True)
    fullname: Mapped[str | None] = mapped_column(String(255))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    is_staff: Mapped[bool] = mapped_column(Boolean, default=False)
    needs_password_change: Mapped[bool] = mapped_column(Boolean, default=False)
    locale: Mapped[str] = mapped_column(String(50), default="en")
    timezone: Mapped[str] = mapped_column(String(100), default="UTC")
    session_token: Mapped[str] = mapped_column(String(32))
    date_joined: Mapped[datetime] = mapped_column(server_default=func.now())

    teams: Mapped[list[Team]] = relationship(secondary=team_members, back_populates="members")

    def __repr__(self) -> str:
        return f"<User {self.email}>"


class StaffSession(Base):
    """A period in which a staff user holds every permission ("admin mode"); always audited."""

    __tablename__ = "staff_session"

    id: Mapped[IdPK]
    user_id: Mapped[int] = mapped_column(BigId, ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    session_key: Mapped[str] = mapped_column(String(64), index=True)
    date_start: Mapped[datetime] = mapped_column(server_default=func.now())
    date_end: Mapped[datetime | None]
    comment: Mapped[str | None] = mapped_column(Text)

    user: Mapped[User] = relationship()
    audit: Mapped[list[StaffSessionAuditLog]] = relationship(
        back_populates="session", cascade="all, delete-orphan", order_by="StaffSessionAuditLog.id"
    )


class StaffSessionAuditLog(Base):
    """One request made during a staff session."""

    __tablename__ = "staff_session_audit"

    id: Mapped[IdPK]
    session_id: Mapped[int] = mapped_column(BigId, ForeignKey("staff_session.id", ondelete="CASCADE"), index=True)
    datetime: Mapped[datetime] = mapped_column(server_default=func.now())
    url: Mapped[str] = mapped_column(String(2000))
    method: Mapped[str] = mapped_column(String(10))
    impersonating_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("user_account.id", ondelete="SET NULL"))

    session: Mapped[StaffSession] = relationship(back_populates="audit")
