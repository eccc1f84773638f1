"""Password hashing with argon2id (argon2-cffi's recommended parameters)."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

_hasher = PasswordHasher()

#: Verified against when no user matches, so a wrong e-mail costs as much time as a wrong password.
DUMMY_HASH = _hasher.hash("ticketry-dummy-password")


def hash_password(password: str) -> str:
    """An argon2id hash of ``password`` (includes salt and parameters)."""
    if not isinstance(password, str) or not password:
        raise ValueError("a password must be a non-empty string")
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> tuple[bool, str | None]:
    """Check ``password`` against ``password_hash``.

    Returns ``(ok, new_hash)``: ``new_hash`` is a fresh hash when the password is right but the
    stored hash uses outdated parameters (store it), else None. An empty or malformed hash never
    verifies.
    """
    if not password_hash or not password:
        _hasher.verify(DUMMY_HASH, "ticketry-dummy-password")
        return False, None
    try:
        _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False, None
    if _hasher.check_needs_rehash(password_hash):
        return True, _hasher.hash(password)
    return True, None
