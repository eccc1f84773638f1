"""Giving positions their ticket secrets through the event's generator: unique, and revoked when replaced."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select, union_all
from sqlalchemy.orm import Session

from core.db import scope
from core.interfaces.scopes import IEvent
from core.interfaces.secrets import ITicketSecretGenerator
from core.pluginhost import provider_for
from core.settings import settings_for

DEFAULT_GENERATOR = "random"
#: Rounds of regeneration after collisions before giving up (a collision is already very unlikely).
MAX_ROUNDS = 10


class SecretGenerationError(RuntimeError):
    """The generator kept producing secrets that are already in use."""


def generator_for(session: Session, event: IEvent) -> ITicketSecretGenerator:
    """The generator named by the event's ``ticket_secret_generator`` setting, else ``random``.

    A generator whose plugin is inactive for the event counts as unknown.
    """
    name = settings_for(session, event)["ticket_secret_generator"]
    generator = provider_for(event, ITicketSecretGenerator, name)
    if generator is None:
        generator = provider_for(event, ITicketSecretGenerator, DEFAULT_GENERATOR)
    return generator


def _models() -> tuple[Any, Any]:
    from core.models import OrderPosition, RevokedTicketSecret  # type: ignore[attr-defined]

    return OrderPosition, RevokedTicketSecret


def _taken(session: Session, organizer_id: int, candidates: Sequence[str]) -> set[str]:
    """Which ``candidates`` a position of the organizer has, or had before it was revoked (one query)."""
    position, revoked = _models()
    statement = union_all(
        select(position.secret.label("secret")).where(
            position.organizer_id == organizer_id, position.secret.in_(candidates)),
        select(revoked.secret.label("secret")).where(
            revoked.organizer_id == organizer_id, revoked.secret.in_(candidates)),
    )
    with scope(organizer_id):
        return set(session.scalars(statement))


def assign_ticket_secrets(
    session: Session, event: IEvent, positions: Sequence[Any], *, force_invalidate: bool = False
) -> list[Any]:
    """Ask the event's generator for the secret of each position and store it; returns the changed positions.

    Secrets are unique within the organizer: new secrets (and every secret ever revoked) are checked
    with one query per round, and the colliding positions are asked again with
    ``force_invalidate=True``. Under a generator with ``use_revocation_list``, each replaced secret
    that the generator can still read (:meth:`parse_secret`) is written to ``RevokedTicketSecret``
    so that offline scanners refuse it; a default random secret replaced by a first signed one is
    not, since no scanner would accept it anyway. ``force_invalidate=True``
    regenerates every secret (a leaked ticket, a canceled order).

    The positions must belong to ``event``. Stored positions may be passed; new ones should be
    flushed first so that signed secrets carry their id.
    """
    generator = generator_for(session, event)
    old = {id(p): p.secret for p in positions}
    proposed = {
        id(p): generator.generate_secret(p, current_secret=p.secret or None, force_invalidate=force_invalidate)
        for p in positions
    }
    pending = [p for p in positions if proposed[id(p)] != old[id(p)]]
    for _round in range(MAX_ROUNDS):
        if not pending:
            break
        seen: set[str] = set()
        clashes = []
        used = _taken(session, event.organizer_id, [proposed[id(p)] for p in pending])
        for position in pending:
            secret = proposed[id(position)]
            if secret in used or secret in seen:
                clashes.append(position)
            seen.add(secret)
        accepted = [p for p in pending if p not in clashes]
        for position in accepted:
            position.secret = proposed[id(position)]
        for position in clashes:
            proposed[id(position)] = generator.generate_secret(
                position, current_secret=position.secret or None, force_invalidate=True
            )
        pending = clashes
    if pending:
        raise SecretGenerationError(
            f"generator {generator.identifier!r} produced colliding secrets {MAX_ROUNDS} times in a row"
        )
    changed = [p for p in positions if p.secret != old[id(p)]]
    if generator.use_revocation_list:
        readable = [(p, old[id(p)]) for p in changed if old[id(p)] and generator.parse_secret(old[id(p)]) is not None]
        _revoke(session, event, readable)
    return changed


def _revoke(session: Session, event: IEvent, replaced: Sequence[tuple[Any, str]]) -> None:
    _position, revoked = _models()
    now = datetime.now(UTC)
    for position, secret in replaced:
        session.add(revoked(
            organizer_id=event.organizer_id, event_id=event.id, position_id=position.id, secret=secret, created=now,
        ))
