"""The Ed25519 key pair of an event's signed ticket secrets, created on first use and kept in its settings.

The private key lives in the event setting ``ticket_secrets_signed_private_key`` (declared
``secret=True``: left out of ``explain()``, the settings API, forms, reprs and audit logs, and
writable by staff only). The public key lives in ``ticket_secrets_signed_public_key``; it is not a
secret, scanners need it. Both are the 32 raw key bytes in base64. Each event has its own pair,
stored on the event itself (never inherited from the organizer), so a leaked key affects one event.
Cloning an event must not copy the pair; the clone creates its own on first use.
"""

from __future__ import annotations

import base64

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core.i18n import _
from core.interfaces.scopes import IEvent
from core.settings import Setting, settings_for

PRIVATE_KEY = "ticket_secrets_signed_private_key"
PUBLIC_KEY = "ticket_secrets_signed_public_key"

KEY_SETTINGS = (
    Setting(PRIVATE_KEY, str, None, secret=True, write_permission=None,
            label=_("Private key of signed ticket codes"),
            doc=_("Created automatically; never shown. Signs the event's ticket codes.")),
    Setting(PUBLIC_KEY, str, None, write_permission=None, label=_("Public key of signed ticket codes"),
            doc=_("Created automatically. Scanners verify the event's ticket codes with it (base64 of 32 bytes).")),
)


def _raw_private(key: Ed25519PrivateKey) -> bytes:
    return key.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
                             serialization.NoEncryption())


def public_key_text(key: Ed25519PrivateKey) -> str:
    """The base64 text of the public half of ``key`` (as stored in the settings)."""
    raw = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return base64.b64encode(raw).decode("ascii")


def _stored(session: Session, event: IEvent) -> Ed25519PrivateKey | None:
    settings = settings_for(session, event)
    if not settings.is_overridden(PRIVATE_KEY):
        return None
    return Ed25519PrivateKey.from_private_bytes(base64.b64decode(settings[PRIVATE_KEY]))


def event_private_key(session: Session, event: IEvent) -> Ed25519PrivateKey:
    """The event's signing key, created and stored (in this transaction) if it has none yet.

    Two transactions creating the first key at once cannot both win: the settings table is unique
    per (event, key), the loser's insert fails inside a savepoint and it uses the winner's key.
    """
    key = _stored(session, event)
    if key is not None:
        return key
    key = Ed25519PrivateKey.generate()
    settings = settings_for(session, event)
    try:
        with session.begin_nested():
            settings.set(PRIVATE_KEY, base64.b64encode(_raw_private(key)).decode("ascii"))
            settings.set(PUBLIC_KEY, public_key_text(key))
    except IntegrityError:
        winner = _stored(session, event)
        if winner is None:
            raise
        return winner
    return key


def event_public_key(session: Session, event: IEvent) -> str:
    """The event's public key (base64 of the 32 raw bytes) for scanners; creates the pair if needed."""
    return public_key_text(event_private_key(session, event))
