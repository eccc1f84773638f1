"""OAuth principals: ``Authorization: Bearer <access token>`` on API requests.

A bearer token acts for the user who authorized it, with that user's team permissions, but only
on the organizers chosen at authorization. Scopes narrow it further: ``read`` allows safe
methods, ``write`` unsafe ones, ``profile`` the ``/me`` endpoint. Bearer tokens authenticate API
requests (``/api/...``) only: on other paths the header is claimed but recognises nobody, so an
OAuth client can never reach the control panel or start admin mode.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pyramid.config import Configurator
from pyramid.request import Request
from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload, selectinload
from zope.interface import implementer

from core.interfaces.security import IAuthenticator, IIdentity
from core.models import OAuthAccessToken, OAuthGrant, User
from core.security.evaluation import NOTHING, PermissionSet, user_permissions
from core.security.identity import AuthenticationFailed, authorization_header, token_digest
from core.services.oauth import OAUTH_LOG_ENTRY_TYPES

#: Paths on which bearer tokens are recognised.
API_PATH_PREFIX = "/api/"
#: The endpoint that needs the ``profile`` scope instead of ``read``.
PROFILE_PATHS = frozenset({"/me/"})
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@implementer(IIdentity)
@dataclass(frozen=True)
class BearerIdentity:
    """A valid OAuth access token: its user, the organizers it is limited to and its scopes."""

    token: OAuthAccessToken
    user: User
    organizer_ids: frozenset[int]
    scopes: frozenset[str]

    kind = "oauth"
    staff = False
    csrf_exempt = True

    @property
    def userid(self) -> str:
        return f"oauth:{self.token.id}"

    @property
    def application_id(self) -> int:
        return self.token.grant.application_id

    def permissions(self, session: Session, organizer_id: int, event_id: int | None) -> PermissionSet:
        if organizer_id not in self.organizer_ids:
            return NOTHING
        return user_permissions(session, self.user.id, organizer_id, event_id)

    def log_fields(self) -> dict[str, int]:
        return {"user_id": self.user.id, "oauth_application_id": self.application_id}

    def api_allows(self, request: Request, endpoint: Any) -> bool:
        """``profile`` for ``/me``; otherwise ``read`` for safe methods and ``write`` for the others."""
        if endpoint.path in PROFILE_PATHS:
            return "profile" in self.scopes
        needed = "read" if endpoint.method.upper() in SAFE_METHODS else "write"
        return needed in self.scopes


@implementer(IAuthenticator)
class BearerAuthenticator:
    """``Authorization: Bearer <token>`` on ``/api/`` paths: an unrevoked, unexpired OAuth access token."""

    schemes = ("bearer",)

    def authenticate(self, request: Request) -> BearerIdentity | None:
        scheme, token = authorization_header(request)
        if scheme != "bearer" or not request.path.startswith(API_PATH_PREFIX):
            return None
        if not token:
            raise AuthenticationFailed("Invalid token header. No credentials provided.", scheme="Bearer")
        found = request.dbsession.scalar(
            select(OAuthAccessToken)
            .options(
                joinedload(OAuthAccessToken.grant).options(
                    joinedload(OAuthGrant.user), joinedload(OAuthGrant.application),
                    selectinload(OAuthGrant.organizers),
                )
            )
            .where(OAuthAccessToken.token_hash == token_digest(token))
        )
        if (
            found is None
            or found.revoked is not None
            or found.expires <= datetime.now(UTC)
            or not found.grant.application.active
            or not found.grant.user.is_active
        ):
            raise AuthenticationFailed("Invalid token.", scheme="Bearer")
        grant = found.grant
        return BearerIdentity(
            found, grant.user, frozenset(o.id for o in grant.organizers), frozenset(found.scope.split()),
        )


def includeme(config: Configurator) -> None:
    for action_type, text in OAUTH_LOG_ENTRY_TYPES.items():
        config.add_log_entry_type(action_type, text)
    config.include("core.security.oauth_views")
