"""Organizers (the tenants), their teams, team members, invites and API tokens."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Boolean, Column, ForeignKey, String, Table, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column, relationship
from zope.interface import implementer

from core.db.base import Base, BigId, IdPK, TenantMixin
from core.interfaces.scopes import IOrganizer

if TYPE_CHECKING:
    from core.models.auth import User
    from core.models.event import Event


@implementer(IOrganizer)
class Organizer(Base):
    """A tenant: everything sold and every team belongs to exactly one organizer."""

    __tablename__ = "organizer"

    id: Mapped[IdPK]
    slug: Mapped[str] = mapped_column(String(50), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    created: Mapped[datetime] = mapped_column(server_default=func.now())
    #: Moves on every change of the organizer's (or the platform's) cached configuration: see core.config_cache.
    cache_version: Mapped[int] = mapped_column(server_default="0")

    @property
    def organizer_id(self) -> int:
        return self.id

    def __repr__(self) -> str:
        return f"<Organizer {self.slug}>"


team_members = Table(
    "team_member",
    Base.metadata,
    Column("team_id", BigId, ForeignKey("team.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", BigId, ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True, index=True),
)

team_limit_events = Table(
    "team_limit_event",
    Base.metadata,
    Column("team_id", BigId, ForeignKey("team.id", ondelete="CASCADE"), primary_key=True),
    Column("event_id", BigId, ForeignKey("event.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Team(TenantMixin, Base):
    """A group of users and API tokens with one set of permissions on one organizer.

    Permissions are stored as ``{"event.orders:read": true, ...}`` dicts (pretix's layout);
    ``all_*_permissions`` grants every permission of the catalogue, ``all_events`` every event.
    """

    __tablename__ = "team"

    id: Mapped[IdPK]
    name: Mapped[str] = mapped_column(String(190))
    all_events: Mapped[bool] = mapped_column(Boolean, default=False)
    all_event_permissions: Mapped[bool] = mapped_column(Boolean, default=False)
    limit_event_permissions: Mapped[dict[str, Any]] = mapped_column(default=dict)
    all_organizer_permissions: Mapped[bool] = mapped_column(Boolean, default=False)
    limit_organizer_permissions: Mapped[dict[str, Any]] = mapped_column(default=dict)
    require_2fa: Mapped[bool] = mapped_column(Boolean, default=False)

    organizer: Mapped[Organizer] = relationship()
    members: Mapped[list[User]] = relationship(secondary=team_members, back_populates="teams")
    limit_events: Mapped[list[Event]] = relationship(secondary=team_limit_events)
    tokens: Mapped[list[TeamAPIToken]] = relationship(back_populates="team", cascade="all, delete-orphan")

    def __repr__(self) -> str:
        return f"<Team {self.name!r}>"


class TeamInvite(TenantMixin, Base):
    """An open invitation to join a team, redeemed by e-mail link."""

    __tablename__ = "team_invite"

    id: Mapped[IdPK]
    team_id: Mapped[int] = mapped_column(BigId, ForeignKey("team.id", ondelete="CASCADE"), index=True)
    email: Mapped[str] = mapped_column(String(254))
    token: Mapped[str] = mapped_column(String(64), unique=True)

    team: Mapped[Team] = relationship()


class TeamAPIToken(TenantMixin, Base):
    """A bearer token that acts with exactly its team's permissions on its team's organizer.

    Only a SHA-256 digest of the token is stored; the token itself is shown once, at creation.
    """

    __tablename__ = "team_api_token"
    __table_args__ = (UniqueConstraint("token_hash"),)

    id: Mapped[IdPK]
    team_id: Mapped[int] = mapped_column(BigId, ForeignKey("team.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(190))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    token_hash: Mapped[str] = mapped_column(String(64))
    created: Mapped[datetime] = mapped_column(server_default=func.now())

    team: Mapped[Team] = relationship(back_populates="tokens")
