"""Random tokens of the order models: order secrets, web secrets, pseudonymization ids, random ticket secrets."""

from __future__ import annotations

import secrets

#: Lower-case letters and digits: order ``secret``, position ``web_secret``, order ``internal_secret``.
LOWER_ALNUM = "abcdefghijklmnopqrstuvwxyz0123456789"
#: Alphabet of position ``pseudonymization_id`` (no easily confused characters), as in pretix.
PSEUDONYMIZATION_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ3789"
#: Alphabet of random ticket secrets (the ``random`` secret generator).
TICKET_SECRET_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"

ORDER_SECRET_LENGTH = 16
INTERNAL_SECRET_LENGTH = 32
WEB_SECRET_LENGTH = 16
PSEUDONYMIZATION_ID_LENGTH = 10
TICKET_SECRET_LENGTH = 32


def random_token(alphabet: str, length: int) -> str:
    """``length`` characters drawn from ``alphabet`` with a cryptographically secure generator."""
    size = len(alphabet)
    if length < 1 or not 0 < size <= 256:
        raise ValueError(f"random_token needs an alphabet of 1 to 256 characters and a positive length, got "
                         f"{size} characters and length {length}")
    limit = 256 - 256 % size  # bytes at or above it are dropped, so every character is equally likely
    chosen: list[str] = []
    while len(chosen) < length:
        chosen.extend(alphabet[byte % size] for byte in secrets.token_bytes(length) if byte < limit)
    return "".join(chosen[:length])


def order_secret() -> str:
    return random_token(LOWER_ALNUM, ORDER_SECRET_LENGTH)


def internal_secret() -> str:
    return random_token(LOWER_ALNUM, INTERNAL_SECRET_LENGTH)


def web_secret() -> str:
    return random_token(LOWER_ALNUM, WEB_SECRET_LENGTH)


def pseudonymization_id() -> str:
    return random_token(PSEUDONYMIZATION_ALPHABET, PSEUDONYMIZATION_ID_LENGTH)


def ticket_secret() -> str:
    """A fresh secret of the ``random`` scheme: the default of a position until a secret generator assigns one."""
    return random_token(TICKET_SECRET_ALPHABET, TICKET_SECRET_LENGTH)
