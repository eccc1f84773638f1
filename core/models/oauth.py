"""OAuth 2 applications, authorization grants and the tokens issued from them (platform tables).

A grant is one authorization by one user: the scopes and the organizers the user chose. Its
``code_hash`` is the authorization code (single use, short-lived); every access and refresh token
issued from it, through any number of refreshes, keeps ``grant_id``, so the organizer limit is
read from the grant and a replayed code or refresh token can revoke the whole family. Codes,
tokens and client secrets are stored as SHA-256 digests only.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Column, ForeignKey, String, Table, Text, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db.base import Base, BigId, IdPK
from core.models.auth import User
from core.models.organizer import Organizer

oauth_grant_organizers = Table(
    "oauth_grant_organizer",
    Base.metadata,
    Column("grant_id", BigId, ForeignKey("oauth_grant.id", ondelete="CASCADE"), primary_key=True),
    Column("organizer_id", BigId, ForeignKey("organizer.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class OAuthApplication(Base):
    """A registered client: its id, a hashed secret and the redirect URIs it may use (space separated)."""

    __tablename__ = "oauth_application"
    __table_args__ = (UniqueConstraint("client_id"),)

    id: Mapped[IdPK]
    name: Mapped[str] = mapped_column(String(255))
    client_id: Mapped[str] = mapped_column(String(100))
    client_secret_hash: Mapped[str] = mapped_column(String(64))
    redirect_uris: Mapped[str] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    owner_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("user_account.id", ondelete="SET NULL"))
    created: Mapped[datetime] = mapped_column(server_default=func.now())

    @property
    def redirect_uri_list(self) -> list[str]:
        """The allowed redirect URIs, in the order they were registered (the first is the default)."""
        return self.redirect_uris.split()


class OAuthGrant(Base):
    """One user's authorization of an application: scopes, organizers and the authorization code."""

    __tablename__ = "oauth_grant"
    __table_args__ = (UniqueConstraint("code_hash"),)

    id: Mapped[IdPK]
    application_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("oauth_application.id", ondelete="CASCADE"), index=True,
    )
    user_id: Mapped[int] = mapped_column(BigId, ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    expires: Mapped[datetime]
    used: Mapped[datetime | None]
    redirect_uri: Mapped[str] = mapped_column(Text)
    scope: Mapped[str] = mapped_column(String(255))
    code_challenge: Mapped[str | None] = mapped_column(String(128))
    code_challenge_method: Mapped[str | None] = mapped_column(String(10))
    created: Mapped[datetime] = mapped_column(server_default=func.now())

    application: Mapped[OAuthApplication] = relationship()
    user: Mapped[User] = relationship()
    organizers: Mapped[list[Organizer]] = relationship(secondary=oauth_grant_organizers)


class OAuthAccessToken(Base):
    """A bearer token: valid until ``expires`` unless revoked."""

    __tablename__ = "oauth_access_token"
    __table_args__ = (UniqueConstraint("token_hash"),)

    id: Mapped[IdPK]
    grant_id: Mapped[int] = mapped_column(BigId, ForeignKey("oauth_grant.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64))
    scope: Mapped[str] = mapped_column(String(255))
    expires: Mapped[datetime]
    revoked: Mapped[datetime | None]
    created: Mapped[datetime] = mapped_column(server_default=func.now())

    grant: Mapped[OAuthGrant] = relationship()


class OAuthRefreshToken(Base):
    """Trades once for a new access and refresh token (rotation); ``expires`` None means no expiry."""

    __tablename__ = "oauth_refresh_token"
    __table_args__ = (UniqueConstraint("token_hash"),)

    id: Mapped[IdPK]
    grant_id: Mapped[int] = mapped_column(BigId, ForeignKey("oauth_grant.id", ondelete="CASCADE"), index=True)
    access_token_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("oauth_access_token.id", ondelete="SET NULL"),
    )
    token_hash: Mapped[str] = mapped_column(String(64))
    scope: Mapped[str] = mapped_column(String(255))
    expires: Mapped[datetime | None]
    revoked: Mapped[datetime | None]
    created: Mapped[datetime] = mapped_column(server_default=func.now())

    grant: Mapped[OAuthGrant] = relationship()
    access_token: Mapped[OAuthAccessToken | None] = relationship()
