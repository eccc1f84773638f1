"""Adding to carts: reservation, capacity, limits, prices, bundles and the error keys."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from core.models import ItemBundle
from core.models.cart import CartPosition
from core.services import quotas
from core.services.cart import add_to_cart, new_api_cart_id
from core.services.errors import CartError
from core.settings import settings_for
from core.timemachine import time_machine
from tests.core.services.cart.shop import real_now

D = Decimal


def count_positions(db_session, cart_id: str = "mine") -> int:
    return db_session.scalar(select(func.count()).select_from(CartPosition).where(CartPosition.cart_id == cart_id))


def test_add_reserves_and_prices(shop, step, db_session) -> None:
    before = real_now()
    positions = step(add_to_cart, shop.event, "mine", [{"item": shop.ticket, "count": 2}], sales_channel="web")
    assert len(positions) == 2
    position = positions[0]
    assert position.listed_price == position.price_after_voucher == position.price == D("23.00")
    assert position.tax_rate == D("19.00") and position.tax_code == "S/standard"
    assert before + dt.timedelta(minutes=29) < position.expires <= real_now() + dt.timedelta(minutes=30)
    assert position.max_extend >= before + dt.timedelta(minutes=11 * 30 - 1)
    assert quotas.availability(db_session, [shop.quota])[shop.quota.id] == (quotas.AVAILABILITY_OK, 8)


def test_expired_cart_releases_capacity(shop, step, db_session) -> None:
    step(add_to_cart, shop.event, "mine", [{"item": shop.ticket, "count": 10}], sales_channel="web")
    with pytest.raises(CartError) as info:
        step(add_to_cart, shop.event, "theirs", [{"item": shop.ticket}], sales_channel="web")
    assert info.value.key == "unavailable"
    later = real_now() + dt.timedelta(minutes=31)
    step(add_to_cart, shop.event, "theirs", [{"item": shop.ticket}], sales_channel="web", now=later)
    assert count_positions(db_session, "theirs") == 1


def test_in_part_adds_nothing(shop, step, db_session) -> None:
    shop.order(count=8)
    with pytest.raises(CartError) as info:
        step(add_to_cart, shop.event, "mine", [{"item": shop.ticket, "count": 3}], sales_channel="web")
    assert info.value.key == "in_part" and info.value.params["available"] == 2
    assert count_positions(db_session) == 0


@pytest.mark.parametrize(("change", "key"), [
    (lambda shop: setattr(shop.ticket, "active", False), "unavailable"),
    (lambda shop: setattr(shop.ticket, "require_voucher", True), "voucher_required"),
    (lambda shop: setattr(shop.ticket, "max_per_order", 1), "max_items_per_product"),
    (lambda shop: setattr(shop.ticket, "min_per_order", 3), "min_items_per_product"),
    (lambda shop: setattr(shop.tickets, "is_addon", True), "addon_only"),
    (lambda shop: setattr(shop.ticket, "require_bundling", True), "bundle_only"),
    (lambda shop: setattr(shop.event, "presale_start", real_now() + dt.timedelta(days=1)), "not_started"),
    (lambda shop: setattr(shop.event, "presale_end", real_now() - dt.timedelta(days=1)), "ended"),
    (lambda shop: shop.quota.items.remove(shop.ticket), "unavailable"),
    (lambda shop: setattr(shop.quota, "closed", True), "unavailable"),
])
def test_error_keys(shop, step, db_session, change, key) -> None:
    change(shop)
    db_session.flush()
    with pytest.raises(CartError) as info:
        step(add_to_cart, shop.event, "mine", [{"item": shop.ticket, "count": 2}], sales_channel="web")
    assert info.value.key == key
    assert count_positions(db_session) == 0


def test_max_items_per_order(shop, step, db_session) -> None:
    settings_for(db_session, shop.event).set("max_items_per_order", 3)
    step(add_to_cart, shop.event, "mine", [{"item": shop.ticket, "count": 2}], sales_channel="web")
    with pytest.raises(CartError) as info:
        step(add_to_cart, shop.event, "mine", [{"item": shop.ticket, "count": 2}], sales_channel="web")
    assert info.value.key == "max_items"
    assert count_positions(db_session) == 2


def test_item_window_uses_the_time_machine(shop, step) -> None:
    shop.ticket.available_until = dt.datetime(2029, 1, 1, tzinfo=dt.UTC)
    with time_machine(dt.datetime(2028, 6, 1, tzinfo=dt.UTC)):
        step(add_to_cart, shop.event, "mine", [{"item": shop.ticket}], sales_channel="web")
    with time_machine(dt.datetime(2029, 6, 1, tzinfo=dt.UTC)), pytest.raises(CartError) as info:
        step(add_to_cart, shop.event, "mine", [{"item": shop.ticket}], sales_channel="web")
    assert info.value.key == "unavailable"


def test_variation_needed_and_channel(shop, step) -> None:
    with pytest.raises(CartError) as info:
        step(add_to_cart, shop.event, "mine", [{"item": shop.shirt}], sales_channel="web")
    assert info.value.key == "unavailable"
    shop.shirt.all_sales_channels = False
    shop.shirt.limit_sales_channels = [shop.api]
    with pytest.raises(CartError) as info:
        step(add_to_cart, shop.event, "mine", [{"item": shop.shirt, "variation": shop.large}], sales_channel="web")
    assert info.value.key == "unavailable"
    positions = step(add_to_cart, shop.event, new_api_cart_id(), [{"item": shop.shirt, "variation": shop.large}],
                     sales_channel="api")
    assert positions[0].price == D("17.00")


def test_api_cart_ids_end_in_api(shop, step) -> None:
    with pytest.raises(CartError) as info:
        step(add_to_cart, shop.event, "plain", [{"item": shop.ticket}], sales_channel="api")
    assert info.value.key == "cart_id_invalid"
    with pytest.raises(CartError) as info:
        step(add_to_cart, shop.event, "mine", [], sales_channel="web")
    assert info.value.key == "empty"


def test_free_price(shop, step) -> None:
    shop.ticket.free_price = True
    positions = step(add_to_cart, shop.event, "mine", [{"item": shop.ticket, "price": "30.00"}], sales_channel="web")
    assert positions[0].price == D("30.00") and positions[0].custom_price_input == D("30.00")
    for price, key in (("5", "price_too_low"), ("abc", "price_not_a_number"), ("100000000000", "price_too_high")):
        with pytest.raises(CartError) as info:
            step(add_to_cart, shop.event, "mine", [{"item": shop.ticket, "price": price}], sales_channel="web")
        assert info.value.key == key


def test_bundles_expand_carve_and_count(shop, step, db_session) -> None:
    drink = shop.item("Drink", price="4.00")
    drinks = shop.quota_of(drink, size=5)
    shop.add(ItemBundle(base_item=shop.ticket, organizer_id=shop.organizer_id, bundled_item=drink, count=2,
                        designated_price=D("3.00")))
    positions = step(add_to_cart, shop.event, "mine", [{"item": shop.ticket, "count": 2}], sales_channel="web")
    bases = [p for p in positions if not p.is_bundled]
    bundled = [p for p in positions if p.is_bundled]
    assert len(bases) == 2 and len(bundled) == 4
    assert bases[0].price == D("17.00") and bundled[0].price == D("3.00")
    assert all(p.addon_to_id in {b.id for b in bases} for p in bundled)
    assert quotas.availability(db_session, [drinks])[drinks.id] == (quotas.AVAILABILITY_OK, 1)
    with pytest.raises(CartError) as info:
        step(add_to_cart, shop.event, "theirs", [{"item": shop.ticket}], sales_channel="web")
    assert info.value.key == "unavailable"
