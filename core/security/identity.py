"""The core principals (logged-in user, team API token) and the token authenticator.

Issue work adding devices or OAuth adds an :class:`~core.interfaces.security.IIdentity` class and an
:class:`~core.interfaces.security.IAuthenticator` registered with ``config.add_authenticator``;
nothing here needs to change.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from pyramid.httpexceptions import HTTPUnauthorized
from pyramid.request import Request
from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload
from zope.interface import implementer

from core.db import scopes_disabled
from core.db.tenancy import current_organizer_id
from core.interfaces.security import IAuthenticator, IIdentity
from core.models import StaffSession, TeamAPIToken, User
from core.security.evaluation import EVERYTHING, PermissionSet, team_permissions, user_permissions
from core.services.catalogue.cache import cached_objects


class AuthenticationFailed(HTTPUnauthorized):
    """A credential was presented but is not valid: 401 with pretix's ``{"detail": ...}`` body."""

    def __init__(self, detail: str = "Invalid token.", scheme: str = "Token") -> None:
        super().__init__(
            body=json.dumps({"detail": detail}),
            content_type="application/json",
            charset="utf-8",
            headers={"WWW-Authenticate": scheme},
        )


def authorization_header(request: Request) -> tuple[str, str]:
    """``(scheme in lower case, credential)`` of the ``Authorization`` header; ``("", "")`` without one."""
    scheme, _, credential = request.headers.get("Authorization", "").strip().partition(" ")
    return scheme.lower(), credential.strip()


def token_digest(token: str) -> str:
    """The stored form of an API token: SHA-256, hex."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@implementer(IIdentity)
@dataclass(frozen=True)
class UserIdentity:
    """A user logged in through the session; ``staff_session`` is set while admin mode is on."""

    user: User
    session_key: str
    staff_session: StaffSession | None = None

    kind = "user"
    csrf_exempt = False

    @property
    def userid(self) -> str:
        return f"user:{self.user.id}"

    @property
    def staff(self) -> bool:
        return self.staff_session is not None

    def permissions(self, session: Session, organizer_id: int, event_id: int | None) -> PermissionSet:
        if self.staff_session is not None:
            return EVERYTHING
        return user_permissions(session, self.user.id, organizer_id, event_id)

    def log_fields(self) -> dict[str, int]:
        return {"user_id": self.user.id}


@implementer(IIdentity)
@dataclass(frozen=True)
class TokenIdentity:
    """A team API token: exactly its team's permissions, on its team's organizer only."""

    token: TeamAPIToken

    kind = "token"
    user = None
    staff = False
    csrf_exempt = True

    @property
    def userid(self) -> str:
        return f"token:{self.token.id}"

    def permissions(self, session: Session, organizer_id: int, event_id: int | None) -> PermissionSet:
        return team_permissions(session, self.token.team, organizer_id, event_id)

    def log_fields(self) -> dict[str, int]:
        return {"api_token_id": self.token.id}


def _lookup(session: Session, digest: str) -> TeamAPIToken | None:
    with scopes_disabled():
        return session.scalar(select(TeamAPIToken).options(joinedload(TeamAPIToken.team))
                              .where(TeamAPIToken.token_hash == digest))


def _token(session: Session, digest: str) -> TeamAPIToken | None:
    """The token (with its team) of ``digest``. On an organizer's routes a token of that organizer comes from the
    process cache (:mod:`core.services.catalogue.cache`): a change of any token or team of the organizer bumps
    its version, so a revoked token is refused at the next request in every process."""
    organizer_id = current_organizer_id()
    if organizer_id is None:
        return _lookup(session, digest)
    found = cached_objects(session, "token", None, digest, lambda: [
        token for token in [_lookup(session, digest)] if token is not None and token.organizer_id == organizer_id])
    return found[0] if found else _lookup(session, digest)


@implementer(IAuthenticator)
class TokenAuthenticator:
    """``Authorization: Token <token>``: looks the token up by its SHA-256 digest."""

    schemes = ("token",)

    def authenticate(self, request: Request) -> TokenIdentity | None:
        scheme, token = authorization_header(request)
        if scheme != "token":
            return None
        if not token:
            raise AuthenticationFailed("Invalid token header. No credentials provided.")
        found = _token(request.dbsession, token_digest(token))
        if found is None or not found.active:
            raise AuthenticationFailed("Invalid token.")
        return TokenIdentity(found)
