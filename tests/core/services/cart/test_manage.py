"""Extending, removing, clearing carts; vouchers; add-ons; the clean-up task; the ValidateCart signal."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from core.models import ItemAddOn, ItemCategory
from core.models.cart import CartPosition
from core.services.cart import (
    add_to_cart,
    apply_voucher_to_cart,
    clear_cart,
    delete_old_carts,
    extend_cart,
    remove_from_cart,
    set_cart_addons,
)
from core.services.errors import CartError
from core.services.order_signals import ValidateCart
from tests.core.services.cart.shop import real_now

D = Decimal


def count(db_session, cart_id: str = "mine") -> int:
    return db_session.scalar(select(func.count()).select_from(CartPosition).where(CartPosition.cart_id == cart_id))


def test_extend_valid_cart_is_capped_by_max_extend(shop, step) -> None:
    start = real_now()
    [position] = step(add_to_cart, shop.event, "mine", [{"item": shop.ticket}], sales_channel="web", now=start)
    late = start + dt.timedelta(minutes=11 * 30 - 10)
    expires = step(extend_cart, shop.event, "mine", sales_channel="web", now=start + dt.timedelta(minutes=20))
    assert expires == start + dt.timedelta(minutes=50)
    assert position.max_extend == start + dt.timedelta(minutes=330)
    for minutes in range(40, 11 * 30 - 10, 25):
        step(extend_cart, shop.event, "mine", sales_channel="web", now=start + dt.timedelta(minutes=minutes))
    assert step(extend_cart, shop.event, "mine", sales_channel="web", now=late) == position.max_extend


def test_extend_expired_cart_rechecks_capacity(shop, step) -> None:
    start = real_now()
    step(add_to_cart, shop.event, "mine", [{"item": shop.ticket, "count": 4}], sales_channel="web", now=start)
    later = start + dt.timedelta(hours=1)
    shop.order(count=8)
    with pytest.raises(CartError) as info:
        step(extend_cart, shop.event, "mine", sales_channel="web", now=later)
    assert info.value.key == "in_part"
    shop.quota.size = 12
    expires = step(extend_cart, shop.event, "mine", sales_channel="web", now=later)
    assert expires == later + dt.timedelta(minutes=30)


def test_remove_and_clear(shop, step, db_session) -> None:
    positions = step(add_to_cart, shop.event, "mine", [{"item": shop.ticket, "count": 3}], sales_channel="web")
    step(remove_from_cart, shop.event, "mine", positions[0].id)
    assert count(db_session) == 2
    with pytest.raises(CartError) as info:
        step(remove_from_cart, shop.event, "mine", positions[0].id)
    assert info.value.key == "unknown_position"
    assert step(clear_cart, shop.event, "mine") == 2
    assert count(db_session) == 0
    with pytest.raises(CartError) as info:
        step(extend_cart, shop.event, "mine", sales_channel="web")
    assert info.value.key == "empty"


def test_voucher_prices_and_usage(shop, step) -> None:
    voucher = shop.voucher("HALFOFF", max_usages=2, price_mode="percent", value=D("50"), item=shop.ticket)
    positions = step(add_to_cart, shop.event, "mine", [{"item": shop.ticket, "voucher": "halfoff"}],
                     sales_channel="web")
    assert positions[0].listed_price == D("23.00") and positions[0].price == D("11.50")
    with pytest.raises(CartError) as info:
        step(add_to_cart, shop.event, "other", [{"item": shop.ticket, "voucher": "HALFOFF", "count": 2}],
             sales_channel="web")
    assert info.value.key == "voucher_redeemed_partial"
    step(add_to_cart, shop.event, "other", [{"item": shop.ticket, "voucher": "HALFOFF"}], sales_channel="web")
    with pytest.raises(CartError) as info:
        step(add_to_cart, shop.event, "third", [{"item": shop.ticket, "voucher": "HALFOFF"}], sales_channel="web")
    assert info.value.key == "voucher_redeemed_cart"
    voucher.redeemed = 2
    with pytest.raises(CartError) as info:
        step(add_to_cart, shop.event, "third", [{"item": shop.ticket, "voucher": "HALFOFF"}], sales_channel="web")
    assert info.value.key == "voucher_redeemed"


@pytest.mark.parametrize(("fields", "item", "key"), [
    ({"valid_until": real_now() - dt.timedelta(minutes=1)}, "ticket", "voucher_expired"),
    ({"item": "shirt"}, "ticket", "voucher_invalid_item"),
    ({"min_usages": 2, "max_usages": 3}, "ticket", "voucher_min_usages"),
])
def test_voucher_errors(shop, step, fields, item, key) -> None:
    fields = {k: getattr(shop, v) if k == "item" else v for k, v in fields.items()}
    shop.voucher("CODE123", **fields)
    with pytest.raises(CartError) as info:
        step(add_to_cart, shop.event, "mine", [{"item": getattr(shop, item), "voucher": "CODE123"}],
             sales_channel="web")
    assert info.value.key == key
    with pytest.raises(CartError) as info:
        step(add_to_cart, shop.event, "mine", [{"item": shop.ticket, "voucher": "NOPE99"}], sales_channel="web")
    assert info.value.key == "voucher_invalid"


def test_blocking_voucher_skips_quota(shop, step) -> None:
    shop.order(count=8)
    shop.voucher("BLOCKS2", max_usages=2, block_quota=True, item=shop.ticket)
    positions = step(add_to_cart, shop.event, "mine", [{"item": shop.ticket, "voucher": "BLOCKS2", "count": 2}],
                     sales_channel="web")
    assert len(positions) == 2


def test_apply_voucher_to_cart(shop, step) -> None:
    step(add_to_cart, shop.event, "mine", [{"item": shop.ticket, "count": 3}], sales_channel="web")
    shop.voucher("TENOFF1", max_usages=2, price_mode="subtract", value=D("10"))
    changed = step(apply_voucher_to_cart, shop.event, "mine", "tenoff1")
    assert len(changed) == 2 and {p.price for p in changed} == {D("13.00")}
    with pytest.raises(CartError) as info:
        step(apply_voucher_to_cart, shop.event, "mine", "TENOFF1")
    assert info.value.key == "voucher_redeemed_cart"


@pytest.fixture
def addons(shop):
    extras = ItemCategory(event=shop.event, organizer_id=shop.organizer_id, name={"en": "Extras"}, is_addon=True)
    shop.add(extras)
    parking = shop.item("Parking", price="8.00", category=extras)
    dinner = shop.item("Dinner", price="30.00", category=extras)
    shop.quota_of(parking, dinner, size=20)
    rule = ItemAddOn(base_item=shop.ticket, organizer_id=shop.organizer_id, addon_category=extras, min_count=1,
                     max_count=2)
    shop.add(rule)
    return parking, dinner, rule


def test_addons(shop, step, addons) -> None:
    parking, dinner, rule = addons
    [parent] = step(add_to_cart, shop.event, "mine", [{"item": shop.ticket}], sales_channel="web")
    with pytest.raises(CartError) as info:
        step(add_to_cart, shop.event, "mine", [{"item": parking}], sales_channel="web")
    assert info.value.key == "addon_only"
    with pytest.raises(CartError) as info:
        step(set_cart_addons, shop.event, "mine", [{"item": parking, "addon_to": parent.id, "count": 2}],
             sales_channel="web")
    assert info.value.key == "addon_no_multi"
    with pytest.raises(CartError) as info:
        step(set_cart_addons, shop.event, "mine", [{"item": parking, "addon_to": parent.id},
                                                   {"item": dinner, "addon_to": parent.id, "count": 2}],
             sales_channel="web")
    assert info.value.key == "addon_max_count"
    added = step(set_cart_addons, shop.event, "mine", [{"item": parking, "addon_to": parent.id}],
                 sales_channel="web")
    assert added[0].addon_to_id == parent.id and added[0].price == D("8.00")
    rule.price_included = True
    added = step(set_cart_addons, shop.event, "mine", [{"item": dinner, "addon_to": parent.id}], sales_channel="web")
    assert added[0].price == D("0.00")


def test_addon_min_count(shop, step, addons) -> None:
    parking, _, rule = addons
    rule.min_count = 2
    [parent] = step(add_to_cart, shop.event, "mine", [{"item": shop.ticket}], sales_channel="web")
    with pytest.raises(CartError) as info:
        step(set_cart_addons, shop.event, "mine", [{"item": parking, "addon_to": parent.id}], sales_channel="web")
    assert info.value.key == "addon_min_count"


def test_addon_of_other_category_is_refused(shop, step, addons) -> None:
    [parent] = step(add_to_cart, shop.event, "mine", [{"item": shop.ticket}], sales_channel="web")
    with pytest.raises(CartError) as info:
        step(add_to_cart, shop.event, "mine", [{"item": shop.ticket, "addon_to": parent.id}], sales_channel="web")
    assert info.value.key == "addon_invalid_base"


def test_cleanup_deletes_after_14_days(shop, db_session) -> None:
    shop.cart("old", expires=real_now() - dt.timedelta(days=15))
    shop.cart("recent", expires=real_now() - dt.timedelta(days=13))
    assert delete_old_carts(db_session) == 1
    assert count(db_session, "old") == 0 and count(db_session, "recent") == 1


def test_validate_cart_signal_can_refuse(shop, step, db_session, registry) -> None:
    from pyramid.config import Configurator

    from core.interfaces.orders import IValidateCart

    def refuse(signal, **kw):
        if len(signal.positions) > 1:
            raise CartError("custom", "No more than one, says the plugin.")

    registry.signal_index.pop(ValidateCart, None)
    config = Configurator(registry=registry)
    config.add_signal_handler(refuse, IValidateCart)
    config.commit()
    try:
        step(add_to_cart, shop.event, "mine", [{"item": shop.ticket}], sales_channel="web")
        with pytest.raises(CartError) as info:
            step(add_to_cart, shop.event, "mine", [{"item": shop.ticket}], sales_channel="web")
        assert info.value.key == "custom"
        assert count(db_session) == 1
    finally:  # the registry is shared by the session's tests: take the handler out again
        for registration in list(registry.registeredSubscriptionAdapters()):
            if getattr(registration.factory, "func", None) is refuse:
                registry.unregisterSubscriptionAdapter(registration.factory, registration.required,
                                                       registration.provided)
        registry.signal_index.clear()
