"""The core generators ``random`` and ``signed``, the event key pair and the generator choice."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import insert
from sqlalchemy.orm import Session

from core.i18n import I18nString
from core.models import Event, EventSetting
from core.services.secrets import (
    InvalidSignedSecret,
    RandomSecretGenerator,
    SignedSecretGenerator,
    event_public_key,
    generator_for,
    verify_signed_secret,
)
from core.services.secrets.keys import PRIVATE_KEY, PUBLIC_KEY, event_private_key, public_key_text
from core.settings import SettingsProxy, settings_for


@dataclass
class Position:
    id: int | None = 7
    item_id: int = 1
    variation_id: int | None = None
    subevent_id: int | None = None
    valid_from: datetime | None = None
    valid_until: datetime | None = None


@pytest.fixture
def other_event(db_session: Session, organizer: Any) -> Event:
    ev = Event(organizer_id=organizer.id, slug="other", name=I18nString({"en": "Other"}),
               date_from=datetime(2030, 2, 1, tzinfo=UTC))
    db_session.add(ev)
    db_session.flush()
    return ev


def test_random_secrets(event: Event, event_settings: SettingsProxy) -> None:
    generator = RandomSecretGenerator(event)
    secret = generator.generate_secret(Position())
    assert len(secret) == 32
    assert set(secret) <= set("abcdefghjkmnpqrstuvwxyz23456789")
    assert generator.generate_secret(Position(), current_secret=secret) == secret
    assert generator.generate_secret(Position(item_id=2), current_secret=secret) == secret
    assert generator.generate_secret(Position(), current_secret=secret, force_invalidate=True) != secret
    assert not generator.use_revocation_list


def test_random_secret_length_setting(event: Event, event_settings: SettingsProxy) -> None:
    event_settings.set("ticket_secret_length", 12)
    assert len(RandomSecretGenerator(event).generate_secret(Position())) == 12


def test_signed_key_pair_is_created_once_and_kept_in_settings(event: Event, db_session: Session,
                                                              event_settings: SettingsProxy) -> None:
    assert not event_settings.is_overridden(PRIVATE_KEY)
    key = event_private_key(db_session, event)
    assert event_settings.is_overridden(PRIVATE_KEY)
    assert event_settings[PUBLIC_KEY] == public_key_text(key)
    assert event_public_key(db_session, event) == public_key_text(key)
    assert len(base64.b64decode(event_settings[PUBLIC_KEY])) == 32


def test_private_key_is_never_shown(event: Event, db_session: Session, event_settings: SettingsProxy) -> None:
    event_private_key(db_session, event)
    private = event_settings[PRIVATE_KEY]
    explained = event_settings.explain()
    assert PRIVATE_KEY not in explained
    assert explained[PUBLIC_KEY]["value"] == event_settings[PUBLIC_KEY]
    assert event_settings.declaration(PRIVATE_KEY).public_value(private) == "********"
    generator = SignedSecretGenerator(event)
    generator.generate_secret(Position())
    assert private not in repr(generator)
    with pytest.raises(InvalidSignedSecret) as info:
        verify_signed_secret("AAAA" * 30, event_settings[PUBLIC_KEY])
    assert private not in str(info.value)


def test_each_event_has_its_own_key(event: Event, other_event: Event, db_session: Session) -> None:
    assert event_public_key(db_session, event) != event_public_key(db_session, other_event)
    secret = SignedSecretGenerator(event).generate_secret(Position())
    with pytest.raises(InvalidSignedSecret, match="signature"):
        verify_signed_secret(secret, event_public_key(db_session, other_event))
    assert SignedSecretGenerator(other_event).generate_secret(Position(), current_secret=secret) != secret


def test_key_created_concurrently_uses_the_winner(event: Event, db_session: Session,
                                                  event_settings: SettingsProxy) -> None:
    """Another transaction stored a key after this one looked: the savepoint insert fails, the winner is used."""
    assert not event_settings.is_overridden(PRIVATE_KEY)
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat

    winner = Ed25519PrivateKey.generate()
    raw = winner.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
    db_session.execute(insert(EventSetting.__table__).values(
        event_id=event.id, organizer_id=event.organizer_id, key=PRIVATE_KEY, value=base64.b64encode(raw).decode()))
    db_session.execute(insert(EventSetting.__table__).values(
        event_id=event.id, organizer_id=event.organizer_id, key=PUBLIC_KEY, value=public_key_text(winner)))
    key = event_private_key(db_session, event)
    assert public_key_text(key) == public_key_text(winner)
    assert settings_for(db_session, event)[PUBLIC_KEY] == public_key_text(winner)


def test_signed_secret_describes_the_ticket(event: Event, db_session: Session) -> None:
    position = Position(id=42, item_id=3, variation_id=5, subevent_id=9,
                        valid_from=datetime(2030, 1, 1, 9, tzinfo=UTC), valid_until=datetime(2030, 1, 2, tzinfo=UTC))
    secret = SignedSecretGenerator(event).generate_secret(position)
    payload = verify_signed_secret(secret, event_public_key(db_session, event))
    assert (payload.position_id, payload.item_id, payload.variation_id, payload.subevent_id) == (42, 3, 5, 9)
    assert (payload.valid_from, payload.valid_until) == (position.valid_from, position.valid_until)
    assert payload.matches(position)


@pytest.mark.parametrize(("change", "kept"), [
    ({}, True),
    ({"item_id": 2}, False),
    ({"variation_id": 4}, False),
    ({"subevent_id": 8}, False),
    ({"valid_until": datetime(2031, 1, 1, tzinfo=UTC)}, False),
    ({"valid_from": datetime(2029, 1, 1, tzinfo=UTC)}, False),
    ({"id": 8}, False),
])
def test_signed_secret_is_kept_only_while_it_fits(event: Event, change: dict[str, Any], kept: bool) -> None:
    generator = SignedSecretGenerator(event)
    secret = generator.generate_secret(Position())
    again = generator.generate_secret(Position(**change), current_secret=secret)
    assert (again == secret) is kept
    assert generator.generate_secret(Position(**change), current_secret=secret, force_invalidate=True) != secret


def test_secret_made_before_the_position_was_stored_is_kept(event: Event) -> None:
    generator = SignedSecretGenerator(event)
    secret = generator.generate_secret(Position(id=None))
    assert generator.generate_secret(Position(id=12), current_secret=secret) == secret


def test_foreign_secret_is_replaced(event: Event) -> None:
    generator = SignedSecretGenerator(event)
    random_secret = "abcdefghjkmnpqrstuvwxyz234567899"
    replaced = generator.generate_secret(Position(), current_secret=random_secret)
    assert replaced != random_secret
    assert generator.use_revocation_list


def test_generator_choice(event: Event, db_session: Session, event_settings: SettingsProxy) -> None:
    assert isinstance(generator_for(db_session, event), RandomSecretGenerator)
    event_settings.set("ticket_secret_generator", "signed")
    assert isinstance(generator_for(db_session, event), SignedSecretGenerator)
    event_settings.set("ticket_secret_generator", "no_such_generator")
    assert isinstance(generator_for(db_session, event), RandomSecretGenerator)
