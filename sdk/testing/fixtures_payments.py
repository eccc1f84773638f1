"""Payment fixtures: an event selling one admission item on a ``web`` channel, and a factory of orders to pay.

``scoped`` enters the organizer's tenant scope for the test. ``web`` is the organizer's web sales channel,
``item`` an admission ``Ticket`` of the event priced ``item_price`` (10.00; override the ``item_price`` fixture
in a conftest for another default). ``make_order`` writes a pending order straight into the models (no cart,
no checks) with its journal::

    order = make_order()                                     # one position at item_price, pending
    order = make_order("23.00", status="p", positions=3)     # three positions at 23.00, paid status
    order = make_order(require_approval=True)                # any further Order column

Order codes are five letters of the alphabet pretix uses for codes (readable by bank transfer matching).
"""

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

_codes = ("".join(letters) for letters in itertools.product("HJKMNPQRTUVWXY", repeat=5))


@pytest.fixture
def scoped(organizer: Any) -> Iterator[None]:
    """The organizer's tenant scope, entered for the whole test."""
    token = tenancy.enter(organizer.id)
    yield
    tenancy.leave(token)


@pytest.fixture
def web(db_session: Session, organizer: Any, scoped: None) -> Any:
    """The organizer's ``web`` sales channel."""
    from core.models import SalesChannel

    channel = SalesChannel(organizer_id=organizer.id, identifier="web", type="web", label=I18nString({"en": "Web"}))
    db_session.add(channel)
    db_session.flush()
    return channel


@pytest.fixture
def item_price() -> Decimal:
    """The price of ``item`` and the default position price of ``make_order``."""
    return Decimal("10.00")


@pytest.fixture
def item(db_session: Session, event: Any, item_price: Decimal, scoped: None) -> Any:
    """An admission ``Ticket`` of ``event`` priced ``item_price``, without tax rule."""
    from core.models import Item

    ticket = Item(event_id=event.id, organizer_id=event.organizer_id, name=I18nString({"en": "Ticket"}),
                  default_price=item_price, admission=True)
    db_session.add(ticket)
    db_session.flush()
    return ticket


@pytest.fixture
def make_order(db_session: Session, event: Any, web: Any, item: Any) -> Callable[..., Any]:
    """``make_order(price=item's price, status="n", *, positions=1, **fields)``: an order with its journal."""
    from core.models.orders import Order
    from core.models.positions import OrderPosition
    from core.services.transactions import create_transactions

    def make(price: str | Decimal | None = None, status: str = Order.STATUS_PENDING, *, positions: int = 1,
             **fields: Any) -> Order:
        each = item.default_price if price is None else Decimal(price)
        fields.setdefault("expires", dt.datetime.now(dt.UTC) + dt.timedelta(days=3))
        order = Order(event=event, organizer_id=event.organizer_id, code=next(_codes), status=status,
                      sales_channel_id=web.id, total=each * positions, email="buyer@example.org", **fields)
        db_session.add(order)
        db_session.flush()
        for number in range(1, positions + 1):
            db_session.add(OrderPosition(order=order, organizer_id=event.organizer_id, positionid=number,
                                         item_id=item.id, price=each))
        db_session.flush()
        create_transactions(db_session, order)
        return order

    return make
