"""assign_ticket_secrets: generator choice, uniqueness per organizer in one query per round, revocation list."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import event as sa_event
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.db import scope
from core.i18n import I18nString
from core.models import Item, Order, OrderPosition, RevokedTicketSecret, SalesChannel
from core.services.secrets import (
    SecretGenerationError,
    assign_ticket_secrets,
    event_public_key,
    verify_signed_secret,
)
from core.services.secrets.random_generator import RandomSecretGenerator
from core.services.transactions import create_transactions
from core.settings import SettingsProxy


@pytest.fixture
def scoped(organizer: Any) -> Iterator[None]:
    with scope(organizer.id):
        yield


@pytest.fixture
def order(db_session: Session, event: Any, organizer: Any, scoped: None) -> Order:
    channel = SalesChannel(organizer_id=organizer.id, label=I18nString({"en": "Shop"}), identifier="web", type="web")
    item = Item(event=event, name=I18nString({"en": "Ticket"}), default_price=Decimal("10"))
    other = Item(event=event, name=I18nString({"en": "Day pass"}), default_price=Decimal("5"))
    order = Order(event=event, code="ABCDE", expires=datetime(2030, 1, 1, tzinfo=UTC), sales_channel=channel)
    for number in (1, 2, 3):
        db_session.add(OrderPosition(order=order, positionid=number, item=item, price=Decimal("10")))
    db_session.add_all([channel, item, other, order])
    db_session.flush()
    create_transactions(db_session, order, is_new=True)
    order.other_item = other  # type: ignore[attr-defined]
    return order


def selects(session: Session) -> list[str]:
    statements: list[str] = []

    @sa_event.listens_for(session.get_bind(), "before_cursor_execute")
    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT") and "order_position" in statement:
            statements.append(statement)

    return statements


def revoked(session: Session) -> list[tuple[int | None, str]]:
    session.flush()
    return [(r.position_id, r.secret) for r in session.scalars(select(RevokedTicketSecret).order_by(
        RevokedTicketSecret.id))]


def test_random_keeps_secrets_and_regenerates_on_demand(db_session: Session, event: Any, order: Order) -> None:
    positions = list(order.positions)
    before = [p.secret for p in positions]
    assert assign_ticket_secrets(db_session, event, positions) == []
    assert [p.secret for p in positions] == before
    changed = assign_ticket_secrets(db_session, event, positions, force_invalidate=True)
    assert changed == positions
    assert all(p.secret != old for p, old in zip(positions, before, strict=True))
    assert revoked(db_session) == []


def test_signed_secrets_with_revocation(db_session: Session, event: Any, order: Order,
                                        event_settings: SettingsProxy) -> None:
    event_settings.set("ticket_secret_generator", "signed")
    positions = list(order.positions)
    random_secrets = [p.secret for p in positions]
    assert assign_ticket_secrets(db_session, event, positions) == positions
    key = event_public_key(db_session, event)
    for position in positions:
        payload = verify_signed_secret(position.secret, key)
        assert (payload.position_id, payload.item_id) == (position.id, position.item_id)
    # the random defaults were replaced, but no scanner would accept them: nothing to revoke
    assert all(p.secret != s for p, s in zip(positions, random_secrets, strict=True))
    assert revoked(db_session) == []

    signed = [p.secret for p in positions]
    assert assign_ticket_secrets(db_session, event, positions) == []
    positions[0].item = order.other_item  # type: ignore[attr-defined]
    create_transactions(db_session, order)
    assert assign_ticket_secrets(db_session, event, positions) == [positions[0]]
    assert verify_signed_secret(positions[0].secret, key).item_id == order.other_item.id  # type: ignore[attr-defined]
    assert revoked(db_session) == [(positions[0].id, signed[0])]
    assert assign_ticket_secrets(db_session, event, positions[1:], force_invalidate=True) == positions[1:]
    assert revoked(db_session)[1:] == [(p.id, s) for p, s in zip(positions[1:], signed[1:], strict=True)]


def test_collisions_are_regenerated_with_one_query_per_round(
    db_session: Session, event: Any, order: Order, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, second, third = order.positions
    db_session.add(RevokedTicketSecret(event=event, position_id=first.id, secret="revokedbefore"))
    db_session.flush()
    proposals = iter([second.secret, "revokedbefore", "fresh1", "fresh1", "fresh2"])
    monkeypatch.setattr(RandomSecretGenerator, "generate_secret",
                        lambda self, position, current_secret=None, force_invalidate=False: next(proposals))
    statements = selects(db_session)
    changed = assign_ticket_secrets(db_session, event, [first, third], force_invalidate=True)
    assert changed == [first, third]
    assert (first.secret, third.secret) == ("fresh1", "fresh2")
    assert len(statements) == 3


def test_endless_collisions_fail(db_session: Session, event: Any, order: Order,
                                 monkeypatch: pytest.MonkeyPatch) -> None:
    first, second, _third = order.positions
    taken = second.secret
    monkeypatch.setattr(RandomSecretGenerator, "generate_secret",
                        lambda self, position, current_secret=None, force_invalidate=False: taken)
    with pytest.raises(SecretGenerationError, match="random"):
        assign_ticket_secrets(db_session, event, [first], force_invalidate=True)
