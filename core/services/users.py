"""User accounts: creation, passwords, authentication, ending all sessions."""

from __future__ import annotations

import re
import secrets
import string

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.logs import log_action
from core.models import User
from core.security.passwords import hash_password, verify_password

_EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_TOKEN_ALPHABET = string.ascii_lowercase + string.digits


def normalize_email(email: str) -> str:
    """``email`` stripped and lower-cased; raises ValueError when it does not look like an address."""
    cleaned = (email or "").strip().lower()
    if not _EMAIL_RE.match(cleaned):
        raise ValueError(f"{email!r} is not a valid e-mail address")
    return cleaned


def new_session_token() -> str:
    """A random 32-character ``session_token``."""
    return "".join(secrets.choice(_TOKEN_ALPHABET) for _ in range(32))


def find_user(session: Session, email: str) -> User | None:
    """The user with this e-mail address (case-insensitive), or None."""
    return session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))


def create_user(
    session: Session, email: str, password: str | None = None, *, fullname: str | None = None,
    is_staff: bool = False, locale: str = "en", actor: User | None = None,
) -> User:
    """Create a user (without a password the account cannot log in until one is set)."""
    email = normalize_email(email)
    if find_user(session, email) is not None:
        raise ValueError(f"a user with the e-mail address {email!r} already exists")
    user = User(
        email=email,
        fullname=fullname,
        password_hash=hash_password(password) if password else None,
        is_staff=is_staff,
        locale=locale,
        session_token=new_session_token(),
    )
    session.add(user)
    session.flush()
    log_action(user, "pretix.user.created", {"email": email, "is_staff": is_staff}, user=actor)
    return user


def set_password(session: Session, user: User, password: str, *, actor: User | None = None) -> None:
    """Store a new password hash; this ends the user's other sessions (the session hash covers it)."""
    user.password_hash = hash_password(password)
    user.needs_password_change = False
    session.flush()
    log_action(user, "pretix.user.password.changed", {}, user=actor or user)


def rotate_session_token(session: Session, user: User, *, actor: User | None = None) -> None:
    """Log the user out everywhere by giving them a new ``session_token``."""
    user.session_token = new_session_token()
    session.flush()
    log_action(user, "pretix.user.sessions.ended", {}, user=actor or user)


def authenticate(session: Session, email: str, password: str) -> User | None:
    """The active user with this e-mail and password, or None (same cost whether or not the e-mail exists).

    An outdated password hash is upgraded on success.
    """
    user = find_user(session, email or "")
    if user is None or not user.is_active:
        verify_password(None, password)
        return None
    ok, new_hash = verify_password(user.password_hash, password)
    if not ok:
        return None
    if new_hash is not None:
        user.password_hash = new_hash
    return user
