"""Quota availability: every source and state, constant query count, bundles, close when sold out."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import event as sa_event
from sqlalchemy import func, select

from core.db import tenancy
from core.models import ItemBundle, LogEntry
from core.models.orders import Order
from core.services import quotas
from core.services.quotas import AVAILABILITY_GONE, AVAILABILITY_OK, AVAILABILITY_ORDERED, AVAILABILITY_RESERVED
from tests.core.services.cart.shop import Shop, make_shop, real_now

PAID, PENDING = Order.STATUS_PAID, Order.STATUS_PENDING


@pytest.fixture
def shop(db_session, event) -> Iterator[Shop]:
    token = tenancy.enter(event.organizer_id)
    yield make_shop(db_session, event)
    tenancy.leave(token)


def _use(shop: Shop, source: str, n: int) -> None:
    if source == "paid":
        shop.order(PAID, count=n)
    elif source == "pending":
        shop.order(PENDING, count=n)
    elif source == "voucher":
        shop.voucher("BLOCK1", max_usages=n + 1, redeemed=1, block_quota=True, item=shop.ticket)
    elif source == "cart":
        shop.cart(count=n)


@pytest.mark.parametrize(("uses", "expected"), [
    ([], (AVAILABILITY_OK, 10)),
    ([("paid", 3)], (AVAILABILITY_OK, 7)),
    ([("paid", 10)], (AVAILABILITY_GONE, 0)),
    ([("paid", 12)], (AVAILABILITY_GONE, 0)),
    ([("pending", 10)], (AVAILABILITY_ORDERED, 0)),
    ([("paid", 6), ("pending", 4)], (AVAILABILITY_ORDERED, 0)),
    ([("paid", 4), ("pending", 4)], (AVAILABILITY_OK, 2)),
    ([("voucher", 10)], (AVAILABILITY_ORDERED, 0)),
    ([("paid", 5), ("voucher", 3)], (AVAILABILITY_OK, 2)),
    ([("cart", 10)], (AVAILABILITY_RESERVED, 0)),
    ([("paid", 5), ("pending", 2), ("voucher", 2), ("cart", 1)], (AVAILABILITY_RESERVED, 0)),
    ([("paid", 5), ("pending", 2), ("voucher", 2), ("cart", 0)], (AVAILABILITY_OK, 1)),
])
def test_sources_and_states(shop, db_session, uses, expected) -> None:
    for source, n in uses:
        _use(shop, source, n)
    assert quotas.availability(db_session, [shop.quota]) == {shop.quota.id: expected}


@pytest.mark.parametrize(("fields", "expected"), [
    ({"closed": True}, (AVAILABILITY_ORDERED, 0)),
    ({"size": None}, (AVAILABILITY_OK, None)),
    ({"size": 0}, (AVAILABILITY_GONE, 0)),
])
def test_early_outs(shop, db_session, fields, expected) -> None:
    for key, value in fields.items():
        setattr(shop.quota, key, value)
    db_session.flush()
    assert quotas.availability(db_session, [shop.quota])[shop.quota.id] == expected


def test_ignore_closed_computes_the_real_numbers(shop, db_session) -> None:
    shop.quota.closed = True
    shop.order(PAID, count=2)
    assert quotas.availability(db_session, [shop.quota], ignore_closed=True)[shop.quota.id] == (AVAILABILITY_OK, 8)


def test_what_does_not_count(shop, db_session) -> None:
    shop.order(Order.STATUS_EXPIRED, count=3)
    shop.order(Order.STATUS_CANCELED, count=3)
    shop.order(PAID, count=2, canceled=True)
    shop.order(PAID, count=1, blocked=["admin"], ignore_from_quota_while_blocked=True)
    shop.order(PAID, count=1, blocked=["admin"])
    shop.cart(count=4, expires=real_now() - dt.timedelta(seconds=1))
    shop.voucher("EXPIRED1", max_usages=5, block_quota=True, item=shop.ticket,
                 valid_until=real_now() - dt.timedelta(minutes=1))
    shop.voucher("USEDUP1", max_usages=2, redeemed=2, block_quota=True, item=shop.ticket)
    shop.voucher("NOBLOCK1", max_usages=5, item=shop.ticket)
    shop.order(PAID, count=2, item=shop.shirt, variation=shop.small)
    assert quotas.availability(db_session, [shop.quota])[shop.quota.id] == (AVAILABILITY_OK, 9)


def test_cart_with_valid_blocking_voucher_counts_once(shop, db_session) -> None:
    voucher = shop.voucher("BLOCK2", max_usages=3, block_quota=True, quota=shop.quota)
    shop.cart(count=2, voucher=voucher)
    assert quotas.availability(db_session, [shop.quota])[shop.quota.id] == (AVAILABILITY_OK, 7)


def test_ignore_cart_id_and_real_time(shop, db_session) -> None:
    shop.cart("mine", count=3)
    shop.cart("theirs", count=2)
    assert quotas.availability(db_session, [shop.quota], ignore_cart_id="mine")[shop.quota.id] == (AVAILABILITY_OK, 8)
    later = real_now() + dt.timedelta(hours=1)
    assert quotas.availability(db_session, [shop.quota], now=later)[shop.quota.id] == (AVAILABILITY_OK, 10)


def test_variations_count_in_their_quotas_only(shop, db_session) -> None:
    small_only = shop.quota_of(shop.small, size=3)
    shop.order(PAID, item=shop.shirt, variation=shop.small, count=2)
    shop.order(PAID, item=shop.shirt, variation=shop.large, count=1)
    result = quotas.availability(db_session, [shop.shirts, small_only])
    assert result == {shop.shirts.id: (AVAILABILITY_OK, 2), small_only.id: (AVAILABILITY_OK, 1)}


def test_voucher_bindings(shop, db_session) -> None:
    small_only = shop.quota_of(shop.small, size=10)
    shop.voucher("VARIANT1", max_usages=2, block_quota=True, item=shop.shirt, variation=shop.small)
    shop.voucher("ITEM0001", max_usages=1, block_quota=True, item=shop.shirt)
    shop.voucher("QUOTA001", max_usages=4, block_quota=True, quota=small_only)
    result = quotas.availability(db_session, [shop.shirts, small_only])
    assert result == {shop.shirts.id: (AVAILABILITY_OK, 2), small_only.id: (AVAILABILITY_OK, 3)}


def test_series_dates_are_separate(shop, db_session) -> None:
    from core.models import SubEvent

    first = SubEvent(event=shop.event, organizer_id=shop.organizer_id, name={"en": "1"}, active=True,
                     date_from=dt.datetime(2030, 1, 1, tzinfo=dt.UTC))
    second = SubEvent(event=shop.event, organizer_id=shop.organizer_id, name={"en": "2"}, active=True,
                      date_from=dt.datetime(2030, 1, 2, tzinfo=dt.UTC))
    shop.add(first, second)
    q1, q2 = shop.quota_of(shop.ticket, size=5, subevent=first), shop.quota_of(shop.ticket, size=5, subevent=second)
    shop.order(PAID, count=2, subevent=first)
    shop.cart(count=1, subevent_id=second.id)
    assert quotas.availability(db_session, [q1, q2]) == {q1.id: (AVAILABILITY_OK, 3), q2.id: (AVAILABILITY_OK, 4)}
    assert quotas.item_availability(db_session, shop.event, [shop.ticket], subevent=second) == {
        (shop.ticket.id, None): (AVAILABILITY_OK, 4)}


def test_waiting_list_flag_without_table(shop, db_session) -> None:
    shop.order(PAID, count=1)
    assert quotas.availability(db_session, [shop.quota], count_waitinglist=False)[shop.quota.id] == (
        AVAILABILITY_OK, 9)


@pytest.fixture
def count_queries(db_session) -> Iterator[list[str]]:
    statements: list[str] = []
    engine = db_session.get_bind().engine

    def listener(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    sa_event.listen(engine, "before_cursor_execute", listener)
    yield statements
    sa_event.remove(engine, "before_cursor_execute", listener)


def test_query_count_is_constant(shop, db_session, count_queries) -> None:
    many = [shop.quota_of(shop.item(f"Item {n}"), size=5) for n in range(100)]
    shop.order(PAID, item=many[7].items[0], count=2)
    db_session.flush()
    count_queries.clear()
    one = quotas.availability(db_session, [shop.quota])
    single = len(count_queries)
    count_queries.clear()
    all_results = quotas.availability(db_session, [shop.quota, *many])
    assert len(count_queries) == single <= 4
    assert one[shop.quota.id] == all_results[shop.quota.id] == (AVAILABILITY_OK, 10)
    assert all_results[many[7].id] == (AVAILABILITY_OK, 3)
    assert all(all_results[q.id] == (AVAILABILITY_OK, 5) for q in many if q is not many[7])


def test_no_queries_for_decided_quotas(shop, db_session, count_queries) -> None:
    shop.quota.size = None
    db_session.flush()
    count_queries.clear()
    assert quotas.availability(db_session, [shop.quota]) == {shop.quota.id: (AVAILABILITY_OK, None)}
    assert count_queries == []


def test_close_when_sold_out_closes_and_logs_once(shop, db_session) -> None:
    shop.quota.close_when_sold_out = True
    shop.order(PAID, count=9)
    assert quotas.availability(db_session, [shop.quota])[shop.quota.id] == (AVAILABILITY_OK, 1)
    assert not shop.quota.closed
    shop.order(PAID, count=1)
    assert quotas.availability(db_session, [shop.quota])[shop.quota.id] == (AVAILABILITY_GONE, 0)
    assert quotas.availability(db_session, [shop.quota])[shop.quota.id] == (AVAILABILITY_ORDERED, 0)
    db_session.expire(shop.quota)
    assert shop.quota.closed is True
    logged = db_session.scalar(select(func.count()).select_from(LogEntry).where(
        LogEntry.action_type == "pretix.event.quota.closed", LogEntry.object_id == shop.quota.id))
    assert logged == 1


def test_reserved_does_not_close(shop, db_session) -> None:
    shop.quota.close_when_sold_out = True
    shop.cart(count=10)
    assert quotas.availability(db_session, [shop.quota])[shop.quota.id] == (AVAILABILITY_RESERVED, 0)
    assert not shop.quota.closed


def test_quota_details(shop, db_session) -> None:
    shop.order(PAID, count=2)
    shop.order(PENDING, count=3)
    shop.voucher("BLOCK3", max_usages=2, block_quota=True, item=shop.ticket)
    shop.cart(count=1)
    details = quotas.quota_details(db_session, [shop.quota])[shop.quota.id]
    assert details.as_dict() == {
        "paid_orders": 2, "pending_orders": 3, "exited_orders": 0, "blocking_vouchers": 2, "cart_positions": 1,
        "waiting_list": 0, "available_number": 2, "available": True, "total_size": 10,
    }


def test_item_availability_worst_quota_and_no_quota(shop, db_session) -> None:
    tight = shop.quota_of(shop.ticket, size=3)
    shop.order(PAID, count=1)
    lonely = shop.item("No quota")
    result = quotas.item_availability(db_session, shop.event, [shop.ticket, lonely, shop.small, shop.large])
    assert result[(shop.ticket.id, None)] == (AVAILABILITY_OK, 2)
    assert result[(lonely.id, None)] == (AVAILABILITY_GONE, 0)
    assert result[(shop.shirt.id, shop.small.id)] == (AVAILABILITY_OK, 5)
    tight.size = 1
    db_session.flush()
    result = quotas.item_availability(db_session, shop.event, [shop.ticket])
    assert result[(shop.ticket.id, None)] == (AVAILABILITY_GONE, 0)


def test_item_availability_bundles_with_multiplicity(shop, db_session) -> None:
    drink = shop.item("Drink")
    drinks = shop.quota_of(drink, size=7)
    shop.add(ItemBundle(base_item=shop.ticket, organizer_id=shop.organizer_id, bundled_item=drink, count=3))
    assert quotas.item_availability(db_session, shop.event, [shop.ticket])[(shop.ticket.id, None)] == (
        AVAILABILITY_OK, 2)
    shop.order(PAID, item=drink, count=6)
    assert quotas.item_availability(db_session, shop.event, [shop.ticket])[(shop.ticket.id, None)] == (
        AVAILABILITY_OK, 0)
    drinks.size = 6
    db_session.flush()
    assert quotas.item_availability(db_session, shop.event, [shop.ticket])[(shop.ticket.id, None)] == (
        AVAILABILITY_GONE, 0)


def test_bundled_product_without_quota_makes_base_unavailable(shop, db_session) -> None:
    shop.add(ItemBundle(base_item=shop.ticket, organizer_id=shop.organizer_id, bundled_item=shop.item("Pin")))
    assert quotas.item_availability(db_session, shop.event, [shop.ticket])[(shop.ticket.id, None)] == (
        AVAILABILITY_GONE, 0)


def test_plugin_signal_may_lower_results(shop, db_session, plugin_config) -> None:
    from core.interfaces.quotas import IQuotaAvailability
    from core.pluginhost import Level
    from sdk.testing import make_fake_plugin

    seen: list[Any] = []

    def handler(signal: Any, results: dict[int, Any], **kw: Any) -> dict[int, Any]:
        seen.append(signal)
        return {quota_id: (AVAILABILITY_ORDERED, 0) for quota_id in results}

    def includeme(config: Any) -> None:
        config.add_signal_handler(handler, IQuotaAvailability)

    plugin_config(make_fake_plugin("soldout", includeme, level=Level.PLATFORM))
    assert quotas.availability(db_session, [shop.quota]) == {shop.quota.id: (AVAILABILITY_ORDERED, 0)}
    assert seen[0].scope is shop.event and seen[0].quotas == [shop.quota]
