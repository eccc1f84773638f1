"""Ticket secrets: the ``random`` and ``signed`` generators, assignment with revocation, offline verification.

Public API::

    from core.services.secrets import assign_ticket_secrets, generator_for, verify_signed_secret, event_public_key

    assign_ticket_secrets(session, event, positions)             # new or changed positions
    assign_ticket_secrets(session, event, positions, force_invalidate=True)   # regenerate
    payload = verify_signed_secret(secret, event_public_key(session, event))  # what a scanner does

Generators are providers of :class:`~core.interfaces.secrets.ITicketSecretGenerator`; the event
setting ``ticket_secret_generator`` picks one. The signed format is described in
:mod:`core.services.secrets.signed_format` and ``docs/tickets/signed-secrets.rst``.
"""

from __future__ import annotations

from pyramid.config import Configurator

from core.interfaces.secrets import ITicketSecretGenerator
from core.services.secrets.assign import SecretGenerationError, assign_ticket_secrets, generator_for
from core.services.secrets.keys import KEY_SETTINGS, event_public_key
from core.services.secrets.random_generator import RandomSecretGenerator
from core.services.secrets.signed_format import InvalidSignedSecret, TicketPayload, verify_signed_secret
from core.services.secrets.signed_generator import SignedSecretGenerator

__all__ = [
    "InvalidSignedSecret", "RandomSecretGenerator", "SecretGenerationError", "SignedSecretGenerator", "TicketPayload",
    "assign_ticket_secrets", "event_public_key", "generator_for", "verify_signed_secret",
]


def includeme(config: Configurator) -> None:
    """Declare the signing key settings and register the core generators ``random`` and ``signed``."""
    for setting in KEY_SETTINGS:
        config.add_setting(setting)
    config.add_provider(ITicketSecretGenerator, RandomSecretGenerator.identifier, RandomSecretGenerator)
    config.add_provider(ITicketSecretGenerator, SignedSecretGenerator.identifier, SignedSecretGenerator)
