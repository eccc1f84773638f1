"""Order placement: checks and their error keys, prices, fees, approval, free orders, simulate, force, bookkeeping."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy import event as sa_event
from sqlalchemy import func, select

from core.models import LogEntry, Voucher
from core.models.orders import Order
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


def test_sold_out_quota_refuses_and_writes_nothing(db_session, catalogue, order_factory) -> None:
    order_factory(items=[(catalogue.ticket, None, "23.00")] * 9)
    before = (count(db_session, Order), count(db_session, OrderPosition))
    with pytest.raises(CommerceError) as info:
        place(db_session, catalogue, [catalogue.ticket] * 2)
    assert info.value.key == "in_part" and info.value.params["available"] == 1
    order_factory(items=[(catalogue.ticket, None, "23.00")])
    with pytest.raises(CommerceError) as info:
        place(db_session, catalogue)
    assert info.value.key == "unavailable"
    assert (count(db_session, Order), count(db_session, OrderPosition)) == (before[0] + 1, before[1] + 1)


def test_last_place_is_sold_and_a_refusal_after_the_written_rows_leaves_nothing(db_session, catalogue,
                                                                                 order_factory) -> None:
    order_factory(items=[(catalogue.ticket, None, "23.00")] * 8)
    order = place(db_session, catalogue, [catalogue.ticket] * 2, payment_provider="manual")
    assert order.id is not None and len(order.all_positions) == 2
    before = (count(db_session, Order), count(db_session, Transaction), actions(db_session))
    with pytest.raises(CommerceError) as info:
        place(db_session, catalogue, payment_provider="manual")
    assert info.value.key == "unavailable"
    assert (count(db_session, Order), count(db_session, Transaction), actions(db_session)) == before


def test_a_taken_random_code_is_replaced_by_a_checked_one(db_session, catalogue, monkeypatch) -> None:
    from core.services.orders import placement

    first = place(db_session, catalogue, payment_provider="manual")
    monkeypatch.setattr(placement, "random_order_code", lambda testmode=False: first.code)
    second = place(db_session, catalogue, [catalogue.ticket] * 2, payment_provider="manual")
    assert second.code != first.code and len(second.code) == len(first.code)
    assert [p.positionid for p in second.all_positions] == [1, 2]
    db_session.expire_all()
    assert count(db_session, Order) == 2 and count(db_session, OrderPosition) == 3
    assert count(db_session, Transaction) == 3
    assert actions(db_session).count("pretix.event.order.placed") == 2


def test_capacity_taken_earlier_in_the_transaction_counts(db_session, catalogue, order_factory) -> None:
    earlier = order_factory(items=[(catalogue.ticket, None, "23.00")] * 9, status=Order.STATUS_CANCELED)
    earlier.status = Order.STATUS_PENDING
    with pytest.raises(CommerceError) as info:
        place(db_session, catalogue, [catalogue.ticket] * 2)
    assert info.value.key == "in_part" and info.value.params["available"] == 1


def test_force_skips_quota_and_voucher_checks(db_session, catalogue, order_factory) -> None:
    order_factory(items=[(catalogue.ticket, None, "23.00")] * 10)
    order = place(db_session, catalogue, force=True, sales_channel="api")
    assert order.status == Order.STATUS_PENDING


@pytest.mark.parametrize(("change", "key"), [
    (lambda cat: setattr(cat.ticket, "active", False), "unavailable"),
    (lambda cat: setattr(cat.ticket, "require_voucher", True), "voucher_required"),
    (lambda cat: setattr(cat.ticket, "max_per_order", 1), "max_items_per_product"),
    (lambda cat: setattr(cat.ticket, "min_per_order", 3), "min_items_per_product"),
    (lambda cat: cat.ticket_quota.items.remove(cat.ticket), "unavailable"),
])
def test_position_constraints(db_session, catalogue, change, key) -> None:
    change(catalogue)
    db_session.flush()
    with pytest.raises(CommerceError) as info:
        place(db_session, catalogue, [catalogue.ticket, catalogue.ticket])
    assert info.value.key == key
    assert count(db_session, Order) == 0


def test_variation_required_and_priced(db_session, catalogue) -> None:
    with pytest.raises(CommerceError) as info:
        place(db_session, catalogue, [catalogue.shirt])
    assert info.value.key == "unavailable"
    order = place(db_session, catalogue, [PositionRequest(item=catalogue.shirt, variation=catalogue.shirt_l)])
    assert order.total == D("17.00")


def test_max_order_size(db_session, catalogue) -> None:
    with pytest.raises(CommerceError) as info:
        place(db_session, catalogue, [catalogue.ticket] * 501, force=True)
    assert info.value.key == "max_items"


def make_voucher(db_session, catalogue, **fields) -> Voucher:
    fields.setdefault("code", "SAVE10NOW")
    voucher = Voucher(event=catalogue.event, organizer_id=catalogue.event.organizer_id, **fields)
    db_session.add(voucher)
    db_session.flush()
    return voucher


def test_voucher_price_usage_and_log(db_session, catalogue) -> None:
    voucher = make_voucher(db_session, catalogue, max_usages=2, price_mode="subtract", value=D("3.00"))
    order = place(db_session, catalogue, [PositionRequest(item=catalogue.ticket, voucher="save10now")] * 2)
    assert order.total == D("40.00")
    db_session.refresh(voucher)
    assert voucher.redeemed == 2
    assert "pretix.voucher.redeemed" in actions(db_session)
    with pytest.raises(CommerceError) as info:
        place(db_session, catalogue, [PositionRequest(item=catalogue.ticket, voucher=voucher)])
    assert info.value.key == "voucher_redeemed"


def test_voucher_errors(db_session, catalogue) -> None:
    expired = make_voucher(db_session, catalogue, code="OLDVOUCHER",
                           valid_until=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1))
    other = make_voucher(db_session, catalogue, code="SHIRTONLY", item=catalogue.shirt)
    minimum = make_voucher(db_session, catalogue, code="TWOATLEAST", max_usages=5, min_usages=2)
    for voucher, key in ((expired, "voucher_expired"), (other, "voucher_invalid_item"),
                         (minimum, "voucher_min_usages")):
        with pytest.raises(CommerceError) as info:
            place(db_session, catalogue, [PositionRequest(item=catalogue.ticket, voucher=voucher)])
        assert info.value.key == key
    with pytest.raises(CommerceError) as info:
        place(db_session, catalogue, [PositionRequest(item=catalogue.ticket, voucher="NOSUCHCODE")])
    assert info.value.key == "voucher_invalid"


def test_voucher_budget_caps_the_discount(db_session, catalogue) -> None:
    voucher = make_voucher(db_session, catalogue, max_usages=10, price_mode="subtract", value=D("10.00"),
                           budget=D("15.00"))
    order = place(db_session, catalogue, [PositionRequest(item=catalogue.ticket, voucher=voucher)] * 2)
    assert [p.price for p in order.all_positions] == [D("13.00"), D("18.00")]
    assert [p.voucher_budget_use for p in order.all_positions] == [D("10.00"), D("5.00")]
    second = place(db_session, catalogue, [PositionRequest(item=catalogue.ticket, voucher=voucher)])
    assert second.total == D("23.00")


def test_approval_creates_no_payment(db_session, catalogue) -> None:
    catalogue.ticket.require_approval = True
    order = place(db_session, catalogue, payment_provider="manual")
    assert order.require_approval and order.payments == [] and order.status == Order.STATUS_PENDING
    assert count(db_session, Transaction) == 0
    assert "pretix.event.order.placed.require_approval" in actions(db_session)


def test_free_order_is_confirmed_at_once(db_session, catalogue) -> None:
    order = place(db_session, catalogue, [PositionRequest(item=catalogue.ticket, price=D("0.00"))],
                  sales_channel="api")
    assert order.status == Order.STATUS_PAID
    assert [(p.provider, p.state) for p in order.payments] == [("free", "confirmed")]


def test_payment_fee_is_added(db_session, catalogue) -> None:
    settings = settings_for(db_session, catalogue.event)
    settings.set("payment_manual__fee_abs", D("1.50"))
    order = place(db_session, catalogue, payment_provider="manual")
    fees = db_session.scalars(select(OrderFee)).all()
    assert [(f.fee_type, f.value, f.internal_type) for f in fees] == [("payment", D("1.50"), "manual")]
    assert order.total == D("24.50") and order.payments[0].fee is fees[0]
    assert count(db_session, Transaction) == 2


def test_unknown_provider_and_channel(db_session, catalogue) -> None:
    for kwargs, key in (({"payment_provider": "nope"}, "payment_provider_unknown"),
                        ({"sales_channel": "nope"}, "sales_channel_unknown")):
        with pytest.raises(CommerceError) as info:
            place(db_session, catalogue, **kwargs)
        assert info.value.key == key


def test_simulate_writes_nothing(db_session, catalogue) -> None:
    order = place(db_session, catalogue, [catalogue.ticket] * 2, simulate=True, payment_provider="manual")
    assert order.total == D("46.00") and order.code
    assert count(db_session, Order) == 0 and count(db_session, Transaction) == 0 and count(db_session, LogEntry) == 0


def test_signal_and_mail_after_commit(db_session, catalogue, signal_log, mailoutbox, tm) -> None:
    settings = settings_for(db_session, catalogue.event)
    order = place(db_session, catalogue, payment_provider="manual")
    assert [s.signal.order for s in signal_log.of(OrderPlaced)] == [order]
    assert mailoutbox == []
    assert "web" in (settings.get("mail_sales_channel_placed_paid") or [])
    tm.commit()
    assert [m["To"] for m in mailoutbox] == ["buyer@example.org"]


def test_statement_count_of_a_one_position_order(db_session, catalogue, connection) -> None:
    place(db_session, catalogue, payment_provider="manual")
    db_session.expire_all()
    statements: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany) -> None:
        statements.append(statement)

    sa_event.listen(connection, "before_cursor_execute", record)
    try:
        place(db_session, catalogue, payment_provider="manual")
    finally:
        sa_event.remove(connection, "before_cursor_execute", record)
    # 7 reads (event, channel, item, quotas, variations, tax rule, whether there are discounts; no order code check:
    # the insert checks it), then in a savepoint 5 inserts (order, position, payment, journal, log entry) before
    # the lock, the availability of the locked quota in one statement, the usage counter upsert and the release; the
    # lock itself is already held in this transaction
    assert len(statements) <= 16, "\n".join(statements)


def test_a_discount_added_in_the_same_transaction_applies(db_session, catalogue) -> None:
    from core.models.discounts import Discount

    discount = Discount(event_id=catalogue.event.id, organizer_id=catalogue.event.organizer_id,
                        internal_name="2 for 1", condition_min_count=2,
                        benefit_discount_matching_percent=D("50"), condition_all_products=True)
    db_session.add(discount)  # not flushed: placement must still see it
    order = place(db_session, catalogue, [catalogue.ticket, catalogue.ticket])
    assert sorted(p.price for p in order.all_positions) == [D("11.50"), D("11.50")]
    assert {p.discount_id for p in order.all_positions} == {discount.id}


def test_changed_cart_price_refreshes_the_cart_and_refuses(db_session, catalogue) -> None:
    from core.models.cart import CartPosition

    expired = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)
    cart = CartPosition(event=catalogue.event, organizer_id=catalogue.event.organizer_id, cart_id="c1",
                        item=catalogue.ticket, price=D("20.00"), listed_price=D("20.00"),
                        price_after_voucher=D("20.00"), line_price_gross=D("20.00"), tax_rate=D("19"),
                        expires=expired)
    db_session.add(cart)
    db_session.flush()
    before = (count(db_session, Order), count(db_session, Transaction), actions(db_session))
    with pytest.raises(CommerceError) as info:
        place_order(db_session, catalogue.event, cart_id="c1", email="buyer@example.org", sales_channel="web")
    assert info.value.key == "price_changed"
    assert (info.value.params["old_total"], info.value.params["new_total"]) == (D("20.00"), D("23.00"))
    db_session.expire_all()
    cart = db_session.get(CartPosition, cart.id)
    assert (cart.price, cart.listed_price, cart.price_after_voucher, cart.line_price_gross) == (D("23.00"),) * 4
    assert cart.tax_rate == D("19") and cart.tax_code == "S/standard" and cart.expires == expired
    assert (count(db_session, Order), count(db_session, Transaction), actions(db_session)) == before
    order = place_order(db_session, catalogue.event, cart_id="c1", email="buyer@example.org", sales_channel="web")
    assert order.total == D("23.00") and count(db_session, CartPosition) == 0


def test_simulated_checkout_leaves_a_changed_cart_price(db_session, catalogue) -> None:
    from core.models.cart import CartPosition

    cart = CartPosition(event=catalogue.event, organizer_id=catalogue.event.organizer_id, cart_id="c2",
                        item=catalogue.ticket, price=D("20.00"), listed_price=D("20.00"),
                        expires=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5))
    db_session.add(cart)
    db_session.flush()
    with pytest.raises(CommerceError, match="changed"):
        place_order(db_session, catalogue.event, cart_id="c2", email="buyer@example.org", simulate=True)
    db_session.expire_all()
    assert db_session.get(CartPosition, cart.id).price == D("20.00")


def make_series(db_session, catalogue, **overrides: Any) -> SimpleNamespace:
    """A series (in the catalogue's organizer) with one active date, a ticket (23.00) and a shirt (15.00, variation
    ``L`` 17.00) in quotas of that date. With ``overrides``, the ticket gets a ``SubEventItem`` with those fields."""
    from core.i18n import I18nString
    from core.models import Event, Item, ItemVariation, Quota
    from core.models.event import SubEvent
    from core.models.subevent_items import SubEventItem

    org = catalogue.event.organizer_id
    series = Event(organizer_id=org, slug="tour", name=I18nString({"en": "Tour"}), has_subevents=True,
                   date_from=dt.datetime(2030, 1, 1, 10, 0, tzinfo=dt.UTC))
    date = SubEvent(event=series, organizer_id=org, name=I18nString({"en": "Day 1"}), active=True,
                    date_from=dt.datetime.now(dt.UTC) + dt.timedelta(days=30))
    ticket = Item(event=series, organizer_id=org, name=I18nString({"en": "Ticket"}), default_price=D("23.00"),
                  admission=True)
    shirt = Item(event=series, organizer_id=org, name=I18nString({"en": "Shirt"}), default_price=D("15.00"))
    shirt_l = ItemVariation(item=shirt, organizer_id=org, value=I18nString({"en": "L"}), default_price=D("17.00"))
    quota = Quota(event=series, organizer_id=org, name="All", size=10, subevent=date)
    quota.items.extend([ticket, shirt])
    quota.variations.append(shirt_l)
    db_session.add_all([series, date, ticket, shirt, shirt_l, quota])
    if overrides:
        db_session.add(SubEventItem(subevent=date, item=ticket, organizer_id=org, **overrides))
    db_session.flush()
    return SimpleNamespace(event=series, date=date, ticket=ticket, shirt=shirt, shirt_l=shirt_l)


def place_dated(db_session, series: SimpleNamespace, positions: list[PositionRequest] | None = None) -> Order:
    positions = positions or [PositionRequest(item=series.ticket, subevent=series.date)]
    return place_order(db_session, series.event, positions=positions, email="buyer@example.org", sales_channel="web")


def test_date_disabled_product_is_refused(db_session, catalogue) -> None:
    series = make_series(db_session, catalogue, disabled=True)
    with pytest.raises(CommerceError) as info:
        place_dated(db_session, series)
    assert info.value.key == "unavailable"
    assert count(db_session, Order) == 0


@pytest.mark.parametrize("window", [
    {"available_from": dt.datetime.now(dt.UTC) + dt.timedelta(days=1)},
    {"available_until": dt.datetime.now(dt.UTC) - dt.timedelta(days=1)},
])
def test_product_outside_its_date_window_is_refused(db_session, catalogue, window) -> None:
    series = make_series(db_session, catalogue, **window)
    with pytest.raises(CommerceError) as info:
        place_dated(db_session, series)
    assert info.value.key == "unavailable"
    assert count(db_session, Order) == 0


def test_date_price_is_used_for_a_direct_position(db_session, catalogue) -> None:
    series = make_series(db_session, catalogue, price=D("9.50"))
    order = place_dated(db_session, series)
    assert order.total == D("9.50") and order.all_positions[0].price == D("9.50")


def test_date_without_overrides_places_at_the_catalogue_price(db_session, catalogue) -> None:
    series = make_series(db_session, catalogue)
    order = place_dated(db_session, series, [
        PositionRequest(item=series.ticket, subevent=series.date),
        PositionRequest(item=series.shirt, variation=series.shirt_l, subevent=series.date),
    ])
    assert order.total == D("40.00")
