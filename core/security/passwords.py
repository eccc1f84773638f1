"""Password hashing with argon2id (argon2-cffi's recommended parameters)."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

_DUMMY_PASSWORD = "ticketry-dummy-password"


class _State:
    hasher = PasswordHasher()
    dummy_hash: str | None = None


def use_hasher(hasher: PasswordHasher) -> PasswordHasher:
    """Hash new passwords with ``hasher`` from now on; returns the previous one.

    For test suites, which want cheap parameters. Stored hashes keep verifying (their parameters
    are part of the hash) and are re-hashed with the new parameters at the next successful login.
    """
    previous, _State.hasher, _State.dummy_hash = _State.hasher, hasher, None
    return previous


def _dummy_hash() -> str:
    if _State.dummy_hash is None:
        _State.dummy_hash = _State.hasher.hash(_DUMMY_PASSWORD)
    return _State.dummy_hash


def hash_password(password: str) -> str:
    """An argon2id hash of ``password`` (includes salt and parameters)."""
    if not isinstance(password, str) or not password:
        raise ValueError("a password must be a non-empty string")
    return _State.hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> tuple[bool, str | None]:
    """Check ``password`` against ``password_hash``.

    Returns ``(ok, new_hash)``: ``new_hash`` is a fresh hash when the password is right but the
    stored hash uses other parameters than the current hasher (store it), else None. An empty or
    malformed hash never verifies; checking against no hash costs as much time as a real check,
    so callers can hide whether an account exists.
    """
    hasher = _State.hasher
    if not password_hash or not password:
        hasher.verify(_dummy_hash(), _DUMMY_PASSWORD)
        return False, None
    try:
        hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False, None
    if hasher.check_needs_rehash(password_hash):
        return True, hasher.hash(password)
    return True, None
