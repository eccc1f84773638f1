"""An event with the banktransfer plugin, a web channel, an item and an order factory with readable codes."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy.orm import Session

from core.db import tenancy
from core.i18n import I18nString
from core.models import Item, SalesChannel
from core.models.orders import Order
from core.models.positions import OrderPosition
from core.services.transactions import create_transactions

_codes = ("".join(letters) for letters in itertools.product("HJKMNPQRTUVWXY", repeat=5))


@pytest.fixture
def scoped(organizer: Any) -> Iterator[None]:
    token = tenancy.enter(organizer.id)
    yield
    tenancy.leave(token)


@pytest.fixture
def web(db_session: Session, organizer: Any, scoped: None) -> SalesChannel:
    channel = SalesChannel(organizer_id=organizer.id, identifier="web", type="web", label=I18nString({"en": "Web"}))
    db_session.add(channel)
    db_session.flush()
    return channel


@pytest.fixture
def item(db_session: Session, event: Any, scoped: None) -> Item:
    ticket = Item(event_id=event.id, organizer_id=event.organizer_id, name=I18nString({"en": "Ticket"}),
                  default_price=Decimal("23.00"), admission=True)
    db_session.add(ticket)
    db_session.flush()
    return ticket


@pytest.fixture
def make_order(db_session: Session, event: Any, web: SalesChannel, item: Item) -> Callable[..., Order]:
    """``make_order(price="23.00", status="n", **fields)``: a one-position order with its journal written."""

    def make(price: str = "23.00", status: str = Order.STATUS_PENDING, **fields: Any) -> Order:
        fields.setdefault("expires", dt.datetime.now(dt.UTC) + dt.timedelta(days=3))
        order = Order(event=event, organizer_id=event.organizer_id, code=next(_codes), status=status,
                      sales_channel_id=web.id, total=Decimal(price), email="buyer@example.org", **fields)
        db_session.add(order)
        db_session.flush()
        db_session.add(OrderPosition(order=order, organizer_id=event.organizer_id, positionid=1, item_id=item.id,
                                     price=Decimal(price)))
        db_session.flush()
        create_transactions(db_session, order)
        return order

    return make
