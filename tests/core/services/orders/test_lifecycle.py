"""Order life cycle: cancel (with and without fee), reactivate, approve, deny, mark pending, resend, secrets."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select

from core.i18n import I18nString
from core.models import (
    Item,
    LogEntry,
    Order,
    OrderPayment,
    RevokedTicketSecret,
    TaxRule,
    Voucher,
)
from core.services.errors import OrderError
from core.services.order_signals import OrderApproved, OrderCanceled, OrderDenied, OrderReactivated
from core.services.orders.expiry import is_due
from core.services.orders.lifecycle import (
    approve_order,
    cancel_order,
    deny_order,
    mark_order_pending,
    mark_order_refunded,
    reactivate_order,
    regenerate_secrets,
    resend_link,
)
from tests.core.services.orders.lifecycle_helpers import actions, assert_journal_consistent, journal, log_data

ZERO = Decimal("0.00")


def _log_count(session: Any) -> int:
    session.flush()
    return session.scalar(select(func.count(LogEntry.id)))


# -- cancel ----------------------------------------------------------------------------------------------------


def test_cancel_without_fee(db_session: Any, order_factory: Any, signal_log: Any) -> None:
    order = order_factory()
    cancel_order(order, comment="Sorry")
    assert order.status == Order.STATUS_CANCELED
    assert order.cancellation_date is not None
    assert len(order.positions) == 2  # positions stay, so the order can be reactivated
    assert journal(db_session, order) == {}
    assert_journal_consistent(db_session, order)
    assert actions(db_session, order)[-2:] == ["pretix.event.order.canceled", "pretix.event.order.email.canceled"]
    assert log_data(db_session, order, "pretix.event.order.canceled")["comment"] == "Sorry"
    assert [d.signal.order for d in signal_log.of(OrderCanceled)] == [order]


def test_cancel_twice_is_refused_and_writes_nothing(db_session: Any, order_factory: Any) -> None:
    order = order_factory()
    cancel_order(order)
    before = _log_count(db_session)
    with pytest.raises(OrderError) as info:
        cancel_order(order)
    assert info.value.key == "canceled"
    assert _log_count(db_session) == before


def test_mark_refunded_cancels_without_mail(db_session: Any, order_factory: Any) -> None:
    order = order_factory(status=Order.STATUS_PAID, paid=True)
    mark_order_refunded(order)
    assert order.status == Order.STATUS_CANCELED
    assert "pretix.event.order.email.canceled" not in actions(db_session, order)


def test_cancel_cancels_open_payments(db_session: Any, order_factory: Any) -> None:
    order = order_factory()
    db_session.add(OrderPayment(order=order, organizer_id=order.organizer_id, local_id=1, provider="manual",
                                amount=order.total))
    db_session.flush()
    cancel_order(order, send_mail=False)
    assert [p.state for p in order.payments] == [OrderPayment.PAYMENT_STATE_CANCELED]


@pytest.mark.parametrize(("paid", "status"), [(True, Order.STATUS_PAID), (False, Order.STATUS_PENDING)])
def test_cancel_with_fee_keeps_the_order(db_session: Any, order_factory: Any, paid: bool, status: str) -> None:
    order = order_factory(status=Order.STATUS_PAID if paid else Order.STATUS_PENDING, paid=paid,
                          fees=[("payment", "2.00")])
    cancel_order(order, cancellation_fee=Decimal("10.00"))
    assert order.status == status
    assert order.total == Decimal("10.00")
    assert order.positions == []
    assert [(f.fee_type, f.value, f.tax_value) for f in order.fees] == [("cancellation", Decimal("10.00"), ZERO)]
    assert journal(db_session, order) == {("cancellation", Decimal("10.00"), ZERO): 1}
    assert_journal_consistent(db_session, order)
    assert order.status_key == ("canceled_paid_fee" if paid else "pending")
    assert not is_due(order)  # an order with a cancellation fee never expires


def test_cancel_with_fee_keeps_listed_fees(db_session: Any, order_factory: Any) -> None:
    order = order_factory(fees=[("payment", "2.00"), ("service", "1.00")])
    service = next(f for f in order.fees if f.fee_type == "service")
    cancel_order(order, cancellation_fee=Decimal("5.00"), keep_fees=[service])
    assert sorted(f.fee_type for f in order.fees) == ["cancellation", "service"]
    assert order.total == Decimal("6.00")
    assert_journal_consistent(db_session, order)


@pytest.mark.parametrize("fee", [Decimal("-1"), Decimal("46.01")])
def test_cancellation_fee_out_of_range_is_refused(db_session: Any, order_factory: Any, fee: Decimal) -> None:
    order = order_factory()
    before = _log_count(db_session)
    with pytest.raises(OrderError) as info:
        cancel_order(order, cancellation_fee=fee)
    assert info.value.key == ("cancellation_fee_invalid" if fee < 0 else "cancellation_fee_too_high")
    assert order.status == Order.STATUS_PENDING
    assert _log_count(db_session) == before


def test_cancellation_fee_tax_default_rule(db_session: Any, order_factory: Any, catalogue: Any,
                                           event_settings: Any) -> None:
    catalogue.tax.default = True
    event_settings.set("tax_rule_cancellation", "default")
    order = order_factory()
    cancel_order(order, cancellation_fee=Decimal("11.90"))
    (fee,) = order.fees
    assert (fee.tax_rule_id, fee.tax_rate, fee.tax_value) == (catalogue.tax.id, Decimal("19"), Decimal("1.90"))


def test_cancellation_fee_tax_split(db_session: Any, order_factory: Any, catalogue: Any, event_settings: Any) -> None:
    reduced = TaxRule(event=catalogue.event, organizer_id=catalogue.event.organizer_id,
                      name=I18nString({"en": "reduced"}), rate=Decimal("7"))
    book = Item(event=catalogue.event, organizer_id=catalogue.event.organizer_id, name=I18nString({"en": "Book"}),
                default_price=Decimal("10.00"), tax_rule=reduced)
    db_session.add_all([reduced, book])
    db_session.flush()
    event_settings.set("tax_rule_cancellation", "split")
    order = order_factory(items=[(catalogue.ticket, None, "30.00"), (book, None, "10.00")])
    cancel_order(order, cancellation_fee=Decimal("10.00"))
    parts = sorted((f.tax_rate, f.value, f.tax_value) for f in order.fees)
    assert parts == [(Decimal("7"), Decimal("2.50"), Decimal("0.16")), (Decimal("19"), Decimal("7.50"),
                                                                        Decimal("1.20"))]
    assert order.total == Decimal("10.00")
    assert_journal_consistent(db_session, order)


def test_cancel_gives_back_voucher_and_reactivate_takes_it(db_session: Any, order_factory: Any,
                                                           catalogue: Any) -> None:
    voucher = Voucher(event=catalogue.event, organizer_id=catalogue.event.organizer_id, code="SAVE", max_usages=2,
                      redeemed=2)
    db_session.add(voucher)
    db_session.flush()
    order = order_factory(items=[(catalogue.ticket, None, "20.00", {"voucher": voucher})] * 2)
    cancel_order(order)
    db_session.refresh(voucher)
    assert voucher.redeemed == 0
    reactivate_order(order)
    db_session.refresh(voucher)
    assert voucher.redeemed == 2


def test_cancel_under_signed_secrets_revokes_them(db_session: Any, order_factory: Any, event_settings: Any) -> None:
    event_settings.set("ticket_secret_generator", "signed")
    order = order_factory()
    regenerate_secrets(order)  # first signed secrets
    old = {p.secret for p in order.positions}
    cancel_order(order)
    revoked = set(db_session.scalars(select(RevokedTicketSecret.secret)))
    assert old <= revoked
    assert not old & {p.secret for p in order.positions}


# -- reactivate ------------------------------------------------------------------------------------------------


def test_reactivate_paid_order_becomes_paid(db_session: Any, order_factory: Any, signal_log: Any) -> None:
    order = order_factory(status=Order.STATUS_PAID, paid=True)
    cancel_order(order)
    reactivate_order(order)
    assert order.status == Order.STATUS_PAID
    assert order.cancellation_date is None
    assert actions(db_session, order)[-1] == "pretix.event.order.reactivated"
    assert signal_log.of(OrderReactivated)
    assert_journal_consistent(db_session, order)


def test_reactivate_unpaid_order_becomes_pending(db_session: Any, order_factory: Any) -> None:
    order = order_factory()
    cancel_order(order)
    reactivate_order(order)
    assert order.status == Order.STATUS_PENDING


def test_reactivate_refuses_orders_that_are_not_canceled(order_factory: Any) -> None:
    with pytest.raises(OrderError) as info:
        reactivate_order(order_factory())
    assert info.value.key == "not_canceled"


def test_reactivate_fails_when_quota_is_gone(db_session: Any, order_factory: Any, catalogue: Any) -> None:
    order = order_factory()
    cancel_order(order)
    order_factory(items=[(catalogue.ticket, None, "23.00")] * 9)  # 1 of 10 left, the order needs 2
    before = _log_count(db_session)
    with pytest.raises(OrderError) as info:
        reactivate_order(order)
    assert info.value.key == "quota"
    assert info.value.params["needed"] == 2
    assert order.status == Order.STATUS_CANCELED
    assert _log_count(db_session) == before
    reactivate_order(order, force=True)
    assert order.status == Order.STATUS_PENDING


def test_reactivate_fails_when_voucher_is_used_up(db_session: Any, order_factory: Any, catalogue: Any) -> None:
    voucher = Voucher(event=catalogue.event, organizer_id=catalogue.event.organizer_id, code="ONE", max_usages=1,
                      redeemed=1)
    db_session.add(voucher)
    db_session.flush()
    order = order_factory(items=[(catalogue.ticket, None, "20.00", {"voucher": voucher})])
    cancel_order(order)
    voucher.redeemed = 1  # somebody else used it meanwhile
    db_session.flush()
    with pytest.raises(OrderError) as info:
        reactivate_order(order)
    assert info.value.key == "voucher_redeemed"


# -- approve / deny --------------------------------------------------------------------------------------------


def test_approve_sets_deadline_and_journal(db_session: Any, order_factory: Any, signal_log: Any) -> None:
    order = order_factory(require_approval=True)
    assert journal(db_session, order) == {}
    approve_order(order)
    assert not order.require_approval
    assert order.status == Order.STATUS_PENDING
    assert sum(journal(db_session, order).values()) == 2
    assert_journal_consistent(db_session, order)
    assert "pretix.event.order.approved" in actions(db_session, order)
    assert "pretix.event.order.email.approved" in actions(db_session, order)
    assert signal_log.of(OrderApproved)


def test_approve_free_order_pays_it(db_session: Any, order_factory: Any, catalogue: Any) -> None:
    order = order_factory(items=[(catalogue.ticket, None, "0.00")], require_approval=True)
    approve_order(order)
    assert order.status == Order.STATUS_PAID
    assert [(p.provider, p.state) for p in order.payments] == [("free", OrderPayment.PAYMENT_STATE_CONFIRMED)]
    assert "pretix.event.order.email.approved_free" in actions(db_session, order)


def test_approve_and_deny_need_pending_approval(order_factory: Any) -> None:
    order = order_factory()
    for service in (approve_order, deny_order):
        with pytest.raises(OrderError) as info:
            service(order)
        assert info.value.key == "not_pending_approval"


def test_deny_cancels_with_comment(db_session: Any, order_factory: Any, signal_log: Any) -> None:
    order = order_factory(require_approval=True)
    deny_order(order, comment="Sold to members only")
    assert order.status == Order.STATUS_CANCELED
    assert log_data(db_session, order, "pretix.event.order.denied") == {"comment": "Sold to members only"}
    assert "pretix.event.order.email.denied" in actions(db_session, order)
    assert signal_log.of(OrderDenied)
    assert_journal_consistent(db_session, order)


# -- mark pending, resend link, secrets ------------------------------------------------------------------------


def test_mark_pending(db_session: Any, order_factory: Any) -> None:
    order = order_factory(status=Order.STATUS_PAID, paid=True)
    mark_order_pending(order)
    assert order.status == Order.STATUS_PENDING
    assert actions(db_session, order)[-1] == "pretix.event.order.unpaid"
    with pytest.raises(OrderError) as info:
        mark_order_pending(order)
    assert info.value.key == "not_paid"


def test_resend_link(db_session: Any, order_factory: Any) -> None:
    order = order_factory()
    resend_link(order)
    assert actions(db_session, order)[-1] == "pretix.event.order.email.resend_link"
    order.email = None
    with pytest.raises(OrderError) as info:
        resend_link(order)
    assert info.value.key == "no_email"


def test_regenerate_order_secrets(db_session: Any, order_factory: Any) -> None:
    order = order_factory()
    secrets = (order.secret, [p.secret for p in order.positions], [p.web_secret for p in order.positions])
    changed = regenerate_secrets(order)
    assert len(changed) == 2
    assert order.secret != secrets[0]
    assert not set(secrets[1]) & {p.secret for p in order.positions}
    assert not set(secrets[2]) & {p.web_secret for p in order.positions}
    assert actions(db_session, order)[-1] == "pretix.event.order.secret.changed"


def test_regenerate_position_secret(db_session: Any, order_factory: Any) -> None:
    order = order_factory()
    first, second = order.positions
    kept = second.secret
    old = first.secret
    regenerate_secrets(first)
    assert first.secret != old and second.secret == kept
    assert log_data(db_session, order, "pretix.event.order.changed.secret")["positionid"] == 1

