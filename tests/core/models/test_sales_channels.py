"""Sales channels: default channels of new organizers, the channel type extension point, validated creation."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from zope.interface.verify import verifyObject

from core.channels import ApiChannelType, WebChannelType
from core.db import scope
from core.interfaces.channels import ISalesChannelType
from core.models import Event, SalesChannel
from core.services.channels import channel_types, create_channel, create_default_channels, delete_channel
from core.services.organizers import create_organizer
from core.services.slugs import ValidationError


@pytest.fixture
def acme(db_session: Session) -> Any:
    return create_organizer(db_session, "acme", "ACME")


def channels_of(db_session: Session, organizer: Any) -> list[SalesChannel]:
    with scope(organizer.id):
        return list(db_session.scalars(select(SalesChannel).order_by(SalesChannel.position)))


def test_core_types_are_registered_providers(acme: Any) -> None:
    types = channel_types(acme)
    assert list(types) == ["api", "web"]
    for provider in types.values():
        verifyObject(ISalesChannelType, provider)
    assert types["web"].default_created and not types["web"].multiple_allowed
    assert isinstance(types["api"], ApiChannelType) and isinstance(types["web"], WebChannelType)


def test_new_organizers_get_web_and_api_channels(db_session: Session, acme: Any) -> None:
    channels = channels_of(db_session, acme)
    assert [(c.identifier, c.type, c.position) for c in channels] == [("api", "api", 0), ("web", "web", 1)]
    assert channels[1].label.localize("de") == "Online-Shop"
    assert create_default_channels(db_session, acme) == []


def test_create_further_channels(db_session: Session, acme: Any) -> None:
    reseller = create_channel(db_session, acme, "api", "reseller.one", {"en": "Reseller"}, {"key": 1})
    assert (reseller.position, reseller.configuration, reseller.organizer_id) == (2, {"key": 1}, acme.id)
    with pytest.raises(ValidationError, match="only one sales channel of type 'web'") as info:
        create_channel(db_session, acme, "web", "web2", "Second shop")
    assert info.value.field == "type"
    with pytest.raises(ValidationError, match="unknown sales channel type 'kiosk'"):
        create_channel(db_session, acme, "kiosk", "kiosk", "Kiosk")
    with pytest.raises(ValidationError, match="already taken") as info:
        create_channel(db_session, acme, "api", "reseller.one", "Again")
    assert info.value.field == "identifier"
    with pytest.raises(ValidationError, match="invalid sales channel identifier 'a b'"):
        create_channel(db_session, acme, "api", "a b", "Spaces")
    with pytest.raises(ValidationError, match="needs a label"):
        create_channel(db_session, acme, "api", "nolabel", "")
    assert len(channels_of(db_session, acme)) == 3


def test_limit_sales_channels(db_session: Session, acme: Any) -> None:
    web, api = (c for c in sorted(channels_of(db_session, acme), key=lambda c: c.identifier != "web"))
    event = Event(organizer_id=acme.id, slug="fest", name="Fest", date_from=datetime(2031, 1, 1, tzinfo=UTC),
                  all_sales_channels=False, limit_sales_channels=[web])
    with scope(acme.id):
        db_session.add(event)
        db_session.flush()
        db_session.expire(event)
        assert event.is_sold_on(web) and not event.is_sold_on(api)


def test_default_channels_cannot_be_deleted(db_session: Session, acme: Any) -> None:
    web = next(c for c in channels_of(db_session, acme) if c.identifier == "web")
    with scope(acme.id):
        with pytest.raises(ValidationError, match="'web' channel is created for every organizer") as info:
            delete_channel(db_session, web)
        assert info.value.field == "type"
        extra = create_channel(db_session, acme, "api", "reseller", "Reseller")
        delete_channel(db_session, extra)
    assert [c.identifier for c in channels_of(db_session, acme)] == ["api", "web"]
