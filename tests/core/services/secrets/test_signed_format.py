"""The signed secret format: round trip, framing, tampering, varints, and the documented worked example."""

from __future__ import annotations

import base64
import pathlib
from datetime import UTC, datetime

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from core.services.secrets.keys import public_key_text
from core.services.secrets.signed_format import (
    InvalidSignedSecret,
    TicketPayload,
    decode_uvarint,
    encode_secret,
    encode_uvarint,
    payload_bytes,
    verify_signed_secret,
)

DOC = pathlib.Path(__file__).parents[4] / "docs" / "tickets" / "signed-secrets.rst"
#: The fixed key of the worked example in the documentation (never used for real events).
EXAMPLE_KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
EXAMPLE = TicketPayload(
    seed=bytes.fromhex("0102030405060708"),
    position_id=4711,
    item_id=12,
    variation_id=None,
    subevent_id=300,
    valid_from=None,
    valid_until=datetime(2030, 6, 1, 0, 0, tzinfo=UTC),
)


def payload(**changes: object) -> TicketPayload:
    values = {**EXAMPLE.__dict__, **changes}
    return TicketPayload(**values)  # type: ignore[arg-type]


@pytest.mark.parametrize(("value", "encoded"), [
    (0, "00"), (1, "01"), (127, "7f"), (128, "8001"), (300, "ac02"), (4711, "e724"),
    (2**64 - 1, "ffffffffffffffffff01"),
])
def test_uvarint(value: int, encoded: str) -> None:
    assert encode_uvarint(value).hex() == encoded
    assert decode_uvarint(bytes.fromhex(encoded), 0) == (value, len(encoded) // 2)


def test_uvarint_range() -> None:
    with pytest.raises(ValueError, match="out of range"):
        encode_uvarint(-1)
    with pytest.raises(InvalidSignedSecret, match="too long"):
        decode_uvarint(b"\xff" * 11, 0)


def test_round_trip() -> None:
    key = Ed25519PrivateKey.generate()
    secret = encode_secret(EXAMPLE, key)
    assert verify_signed_secret(secret, key.public_key()) == EXAMPLE
    assert verify_signed_secret(secret.lower(), public_key_text(key)) == EXAMPLE
    raw_public = base64.b64decode(public_key_text(key))
    assert verify_signed_secret(secret, raw_public) == EXAMPLE


def test_secret_is_upper_case_base32_without_padding() -> None:
    secret = encode_secret(EXAMPLE, EXAMPLE_KEY)
    assert set(secret) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
    assert len(secret) <= 255


def test_sub_second_validity_is_truncated() -> None:
    key = Ed25519PrivateKey.generate()
    exact = payload(valid_from=datetime(2030, 1, 1, 10, 0, 0, 999999, tzinfo=UTC))
    parsed = verify_signed_secret(encode_secret(exact, key), key.public_key())
    assert parsed.valid_from == datetime(2030, 1, 1, 10, 0, tzinfo=UTC)


def test_another_key_is_refused() -> None:
    secret = encode_secret(EXAMPLE, EXAMPLE_KEY)
    with pytest.raises(InvalidSignedSecret, match="signature") as info:
        verify_signed_secret(secret, Ed25519PrivateKey.generate().public_key())
    assert info.value.reason == "the signature does not match the event's key"


def test_tampered_payload_is_refused() -> None:
    secret = encode_secret(EXAMPLE, EXAMPLE_KEY)
    raw = bytearray(base64.b32decode(secret + "=" * (-len(secret) % 8)))
    raw[10] ^= 0x01
    forged = base64.b32encode(bytes(raw)).decode().rstrip("=")
    with pytest.raises(InvalidSignedSecret, match="signature"):
        verify_signed_secret(forged, EXAMPLE_KEY.public_key())


@pytest.mark.parametrize(("data", "reason"), [
    (b"\x02" + bytes(14), "unknown format version 2"),
    (b"\x01" + bytes(5), "payload is truncated"),
    (b"\x01" + bytes(8) + b"\x01\x02", "payload is truncated"),
    (b"\x01" + bytes(8) + bytes(7), "payload has trailing bytes"),
    (b"\x01" + bytes(8) + bytes(5) + b"\xff" * 9 + b"\x01", "a validity date is out of range"),
])
def test_malformed_payloads_are_refused_even_when_signed(data: bytes, reason: str) -> None:
    secret = base64.b32encode(data + EXAMPLE_KEY.sign(data)).decode().rstrip("=")
    with pytest.raises(InvalidSignedSecret) as info:
        verify_signed_secret(secret, EXAMPLE_KEY.public_key())
    assert info.value.reason == reason


@pytest.mark.parametrize(("secret", "reason"), [
    ("abcdefghjkmnpqrstuvwxyz23456789a", "not base32 text"),
    ("ABCDEFGH", "too short"),
    ("not base32 at all!", "not base32 text"),
    ("", "too short"),
])
def test_garbage_is_refused(secret: str, reason: str) -> None:
    with pytest.raises(InvalidSignedSecret) as info:
        verify_signed_secret(secret, EXAMPLE_KEY.public_key())
    assert info.value.reason == reason


def test_naive_validity_is_refused() -> None:
    with pytest.raises(ValueError, match="time-zone aware"):
        payload_bytes(payload(valid_until=datetime(2030, 1, 1)))


def test_documented_worked_example() -> None:
    """The example in docs/tickets/signed-secrets.rst is exactly what the code produces."""
    data = payload_bytes(EXAMPLE)
    secret = encode_secret(EXAMPLE, EXAMPLE_KEY)
    text = DOC.read_text()
    assert public_key_text(EXAMPLE_KEY) in text
    assert data.hex(" ") in text
    assert EXAMPLE_KEY.sign(data).hex() in text.replace("\n", "").replace(" ", "")
    assert secret in text.replace("\n", "").replace(" ", "")
