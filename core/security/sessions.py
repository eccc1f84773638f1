"""Login sessions: a signed cookie, login and logout, and the session authenticator.

The session lives in a cookie signed with ``ticketry.secret_key`` (Pyramid's
``SignedCookieSessionFactory``, JSON-serialised, HttpOnly, SameSite=Lax). It expires after
``ticketry.session.max_age`` seconds without a request (3 h by default) and, whatever the
activity, :data:`ABSOLUTE_TIMEOUT` after login. It holds the user id, a random session key (which
binds staff sessions to this login), the login time, the CSRF token and an HMAC over the user's
id, e-mail, password hash and ``session_token``: changing the password or rotating
``session_token`` ends every session of the user at once.

A signed cookie cannot be revoked on the server: logout clears it in the browser, and ends admin
mode, but a copy taken before logout stays valid until it idles out. Rotate the user's
``session_token`` (:func:`core.services.users.rotate_session_token`) to end all copies.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from typing import Any

from pyramid.interfaces import ISessionFactory
from pyramid.request import Request
from pyramid.session import SignedCookieSessionFactory
from zope.interface import implementer

from core.interfaces.security import IAuthenticator
from core.models import User
from core.security.identity import UserIdentity
from core.security.staff import active_staff_session, end_staff_session

#: Sessions end this many seconds after login, whatever the activity (pretix: 12 h).
ABSOLUTE_TIMEOUT = 12 * 3600

SESSION_USER = "auth.user_id"
SESSION_HASH = "auth.hash"
SESSION_KEY = "auth.key"
SESSION_LOGIN_AT = "auth.login_at"


def make_session_factory(settings: dict[str, Any]) -> ISessionFactory:
    """The cookie session factory configured from the ``ticketry.*`` settings."""
    idle = settings["ticketry.session.max_age"]
    return SignedCookieSessionFactory(
        settings["ticketry.secret_key"],
        salt="ticketry.session.",
        cookie_name="ticketry_session",
        secure=settings["ticketry.session.secure"],
        httponly=True,
        samesite="Lax",
        timeout=idle,
        reissue_time=max(1, min(300, idle // 10)),
        hashalg="sha512",
    )


def session_auth_hash(secret: str, user: User) -> str:
    """HMAC binding a session to the user's credentials and ``session_token``."""
    message = "\0".join((str(user.id), user.email, user.password_hash or "", user.session_token))
    return hmac.new(f"ticketry.session-auth.{secret}".encode(), message.encode(), hashlib.sha256).hexdigest()


def login(request: Request, user: User) -> str:
    """Start a fresh session for ``user`` (new session key and CSRF token); return the session key."""
    session = request.session
    session.invalidate()
    key = secrets.token_urlsafe(32)
    session[SESSION_USER] = user.id
    session[SESSION_KEY] = key
    session[SESSION_LOGIN_AT] = int(time.time())
    session[SESSION_HASH] = session_auth_hash(request.registry.settings["ticketry.secret_key"], user)
    session.new_csrf_token()
    return key


def logout(request: Request) -> None:
    """End admin mode if it is on, then clear the session (a new CSRF token is issued)."""
    identity = request.identity
    if isinstance(identity, UserIdentity) and identity.staff_session is not None:
        end_staff_session(request.dbsession, identity.staff_session, user=identity.user)
    request.session.invalidate()
    request.session.new_csrf_token()


@implementer(IAuthenticator)
class SessionAuthenticator:
    """The logged-in user of the session cookie, if the session is still valid."""

    schemes: tuple[str, ...] = ()

    def authenticate(self, request: Request) -> UserIdentity | None:
        session = request.session
        user_id = session.get(SESSION_USER)
        if user_id is None:
            return None
        if time.time() - session.get(SESSION_LOGIN_AT, 0) > ABSOLUTE_TIMEOUT:
            session.invalidate()
            return None
        user = request.dbsession.get(User, user_id)
        secret = request.registry.settings["ticketry.secret_key"]
        if (
            user is None
            or not user.is_active
            or not hmac.compare_digest(str(session.get(SESSION_HASH, "")), session_auth_hash(secret, user))
        ):
            session.invalidate()
            return None
        key = session[SESSION_KEY]
        return UserIdentity(user, key, active_staff_session(request.dbsession, user, key))
