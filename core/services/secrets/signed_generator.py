"""The ``signed`` ticket secret generator: Ed25519-signed codes that scanners verify offline."""

from __future__ import annotations

import secrets
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy.orm import object_session
from zope.interface import implementer

from core.i18n import _
from core.interfaces.scopes import IEvent
from core.interfaces.secrets import ITicketSecretGenerator
from core.services.secrets.keys import event_private_key
from core.services.secrets.signed_format import (
    SEED_LENGTH,
    InvalidSignedSecret,
    TicketPayload,
    encode_secret,
    verify_signed_secret,
)


@implementer(ITicketSecretGenerator)
class SignedSecretGenerator:
    """Secrets in the format of :mod:`core.services.secrets.signed_format`, signed with the event's key.

    A secret is kept while it still describes the position (same position, product, variation, date
    and validity) and verifies with the event's key; otherwise a new one is made and the old one
    goes on the revocation list.
    """

    identifier = "signed"
    verbose_name = _("Signed codes, verifiable offline")
    use_revocation_list = True

    def __init__(self, event: IEvent) -> None:
        self.event = event
        self._key: Ed25519PrivateKey | None = None

    def _private_key(self) -> Ed25519PrivateKey:
        if self._key is None:
            self._key = event_private_key(object_session(self.event), self.event)
        return self._key

    def parse_secret(self, secret: str) -> TicketPayload | None:
        """The payload of ``secret`` if the event's key signed it, else None."""
        try:
            return verify_signed_secret(secret, self._private_key().public_key())
        except InvalidSignedSecret:
            return None

    def generate_secret(
        self, position: Any, *, current_secret: str | None = None, force_invalidate: bool = False
    ) -> str:
        key = self._private_key()
        if current_secret and not force_invalidate:
            payload = self.parse_secret(current_secret)
            if payload is not None and payload.matches(position):
                return current_secret
        payload = TicketPayload(
            seed=secrets.token_bytes(SEED_LENGTH),
            position_id=position.id,
            item_id=position.item_id,
            variation_id=position.variation_id,
            subevent_id=position.subevent_id,
            valid_from=position.valid_from,
            valid_until=position.valid_until,
        )
        return encode_secret(payload, key)

    def __repr__(self) -> str:
        return f"<SignedSecretGenerator event={getattr(self.event, 'id', None)}>"
