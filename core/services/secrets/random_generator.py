"""The ``random`` ticket secret generator: random characters, nothing to verify offline."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import object_session
from zope.interface import implementer

from core.i18n import _
from core.interfaces.scopes import IEvent
from core.interfaces.secrets import ITicketSecretGenerator
from core.models.tokens import TICKET_SECRET_ALPHABET, random_token
from core.settings import settings_for


@implementer(ITicketSecretGenerator)
class RandomSecretGenerator:
    """``ticket_secret_length`` (32 by default) characters of ``abcdefghjkmnpqrstuvwxyz23456789``.

    The alphabet has no ``0 1 i l o``: nothing a person reading a ticket aloud could mix up.
    """

    identifier = "random"
    verbose_name = _("Random codes")
    use_revocation_list = False

    def __init__(self, event: IEvent) -> None:
        self.event = event
        self._length: int | None = None

    @property
    def length(self) -> int:
        if self._length is None:
            self._length = int(settings_for(object_session(self.event), self.event)["ticket_secret_length"])
        return self._length

    def parse_secret(self, secret: str) -> None:
        """Random secrets carry no data."""
        return None

    def generate_secret(
        self, position: Any, *, current_secret: str | None = None, force_invalidate: bool = False
    ) -> str:
        if current_secret and not force_invalidate:
            return current_secret
        return random_token(TICKET_SECRET_ALPHABET, self.length)
