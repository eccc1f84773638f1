"""Order placement: checks and their error keys, prices, fees, approval, free orders, simulate, force, bookkeeping."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import event as sa_event
from sqlalchemy import func, select

from core.models import LogEntry, Voucher
from core.models.orders import Order
from core.models.payments import OrderPayment
from core.models.positions import OrderFee, OrderPosition
from core.models.transactions import Transaction
from core.services.errors import CommerceError
from core.services.order_signals import OrderPlaced
from core.services.orders import PositionRequest, place_order
from core.settings import settings_for

D = Decimal


def place(db_session, catalogue, items=None, **kwargs: Any) -> Order:
    kwargs.setdefault("email", "buyer@example.org")
    kwargs.setdefault("sales_channel", "web")
    positions = [PositionRequest(item=i) if not isinstance(i, PositionRequest) else i
                 for i in (items or [catalogue.ticket])]
    return place_order(db_session, catalogue.event, positions=positions, **kwargs)


def count(db_session, model) -> int:
    return db_session.scalar(select(func.count()).select_from(model))


def actions(db_session) -> list[str]:
    return list(db_session.scalars(select(LogEntry.action_type).order_by(LogEntry.id)))


def test_places_a_pending_order_with_payment_and_journal(db_session, catalogue) -> None:
    order = place(db_session, catalogue, [catalogue.ticket, catalogue.ticket], payment_provider="manual")
    assert order.status == Order.STATUS_PENDING and order.total == D("46.00")
    assert [p.positionid for p in order.all_positions] == [1, 2]
    position = order.all_positions[0]
    assert position.price == D("23.00") and position.tax_rate == D("19") and position.tax_value == D("3.67")
    assert position.tax_code == "S/standard" and position.secret
    assert [(p.provider, p.state, p.amount) for p in order.payments] == [("manual", "created", D("46.00"))]
    assert count(db_session, Transaction) == 2
    assert order.expires > dt.datetime.now(dt.UTC)
    assert "pretix.event.order.placed" in actions(db_session)
