"""OAuth 2 authorization code flow (RFC 6749 section 4.1) with refresh rotation, revocation (RFC 7009), PKCE.

* :func:`create_application` registers a client (``client_id`` + a secret shown once).
* :func:`create_grant` records a user's consent (scopes, organizers) and returns the single-use code.
* :func:`exchange_code` and :func:`refresh` answer the token endpoint with RFC 6749's JSON; both
  issue an access token (valid :data:`ACCESS_TOKEN_LIFETIME`) and a refresh token. A refresh
  token is used once: refreshing revokes it and its access token. Presenting a used code or a
  used refresh token again revokes every token of that grant (a stolen credential is being replayed).
* :func:`revoke_token` revokes an access token, or a refresh token together with its access token.

Failures raise :class:`OAuthError` carrying RFC 6749's error code. A replay revokes tokens before
raising, so the caller must answer the error *and commit* (the token endpoint returns the error
response instead of raising). Codes, tokens and secrets are stored as SHA-256 digests only.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from core.logs import log_action
from core.models import OAuthAccessToken, OAuthApplication, OAuthGrant, OAuthRefreshToken, Organizer, User
from core.security.identity import token_digest

SCOPES = ("read", "write", "profile")
DEFAULT_SCOPE = "read write"
ACCESS_TOKEN_LIFETIME = timedelta(days=1)
CODE_LIFETIME = timedelta(minutes=10)
PKCE_METHODS = ("S256", "plain")

#: Audit log types of OAuth.
OAUTH_LOG_ENTRY_TYPES: dict[str, str] = {
    "pretix.oauth.application.created": 'The OAuth application "{name}" has been created.',
    "pretix.user.oauth.authorized": 'The application "{application}" has been authorized ({scope}).',
}


class OAuthError(Exception):
    """An RFC 6749 error: ``error`` code (``invalid_grant``, ...), a description and the HTTP status."""

    def __init__(self, error: str, description: str, status: int = 400) -> None:
        super().__init__(description)
        self.error = error
        self.description = description
        self.status = status

    def body(self) -> dict[str, str]:
        return {"error": self.error, "error_description": self.description}


def _now() -> datetime:
    return datetime.now(UTC)


def _token() -> str:
    return secrets.token_urlsafe(32)


def _check_redirect_uri(uri: str) -> str:
    parts = urlsplit(uri)
    if not parts.scheme or not parts.netloc or parts.fragment:
        raise ValueError(f"redirect URI {uri!r} must be an absolute URL without a fragment")
    return uri


def create_application(
    session: Session, name: str, redirect_uris: Sequence[str], *, owner: User | None = None,
) -> tuple[OAuthApplication, str]:
    """Register a client; returns it with the plaintext client secret (shown once, stored hashed)."""
    if not name or not name.strip():
        raise ValueError("an OAuth application needs a name")
    uris = [_check_redirect_uri(u.strip()) for u in redirect_uris if u.strip()]
    if not uris:
        raise ValueError("an OAuth application needs at least one redirect URI")
    secret = secrets.token_urlsafe(48)
    app = OAuthApplication(
        name=name.strip(), client_id=secrets.token_urlsafe(30), client_secret_hash=token_digest(secret),
        redirect_uris=" ".join(uris), active=True, owner_id=owner.id if owner is not None else None,
    )
    session.add(app)
    session.flush()
    log_action(app, "pretix.oauth.application.created", {"name": app.name, "redirect_uris": uris}, user=owner)
    return app, secret


def find_application(session: Session, client_id: str) -> OAuthApplication | None:
    """The active application with ``client_id``, or None."""
    if not client_id:
        return None
    app = session.scalar(select(OAuthApplication).where(OAuthApplication.client_id == client_id))
    return app if app is not None and app.active else None


def authenticate_client(session: Session, client_id: str, client_secret: str) -> OAuthApplication:
    """The application whose id and secret match; ``invalid_client`` (401) otherwise."""
    app = find_application(session, client_id)
    if app is None or not hmac.compare_digest(app.client_secret_hash, token_digest(client_secret or "")):
        raise OAuthError("invalid_client", "Client authentication failed.", status=401)
    return app


def parse_scope(scope: str | None) -> str:
    """A normalised scope string (known scopes, space separated, in :data:`SCOPES` order); ``invalid_scope``."""
    requested = (scope or DEFAULT_SCOPE).split()
    unknown = sorted(set(requested) - set(SCOPES))
    if unknown or not requested:
        raise OAuthError("invalid_scope", f"Unknown scope: {' '.join(unknown)}." if unknown else "Empty scope.")
    return " ".join(s for s in SCOPES if s in requested)


def resolve_redirect_uri(app: OAuthApplication, redirect_uri: str | None) -> str:
    """The URI to send the user back to: ``redirect_uri`` if registered (exact match), else the first one."""
    if not redirect_uri:
        return app.redirect_uri_list[0]
    if redirect_uri not in app.redirect_uri_list:
        raise OAuthError("invalid_request", "Mismatching redirect URI.")
    return redirect_uri


def check_pkce_request(challenge: str | None, method: str | None) -> tuple[str | None, str | None]:
    """Validate the PKCE parameters of an authorization request; ``(challenge, method)`` or ``(None, None)``."""
    if not challenge:
        if method:
            raise OAuthError("invalid_request", "code_challenge_method without code_challenge.")
        return None, None
    method = method or "plain"
    if method not in PKCE_METHODS:
        raise OAuthError("invalid_request", "Unsupported code_challenge_method.")
    if not 43 <= len(challenge) <= 128:
        raise OAuthError("invalid_request", "code_challenge must have 43 to 128 characters.")
    return challenge, method


def create_grant(
    session: Session, app: OAuthApplication, user: User, *, redirect_uri: str, scope: str,
    organizers: Sequence[Organizer], code_challenge: str | None = None, code_challenge_method: str | None = None,
) -> tuple[OAuthGrant, str]:
    """Record the user's consent; returns the grant and its authorization code (plaintext, single use).

    ``redirect_uri`` is the value the client sent ("" when it sent none): the token request must
    repeat it exactly. ``organizers`` must be non-empty; checking that the user may act on them is
    the caller's job.
    """
    if not organizers:
        raise OAuthError("invalid_request", "At least one organizer must be chosen.")
    code = _token()
    grant = OAuthGrant(
        application_id=app.id, user_id=user.id, code_hash=token_digest(code), expires=_now() + CODE_LIFETIME,
        redirect_uri=redirect_uri, scope=parse_scope(scope), organizers=list(organizers),
        code_challenge=code_challenge, code_challenge_method=code_challenge_method,
    )
    session.add(grant)
    session.flush()
    log_action(user, "pretix.user.oauth.authorized", {
        "application": app.name, "application_id": app.id, "scope": grant.scope,
        "organizers": sorted(o.slug for o in organizers),
    }, user=user)
    return grant, code


def _verify_pkce(grant: OAuthGrant, verifier: str | None) -> None:
    if grant.code_challenge is None:
        return
    if not verifier:
        raise OAuthError("invalid_grant", "Missing code_verifier.")
    if grant.code_challenge_method == "S256":
        digest = hashlib.sha256(verifier.encode("ascii", "replace")).digest()
        computed = base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")
    else:
        computed = verifier
    if not hmac.compare_digest(computed, grant.code_challenge):
        raise OAuthError("invalid_grant", "Invalid code_verifier.")


def revoke_grant_tokens(session: Session, grant_id: int) -> None:
    """Revoke every access and refresh token issued from the grant."""
    now = _now()
    for model in (OAuthAccessToken, OAuthRefreshToken):
        session.execute(
            update(model).where(model.grant_id == grant_id, model.revoked.is_(None)).values(revoked=now)
        )


def _issue(session: Session, grant: OAuthGrant, scope: str) -> dict[str, Any]:
    access, refresh_plain = _token(), _token()
    access_token = OAuthAccessToken(
        grant_id=grant.id, token_hash=token_digest(access), scope=scope, expires=_now() + ACCESS_TOKEN_LIFETIME,
    )
    session.add(access_token)
    session.flush()
    session.add(OAuthRefreshToken(
        grant_id=grant.id, access_token_id=access_token.id, token_hash=token_digest(refresh_plain), scope=scope,
    ))
    session.flush()
    return {
        "access_token": access, "expires_in": int(ACCESS_TOKEN_LIFETIME.total_seconds()), "token_type": "Bearer",
        "scope": scope, "refresh_token": refresh_plain,
    }


def _usable(grant: OAuthGrant) -> bool:
    return grant.application.active and grant.user.is_active


def exchange_code(
    session: Session, app: OAuthApplication, code: str, redirect_uri: str | None, code_verifier: str | None = None,
) -> dict[str, Any]:
    """``grant_type=authorization_code``: the token response for a valid, unused, unexpired code of ``app``."""
    grant = session.scalar(select(OAuthGrant).where(OAuthGrant.code_hash == token_digest(code or "")))
    if grant is None or grant.application_id != app.id:
        raise OAuthError("invalid_grant", "Invalid authorization code.")
    if grant.used is not None:
        revoke_grant_tokens(session, grant.id)
        raise OAuthError("invalid_grant", "The authorization code has already been used.")
    if grant.expires <= _now() or not _usable(grant):
        raise OAuthError("invalid_grant", "The authorization code has expired.")
    if (redirect_uri or "") != grant.redirect_uri:
        raise OAuthError("invalid_grant", "Mismatching redirect URI.")
    _verify_pkce(grant, code_verifier)
    claimed = session.execute(
        update(OAuthGrant).where(OAuthGrant.id == grant.id, OAuthGrant.used.is_(None)).values(used=_now())
    ).rowcount
    if claimed != 1:
        raise OAuthError("invalid_grant", "The authorization code has already been used.")
    return _issue(session, grant, grant.scope)


def refresh(session: Session, app: OAuthApplication, refresh_token: str, scope: str | None = None) -> dict[str, Any]:
    """``grant_type=refresh_token``: rotate the refresh token; ``scope`` may only narrow the granted one."""
    found = session.scalar(
        select(OAuthRefreshToken).where(OAuthRefreshToken.token_hash == token_digest(refresh_token or ""))
    )
    if found is None or found.grant.application_id != app.id:
        raise OAuthError("invalid_grant", "Invalid refresh token.")
    if found.revoked is not None:
        revoke_grant_tokens(session, found.grant_id)
        raise OAuthError("invalid_grant", "The refresh token has already been used or was revoked.")
    if (found.expires is not None and found.expires <= _now()) or not _usable(found.grant):
        raise OAuthError("invalid_grant", "The refresh token has expired.")
    new_scope = found.scope
    if scope:
        new_scope = parse_scope(scope)
        if not set(new_scope.split()) <= set(found.scope.split()):
            raise OAuthError("invalid_scope", "The requested scope exceeds the granted scope.")
    now = _now()
    claimed = session.execute(
        update(OAuthRefreshToken).where(OAuthRefreshToken.id == found.id, OAuthRefreshToken.revoked.is_(None))
        .values(revoked=now)
    ).rowcount
    if claimed != 1:
        raise OAuthError("invalid_grant", "The refresh token has already been used or was revoked.")
    if found.access_token_id is not None:
        _revoke_access(session, found.access_token_id, now)
    return _issue(session, found.grant, new_scope)


def _revoke_access(session: Session, access_token_id: int, now: datetime) -> None:
    session.execute(
        update(OAuthAccessToken).where(OAuthAccessToken.id == access_token_id, OAuthAccessToken.revoked.is_(None))
        .values(revoked=now)
    )


def revoke_token(session: Session, app: OAuthApplication, token: str, hint: str | None = None) -> None:
    """RFC 7009: revoke ``token`` if it is one of ``app``'s; unknown tokens are silently ignored.

    A refresh token takes its access token along; an access token alone leaves the refresh token usable.
    """
    digest = token_digest(token or "")
    now = _now()
    order = (OAuthRefreshToken, OAuthAccessToken) if hint != "access_token" else (OAuthAccessToken, OAuthRefreshToken)
    for model in order:
        found = session.scalar(select(model).where(model.token_hash == digest))
        if found is None or found.grant.application_id != app.id:
            continue
        if found.revoked is None:
            found.revoked = now
        if isinstance(found, OAuthRefreshToken) and found.access_token_id is not None:
            _revoke_access(session, found.access_token_id, now)
        session.flush()
        return
