"""The order change manager: every operation, quota checks for additional usage only, payment status, split,
tax recalculation, journal, audit log and signals."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select

from core.i18n import I18nString
from core.models import Item, LogEntry, Order, OrderPayment, Voucher
from core.services.errors import OrderError
from core.services.order_signals import OrderChanged, OrderPaid
from core.services.orders.changes import OrderChangeManager
from core.services.orders.expiry import mark_order_expired
from core.services.orders.lifecycle import cancel_order
from core.services.payments import pending_sum
from tests.core.services.orders.lifecycle_helpers import actions, assert_journal_consistent, log_data


def _log_count(session: Any) -> int:
    session.flush()
    return session.scalar(select(func.count(LogEntry.id)))


@pytest.fixture
def vip(db_session: Any, catalogue: Any) -> Item:
    """A second product in the ticket quota."""
    item = Item(event=catalogue.event, organizer_id=catalogue.event.organizer_id, name=I18nString({"en": "VIP"}),
                default_price=Decimal("50.00"), tax_rule=catalogue.tax)
    catalogue.ticket_quota.items.append(item)
    db_session.add(item)
    db_session.flush()
    return item


def _fill(order_factory: Any, item: Any, variation: Any, count: int) -> Order:
    return order_factory(items=[(item, variation, "1.00")] * count)


# -- product, price, tax rule, validity ------------------------------------------------------------------------


def test_change_item_keeps_price_and_logs(db_session: Any, order_factory: Any, catalogue: Any,
                                          signal_log: Any) -> None:
    order = order_factory()
    first = order.positions[0]
    ocm = OrderChangeManager(order)
    ocm.change_item(first, catalogue.shirt, catalogue.shirt_s)
    ocm.commit()
    assert (first.item_id, first.variation_id, first.price) == (catalogue.shirt.id, catalogue.shirt_s.id,
                                                                Decimal("23.00"))
    data = log_data(db_session, order, "pretix.event.order.changed.item")
    assert (data["positionid"], data["old_item"], data["new_item"]) == (1, catalogue.ticket.id, catalogue.shirt.id)
    assert actions(db_session, order)[-1] == "pretix.event.order.email.changed"
    assert [d.signal.order for d in signal_log.of(OrderChanged)] == [order]
    assert_journal_consistent(db_session, order)


def test_quota_is_checked_only_for_additional_usage(db_session: Any, order_factory: Any, catalogue: Any,
                                                    vip: Item) -> None:
    order = order_factory()
    _fill(order_factory, catalogue.ticket, None, 8)  # ticket quota 10/10 used
    ocm = OrderChangeManager(order)
    ocm.change_item(order.positions[0], vip)  # same quota: no additional usage
    ocm.change_price(order.positions[1], Decimal("30.00"))
    ocm.commit()
    assert order.positions[0].item_id == vip.id
    assert order.total == Decimal("53.00")


def test_change_into_a_full_quota_is_refused(db_session: Any, order_factory: Any, catalogue: Any) -> None:
    order = order_factory()
    _fill(order_factory, catalogue.shirt, catalogue.shirt_l, 5)  # shirt quota 5/5 used
    before = _log_count(db_session)
    ocm = OrderChangeManager(order)
    ocm.change_price(order.positions[1], Decimal("1.00"))
    ocm.change_item(order.positions[0], catalogue.shirt, catalogue.shirt_s)
    with pytest.raises(OrderError) as info:
        ocm.commit()
    assert info.value.key == "quota"
    assert info.value.params["quota"] == catalogue.shirt_quota.id
    assert _log_count(db_session) == before
    assert [(p.item_id, p.price) for p in order.positions] == [(catalogue.ticket.id, Decimal("23.00"))] * 2


def test_expired_orders_change_without_quota_check(db_session: Any, order_factory: Any, catalogue: Any) -> None:
    order = order_factory()
    mark_order_expired(order)
    _fill(order_factory, catalogue.shirt, catalogue.shirt_l, 5)
    ocm = OrderChangeManager(order, notify=False)
    ocm.change_item(order.positions[0], catalogue.shirt, catalogue.shirt_s)
    ocm.commit()
    assert order.positions[0].item_id == catalogue.shirt.id


def test_change_price_recomputes_tax(db_session: Any, order_factory: Any) -> None:
    order = order_factory()
    position = order.positions[0]
    ocm = OrderChangeManager(order)
    ocm.change_price(position, Decimal("11.90"))
    ocm.commit()
    assert (position.price, position.tax_value) == (Decimal("11.90"), Decimal("1.90"))
    assert order.total == Decimal("34.90")
    data = log_data(db_session, order, "pretix.event.order.changed.price")
    assert (data["old_price"], data["new_price"]) == ("23.00", "11.90")
    assert_journal_consistent(db_session, order)


def test_change_tax_rule_of_a_fee_keeps_gross(db_session: Any, order_factory: Any) -> None:
    order = order_factory(fees=[("service", "2.38")])
    fee = order.fees[0]
    ocm = OrderChangeManager(order)
    ocm.change_tax_rule(fee, None)
    ocm.commit()
    assert (fee.value, fee.tax_rate, fee.tax_value, fee.tax_rule_id) == (Decimal("2.38"), Decimal("0"),
                                                                         Decimal("0.00"), None)
    assert "pretix.event.order.changed.tax_rule" in actions(db_session, order)
    assert_journal_consistent(db_session, order)


def test_change_validity_and_secret(db_session: Any, order_factory: Any) -> None:
    order = order_factory()
    first, second = order.positions
    old = second.secret
    start = datetime(2030, 1, 1, tzinfo=UTC)
    ocm = OrderChangeManager(order, notify=False)
    ocm.change_validity(first, valid_from=start)
    ocm.regenerate_secret(second)
    ocm.commit()
    assert first.valid_from == start and first.valid_until is None
    assert second.secret != old
    assert {"pretix.event.order.changed.valid_from", "pretix.event.order.changed.secret"} <= set(
        actions(db_session, order))


# -- positions and fees ----------------------------------------------------------------------------------------


def test_add_position_uses_the_listed_price(db_session: Any, order_factory: Any, catalogue: Any) -> None:
    order = order_factory()
    ocm = OrderChangeManager(order)
    ocm.add_position(catalogue.shirt, catalogue.shirt_l)
    ocm.commit()
    added = order.positions[-1]
    assert (added.positionid, added.price, added.tax_value) == (3, Decimal("17.00"), Decimal("2.71"))
    assert order.total == Decimal("63.00")
    assert log_data(db_session, order, "pretix.event.order.changed.add")["positionid"] == 3
    assert_journal_consistent(db_session, order)


def test_add_position_needs_quota(db_session: Any, order_factory: Any, catalogue: Any) -> None:
    order = order_factory()
    _fill(order_factory, catalogue.ticket, None, 8)
    ocm = OrderChangeManager(order)
    ocm.add_position(catalogue.ticket, None, Decimal("23.00"))
    with pytest.raises(OrderError) as info:
        ocm.commit()
    assert info.value.key == "quota"
    ocm = OrderChangeManager(order)
    ocm.add_position(catalogue.ticket, None, Decimal("23.00"))
    ocm.commit(check_quotas=False)
    assert len(order.positions) == 3


def test_cancel_position_with_addons_and_voucher(db_session: Any, order_factory: Any, catalogue: Any) -> None:
    voucher = Voucher(event=catalogue.event, organizer_id=catalogue.event.organizer_id, code="V", max_usages=5,
                      redeemed=1)
    db_session.add(voucher)
    db_session.flush()
    order = order_factory(items=[(catalogue.ticket, None, "20.00", {"voucher": voucher}),
                                 (catalogue.ticket, None, "23.00"), (catalogue.shirt, catalogue.shirt_s, "15.00")])
    parent, _other, addon = order.all_positions
    addon.addon_to = parent
    db_session.flush()
    ocm = OrderChangeManager(order)
    ocm.cancel_position(parent)
    ocm.commit()
    assert [p.positionid for p in order.positions] == [2]
    assert order.total == Decimal("23.00")
    db_session.refresh(voucher)
    assert voucher.redeemed == 0
    assert log_data(db_session, order, "pretix.event.order.changed.cancel")["addons"] == [addon.id]
    assert_journal_consistent(db_session, order)


def test_cancel_every_position_is_refused(order_factory: Any) -> None:
    order = order_factory()
    ocm = OrderChangeManager(order)
    for position in order.positions:
        ocm.cancel_position(position)
    with pytest.raises(OrderError) as info:
        ocm.commit()
    assert info.value.key == "complete_cancel"


def test_fee_operations(db_session: Any, order_factory: Any) -> None:
    order = order_factory(fees=[("payment", "2.00"), ("service", "1.00")])
    payment, service = order.fees
    ocm = OrderChangeManager(order)
    ocm.add_fee("shipping", Decimal("5.95"))
    ocm.change_fee(payment, Decimal("3.00"))
    ocm.cancel_fee(service)
    ocm.commit()
    assert sorted((f.fee_type, f.value) for f in order.fees) == [("payment", Decimal("3.00")),
                                                                 ("shipping", Decimal("5.95"))]
    assert order.total == Decimal("54.95")
    assert [a for a in actions(db_session, order) if ".changed." in a] == [
        "pretix.event.order.changed.addfee", "pretix.event.order.changed.feevalue",
        "pretix.event.order.changed.cancelfee",
    ]
    assert_journal_consistent(db_session, order)


# -- payment status --------------------------------------------------------------------------------------------


def test_paid_order_whose_total_grows_becomes_pending(db_session: Any, order_factory: Any, catalogue: Any) -> None:
    order = order_factory(status=Order.STATUS_PAID, paid=True)
    ocm = OrderChangeManager(order)
    ocm.add_position(catalogue.shirt, catalogue.shirt_s)
    ocm.commit()
    assert order.status == Order.STATUS_PENDING
    assert order.expires > datetime.now(UTC) + timedelta(days=13)
    assert pending_sum(order) == Decimal("15.00")
    assert_journal_consistent(db_session, order)


def test_paid_order_whose_total_shrinks_stays_paid_and_overpaid(db_session: Any, order_factory: Any) -> None:
    order = order_factory(status=Order.STATUS_PAID, paid=True)
    ocm = OrderChangeManager(order)
    ocm.cancel_position(order.positions[1])
    ocm.commit()
    assert order.status == Order.STATUS_PAID
    assert pending_sum(order) == Decimal("-23.00")  # no automatic refund
    assert order.refunds == []


def test_pending_order_covered_after_change_becomes_paid(db_session: Any, order_factory: Any,
                                                         signal_log: Any) -> None:
    order = order_factory()
    db_session.add(OrderPayment(order=order, organizer_id=order.organizer_id, local_id=1, provider="manual",
                                amount=Decimal("23.00"), state=OrderPayment.PAYMENT_STATE_CONFIRMED))
    db_session.flush()
    ocm = OrderChangeManager(order)
    ocm.cancel_position(order.positions[1])
    ocm.commit()
    assert order.status == Order.STATUS_PAID
    assert signal_log.of(OrderPaid)
    assert_journal_consistent(db_session, order)


# -- split -----------------------------------------------------------------------------------------------------


def test_split_paid_order(db_session: Any, order_factory: Any, catalogue: Any) -> None:
    order = order_factory(status=Order.STATUS_PAID, paid=True,
                          items=[(catalogue.ticket, None, "23.00"), (catalogue.ticket, None, "23.00"),
                                 (catalogue.shirt, catalogue.shirt_s, "15.00")])
    _first, second, shirt = order.positions
    shirt.addon_to = second
    db_session.flush()
    ocm = OrderChangeManager(order)
    ocm.split(second)
    ocm.commit()
    new = ocm.split_order
    assert new is not None and new.code != order.code
    assert [p.positionid for p in new.positions] == [1, 2]
    assert [p.positionid for p in order.positions] == [1]
    assert (order.total, new.total) == (Decimal("23.00"), Decimal("38.00"))
    assert (order.status, new.status) == (Order.STATUS_PAID, Order.STATUS_PAID)
    assert pending_sum(order) == 0 and pending_sum(new) == 0
    assert [(p.provider, p.amount) for p in new.payments] == [("offsetting", Decimal("38.00"))]
    assert log_data(db_session, order, "pretix.event.order.changed.split")["new_order"] == new.code
    assert log_data(db_session, new, "pretix.event.order.changed.split_from")["original_order"] == order.code
    assert new.email == order.email and new.sales_channel_id == order.sales_channel_id
    assert_journal_consistent(db_session, order, new)


def test_split_everything_is_refused(order_factory: Any) -> None:
    order = order_factory()
    ocm = OrderChangeManager(order)
    ocm.split(*order.positions)
    with pytest.raises(OrderError) as info:
        ocm.commit()
    assert info.value.key == "split_all"


# -- taxes -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("keep", "price", "tax"), [
    ("gross", Decimal("23.00"), Decimal("1.50")),
    ("net", Decimal("20.68"), Decimal("1.35")),
])
def test_recalculate_taxes(db_session: Any, order_factory: Any, catalogue: Any, keep: str, price: Decimal,
                           tax: Decimal) -> None:
    order = order_factory()
    catalogue.tax.rate = Decimal("7")
    db_session.flush()
    ocm = OrderChangeManager(order)
    ocm.recalculate_taxes(keep=keep)
    ocm.commit()
    assert [(p.price, p.tax_rate, p.tax_value) for p in order.positions] == [(price, Decimal("7"), tax)] * 2
    assert order.total == price * 2
    assert log_data(db_session, order, "pretix.event.order.changed.recomputed") == {"keep": keep, "changed": 2}
    assert_journal_consistent(db_session, order)


# -- refusals --------------------------------------------------------------------------------------------------


def test_operation_refusals(order_factory: Any, catalogue: Any) -> None:
    order, other = order_factory(), order_factory()
    ocm = OrderChangeManager(order)
    cases = [
        (lambda: ocm.change_price(other.positions[0], Decimal("1")), "position_not_in_order"),
        (lambda: ocm.change_item(order.positions[0], catalogue.shirt), "product_without_variation"),
        (lambda: ocm.change_item(order.positions[0], catalogue.ticket, catalogue.shirt_s), "product_invalid"),
        (lambda: ocm.change_price(order.positions[0], Decimal("-1")), "price_not_a_number"),
        (lambda: ocm.change_price(order.positions[0], Decimal("1e12")), "price_too_high"),
        (lambda: ocm.change_subevent(order.positions[0], None), "subevent_required"),
        (lambda: ocm.add_fee("tip", Decimal("1")), "fee_type_invalid"),
        (lambda: ocm.recalculate_taxes(keep="both"), "keep_invalid"),
    ]
    for call, key in cases:
        with pytest.raises(OrderError) as info:
            call()
        assert info.value.key == key


def test_canceled_orders_cannot_be_changed(order_factory: Any) -> None:
    order = order_factory()
    ocm = OrderChangeManager(order)
    ocm.change_price(order.positions[0], Decimal("1.00"))
    cancel_order(order, send_mail=False)
    with pytest.raises(OrderError) as info:
        ocm.commit()
    assert info.value.key == "order_canceled"


def test_change_reissues_an_open_invoice(db_session: Any, tm: Any, huey_immediate: Any, order_factory: Any) -> None:
    from core.models import Invoice
    from core.services.invoices import generate_invoice

    order = order_factory()
    order_id, first_id = order.id, generate_invoice(order).id
    ocm = OrderChangeManager(order, notify=False)
    ocm.change_price(order.positions[0], Decimal("20.00"))
    ocm.commit()
    tm.commit()
    tm.begin()
    invoices = db_session.scalars(select(Invoice).where(Invoice.order_id == order_id).order_by(Invoice.id)).all()
    assert len(invoices) == 3  # original, its cancellation, the new one
    assert invoices[1].is_cancellation and invoices[1].refers_id == first_id
    assert sum(line.gross_value for line in invoices[2].lines) == Decimal("43.00")
