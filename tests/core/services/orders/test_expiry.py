"""Expiry of unpaid orders (rules table-driven), marking expired, extending deadlines, expiry warnings."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from core.models import Order
from core.services.errors import OrderError
from core.services.order_signals import OrderExpired, OrderExpiryChanged
from core.services.orders.expiry import (
    expire_order,
    expire_orders,
    expire_orders_task,
    extend_order,
    is_due,
    mark_order_expired,
    send_expiry_warnings,
)
from core.services.orders.lifecycle import cancel_order
from tests.core.services.orders.lifecycle_helpers import actions, assert_journal_consistent, journal, log_data


def at(day: int, hour: int = 12, minute: int = 0, second: int = 0) -> datetime:
    """A moment in January 2030 (the 10th is a Thursday), UTC (the event's time zone)."""
    return datetime(2030, 1, day, hour, minute, second, tzinfo=UTC)


EXPIRY_CASES = [
    # (deadline, now, settings, expected)
    pytest.param(at(10, 23, 59, 59), at(11, 0, 0), {}, True, id="after-deadline"),
    pytest.param(at(10, 23, 59, 59), at(10, 23, 0), {}, False, id="before-deadline"),
    pytest.param(at(10, 23, 59, 59), at(10, 23, 59, 59), {}, True, id="at-deadline"),
    pytest.param(at(10, 23, 59, 59), at(11, 12), {"payment_term_expire_delay_days": 1}, False, id="delay-pending"),
    pytest.param(at(10, 23, 59, 59), at(12, 0, 0, 30), {"payment_term_expire_delay_days": 1}, True,
                 id="delay-over"),
    pytest.param(at(11, 23, 59, 59), at(13, 12), {"payment_term_expire_delay_days": 1}, False,
                 id="delay-ends-saturday-moves-to-monday"),
    pytest.param(at(11, 23, 59, 59), at(15, 0, 0), {"payment_term_expire_delay_days": 1}, True,
                 id="delay-after-monday"),
    pytest.param(at(11, 23, 59, 59), at(13, 12), {"payment_term_expire_delay_days": 1, "payment_term_weekdays": False},
                 True, id="delay-saturday-without-weekday-rule"),
    pytest.param(at(10, 23, 59, 59), at(12, 12), {"payment_term_expire_delay_days": 3,
                                                  "payment_term_last": date(2030, 1, 11)}, True,
                 id="delay-capped-by-last-payment-date"),
    pytest.param(at(10, 23, 59, 59), at(20), {"payment_term_expire_automatically": False}, False,
                 id="automatic-expiry-off"),
]


@pytest.mark.parametrize(("deadline", "now", "settings", "expected"), EXPIRY_CASES)
def test_expiry_rules(order_factory: Any, event_settings: Any, deadline: datetime, now: datetime,
                      settings: dict[str, Any], expected: bool) -> None:
    for key, value in settings.items():
        event_settings.set(key, value)
    order = order_factory(expires=deadline)
    assert is_due(order, now) is expected
    assert expire_order(order, now=now) is expected
    assert order.status == (Order.STATUS_EXPIRED if expected else Order.STATUS_PENDING)


@pytest.mark.parametrize("fields", [
    {"valid_if_pending": True}, {"require_approval": True}, {"status": Order.STATUS_PAID},
], ids=["valid-if-pending", "awaiting-approval", "paid"])
def test_orders_that_never_expire(order_factory: Any, fields: dict[str, Any]) -> None:
    order = order_factory(expires=at(10), **fields)
    assert not is_due(order, at(20))


def test_order_canceled_with_fee_never_expires(order_factory: Any) -> None:
    order = order_factory(expires=at(10))
    cancel_order(order, cancellation_fee=order.total / 2, send_mail=False)
    assert order.status == Order.STATUS_PENDING
    assert not is_due(order, at(20))


def test_expire_orders_expires_only_due_orders(db_session: Any, order_factory: Any, signal_log: Any) -> None:
    due = order_factory(expires=at(10))
    later = order_factory(expires=at(25))
    assert expire_orders(db_session, now=at(12)) == 1
    assert (due.status, later.status) == (Order.STATUS_EXPIRED, Order.STATUS_PENDING)
    assert journal(db_session, due) == {}
    assert_journal_consistent(db_session, due, later)
    assert log_data(db_session, due, "pretix.event.order.expired") == {"automatic": True}
    assert [d.signal.order for d in signal_log.of(OrderExpired)] == [due]
    assert expire_orders(db_session, now=at(12)) == 0


def test_periodic_task_expires(db_session: Any, order_factory: Any, huey_immediate: Any) -> None:
    order = order_factory(expires=datetime.now(UTC) - timedelta(days=1))
    expire_orders_task()
    db_session.refresh(order)
    assert order.status == Order.STATUS_EXPIRED


def test_mark_expired(db_session: Any, order_factory: Any) -> None:
    order = order_factory()  # deadline in the future: marking expired ignores it
    mark_order_expired(order)
    assert order.status == Order.STATUS_EXPIRED
    assert log_data(db_session, order, "pretix.event.order.expired") == {"automatic": False}
    with pytest.raises(OrderError) as info:
        mark_order_expired(order)
    assert info.value.key == "not_pending"


# -- extend ----------------------------------------------------------------------------------------------------


def test_extend_pending_order(db_session: Any, order_factory: Any, signal_log: Any) -> None:
    order = order_factory(expiry_reminder_sent=True)
    new = datetime.now(UTC) + timedelta(days=30)
    extend_order(order, new)
    assert order.expires == new
    assert not order.expiry_reminder_sent
    assert log_data(db_session, order, "pretix.event.order.expirychanged")["state_change"] is False
    assert signal_log.of(OrderExpiryChanged)


def test_extend_expired_order_reopens_it(db_session: Any, order_factory: Any) -> None:
    order = order_factory()
    mark_order_expired(order)
    extend_order(order, datetime.now(UTC) + timedelta(days=3))
    assert order.status == Order.STATUS_PENDING
    assert sum(journal(db_session, order).values()) == 2
    assert_journal_consistent(db_session, order)
    assert actions(db_session, order)[-1] == "pretix.event.order.expirychanged"


def test_extend_expired_order_needs_quota(db_session: Any, order_factory: Any, catalogue: Any) -> None:
    order = order_factory()
    mark_order_expired(order)
    order_factory(items=[(catalogue.ticket, None, "23.00")] * 9)
    with pytest.raises(OrderError) as info:
        extend_order(order, datetime.now(UTC) + timedelta(days=3))
    assert info.value.key == "quota"
    assert order.status == Order.STATUS_EXPIRED
    extend_order(order, datetime.now(UTC) + timedelta(days=3), force=True)
    assert order.status == Order.STATUS_PENDING


def test_extend_refusals(order_factory: Any) -> None:
    order = order_factory()
    with pytest.raises(OrderError) as info:
        extend_order(order, datetime.now(UTC) - timedelta(minutes=1))
    assert info.value.key == "expiry_in_past"
    cancel_order(order, send_mail=False)
    with pytest.raises(OrderError) as info:
        extend_order(order, datetime.now(UTC) + timedelta(days=1))
    assert info.value.key == "not_pending_or_expired"


# -- warnings --------------------------------------------------------------------------------------------------


def test_expiry_warnings_once_within_the_warning_period(db_session: Any, order_factory: Any) -> None:
    soon = order_factory(expires=at(12))
    later = order_factory(expires=at(20))
    paid = order_factory(expires=at(12), status=Order.STATUS_PAID, paid=True)
    assert send_expiry_warnings(db_session, now=at(10)) == 1
    assert soon.expiry_reminder_sent and not later.expiry_reminder_sent and not paid.expiry_reminder_sent
    assert actions(db_session, soon)[-1] == "pretix.event.order.email.expire_warning"
    assert send_expiry_warnings(db_session, now=at(10)) == 0


def test_no_expiry_warnings_when_disabled(db_session: Any, order_factory: Any, event_settings: Any) -> None:
    event_settings.set("mail_days_order_expire_warning", 0)
    order_factory(expires=at(12))
    assert send_expiry_warnings(db_session, now=at(11, 23)) == 0
