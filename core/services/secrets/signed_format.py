"""The byte format of signed ticket secrets (version 1): encode, sign, decode and verify.

Scanners verify a secret offline with nothing but the event's public key; the exact layout is
documented for them in ``docs/tickets/signed-secrets.rst``. In short::

    secret    = base32(payload || signature), RFC 4648 upper-case alphabet, "=" padding removed
    payload   = version (1 byte, 0x01) || seed (8 random bytes)
                || uvarint(position id) || uvarint(item id) || uvarint(variation id)
                || uvarint(subevent id) || uvarint(valid_from) || uvarint(valid_until)
    signature = Ed25519(private key, payload), 64 bytes

Ids are 0 when absent (no variation, no date of a series, position not yet stored); validity is
Unix seconds (UTC), 0 when unbounded. ``uvarint`` is the unsigned LEB128 varint of Protocol Buffers.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

VERSION = 1
SEED_LENGTH = 8
SIGNATURE_LENGTH = 64
#: A uvarint of a 64-bit number never needs more bytes than this.
MAX_VARINT_LENGTH = 10
_FIELDS = ("position_id", "item_id", "variation_id", "subevent_id", "valid_from", "valid_until")


class InvalidSignedSecret(ValueError):
    """A string is not a valid signed secret of the given key; ``reason`` says why (for scanner logs)."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"not a valid signed ticket secret: {reason}")
        self.reason = reason


@dataclass(frozen=True)
class TicketPayload:
    """What a signed secret says about its ticket. Ids are None when absent; validity is UTC or None."""

    seed: bytes
    position_id: int | None
    item_id: int
    variation_id: int | None
    subevent_id: int | None
    valid_from: datetime | None
    valid_until: datetime | None
    version: int = VERSION

    def matches(self, position: Any) -> bool:
        """Whether this payload still describes ``position`` (a payload without position id fits any id)."""
        return (
            (self.position_id is None or self.position_id == position.id)
            and self.item_id == position.item_id
            and self.variation_id == position.variation_id
            and self.subevent_id == position.subevent_id
            and self.valid_from == _whole_seconds(position.valid_from)
            and self.valid_until == _whole_seconds(position.valid_until)
        )


def _whole_seconds(value: datetime | None) -> datetime | None:
    return None if value is None else datetime.fromtimestamp(_timestamp(value), UTC)


def _timestamp(value: datetime | None) -> int:
    if value is None:
        return 0
    if value.tzinfo is None:
        raise ValueError(f"ticket validity needs a time-zone aware datetime, got {value.isoformat()}")
    return int(value.timestamp())


def encode_uvarint(value: int) -> bytes:
    """``value`` (0 <= value < 2**64) as an unsigned LEB128 varint: 7 bits per byte, low bits first."""
    if not 0 <= value < 2**64:
        raise ValueError(f"uvarint out of range: {value}")
    out = bytearray()
    while True:
        low, value = value & 0x7F, value >> 7
        if value:
            out.append(low | 0x80)
        else:
            out.append(low)
            return bytes(out)


def decode_uvarint(data: bytes, offset: int) -> tuple[int, int]:
    """``(value, next offset)`` of the uvarint at ``offset``; raises :class:`InvalidSignedSecret`."""
    value = 0
    for index in range(MAX_VARINT_LENGTH):
        if offset + index >= len(data):
            raise InvalidSignedSecret("payload is truncated")
        byte = data[offset + index]
        value |= (byte & 0x7F) << (7 * index)
        if not byte & 0x80:
            return value, offset + index + 1
    raise InvalidSignedSecret("a number in the payload is too long")


def payload_bytes(payload: TicketPayload) -> bytes:
    """The signed bytes of ``payload`` (version, seed, six uvarints)."""
    if len(payload.seed) != SEED_LENGTH:
        raise ValueError(f"the seed has {SEED_LENGTH} bytes, not {len(payload.seed)}")
    numbers = (
        payload.position_id or 0, payload.item_id, payload.variation_id or 0, payload.subevent_id or 0,
        _timestamp(payload.valid_from), _timestamp(payload.valid_until),
    )
    return bytes([payload.version]) + payload.seed + b"".join(encode_uvarint(n) for n in numbers)


def encode_secret(payload: TicketPayload, private_key: Ed25519PrivateKey) -> str:
    """The secret string of ``payload`` signed with ``private_key``."""
    data = payload_bytes(payload)
    return base64.b32encode(data + private_key.sign(data)).decode("ascii").rstrip("=")


def parse_payload(data: bytes) -> TicketPayload:
    """The fields of the payload bytes ``data`` (signature already removed and checked)."""
    if not data:
        raise InvalidSignedSecret("payload is empty")
    if data[0] != VERSION:
        raise InvalidSignedSecret(f"unknown format version {data[0]}")
    if len(data) < 1 + SEED_LENGTH:
        raise InvalidSignedSecret("payload is truncated")
    offset = 1 + SEED_LENGTH
    numbers = []
    for _field in _FIELDS:
        value, offset = decode_uvarint(data, offset)
        numbers.append(value)
    if offset != len(data):
        raise InvalidSignedSecret("payload has trailing bytes")
    position_id, item_id, variation_id, subevent_id, valid_from, valid_until = numbers
    return TicketPayload(
        seed=data[1:1 + SEED_LENGTH],
        position_id=position_id or None,
        item_id=item_id,
        variation_id=variation_id or None,
        subevent_id=subevent_id or None,
        valid_from=_from_timestamp(valid_from),
        valid_until=_from_timestamp(valid_until),
        version=data[0],
    )


def _from_timestamp(value: int) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromtimestamp(value, UTC)
    except (OverflowError, OSError, ValueError):
        raise InvalidSignedSecret("a validity date is out of range") from None


def load_public_key(public_key: Ed25519PublicKey | bytes | str) -> Ed25519PublicKey:
    """An Ed25519 public key from itself, its 32 raw bytes, or those bytes in base64 (as in the settings)."""
    if isinstance(public_key, Ed25519PublicKey):
        return public_key
    raw = base64.b64decode(public_key, validate=True) if isinstance(public_key, str) else public_key
    return Ed25519PublicKey.from_public_bytes(raw)


def decode_secret(secret: str) -> tuple[bytes, bytes]:
    """``(payload bytes, signature)`` of ``secret`` without checking anything but the framing."""
    text = secret.strip().upper()
    try:
        raw = base64.b32decode(text + "=" * (-len(text) % 8))
    except (binascii.Error, ValueError):
        raise InvalidSignedSecret("not base32 text") from None
    if len(raw) <= SIGNATURE_LENGTH:
        raise InvalidSignedSecret("too short")
    return raw[:-SIGNATURE_LENGTH], raw[-SIGNATURE_LENGTH:]


def verify_signed_secret(secret: str, public_key: Ed25519PublicKey | bytes | str) -> TicketPayload:
    """The payload of ``secret`` if ``public_key`` signed it; else :class:`InvalidSignedSecret`.

    This is all an offline scanner needs (plus the revocation and block lists it syncs). Lower-case
    input is accepted, as keyboard-wedge scanners and people sometimes produce it.
    """
    data, signature = decode_secret(secret)
    try:
        load_public_key(public_key).verify(signature, data)
    except InvalidSignature:
        raise InvalidSignedSecret("the signature does not match the event's key") from None
    return parse_payload(data)
