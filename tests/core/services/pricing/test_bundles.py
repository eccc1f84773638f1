"""Bundles: designated prices carved out of the base price, multiplicity (worked examples)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from core.services.pricing.bundles import (
    BundleSpec,
    bundle_demand,
    bundled_line_price,
    bundled_listed_price,
    bundled_sum,
    expand_bundles,
)
from core.services.pricing.listed import VoucherSpec, line_price
from core.services.pricing.taxes import TaxRuleSpec

D = Decimal
DRINK = BundleSpec(bundled_item_id=7, count=2, designated_price=D("5.00"))
SHIRT = BundleSpec(bundled_item_id=8, bundled_variation_id=81, count=1, designated_price=D("20.00"))
ALL_BUNDLES = VoucherSpec(price_mode="percent", value=D(10), all_bundles_included=True)


@pytest.mark.parametrize(
    ("bundles", "voucher", "currency", "expected"),
    [
        ((DRINK,), None, "EUR", "10.00"),  # 2 x 5.00
        ((DRINK, SHIRT), None, "EUR", "30.00"),  # 2 x 5.00 + 20.00
        ((), None, "EUR", "0"),
        ((DRINK, SHIRT), ALL_BUNDLES, "EUR", "0.00"),  # the voucher includes every bundle
        ((DRINK,), VoucherSpec(price_mode="set", value=D(0)), "EUR", "10.00"),  # other vouchers don't touch bundles
        ((BundleSpec(bundled_item_id=9, count=3, designated_price=D("333")),), None, "JPY", "999"),
        ((BundleSpec(bundled_item_id=9, count=4, designated_price=D("1.125")),), None, "EUR", "4.52"),  # 1.13 x 4
        ((BundleSpec(bundled_item_id=9, count=2, designated_price=D("0.125")),), None, "BHD", "0.250"),
    ],
)
def test_bundled_sum(bundles: tuple[BundleSpec, ...], voucher: VoucherSpec | None, currency: str,
                     expected: str) -> None:
    assert bundled_sum(bundles, voucher, currency) == D(expected)


def test_expand_and_demand_count_multiplicity() -> None:
    assert expand_bundles([DRINK, SHIRT]) == [DRINK, DRINK, SHIRT]
    # 3 base tickets, each with 2 drinks and 1 shirt (variation 81)
    assert bundle_demand((1, None), [DRINK, SHIRT], quantity=3) == {(1, None): 3, (7, None): 6, (8, 81): 3}
    # a bundle of the same product twice adds up
    assert bundle_demand((1, None), [DRINK, DRINK]) == {(1, None): 1, (7, None): 4}


@pytest.mark.parametrize(
    ("base_price", "bundles", "voucher", "base_gross", "child_gross"),
    [
        # 50.00 package with 2 drinks at 5.00: base keeps 40.00, each drink 5.00; total still 50.00
        ("50.00", (DRINK,), None, "40.00", ["5.00", "5.00"]),
        # 25.00 package with a 20.00 shirt and 2 drinks (30.00 designated): base cannot go below 0
        ("25.00", (DRINK, SHIRT), None, "0.00", ["5.00", "5.00", "20.00"]),
        # voucher includes bundles: children 0, base keeps all of its (discounted) price: 50 * 0.9 = 45
        ("45.00", (DRINK, SHIRT), ALL_BUNDLES, "45.00", ["0.00", "0.00", "0.00"]),
    ],
)
def test_carve_out(base_price: str, bundles: tuple[BundleSpec, ...], voucher: VoucherSpec | None,
                   base_gross: str, child_gross: list[str]) -> None:
    rule = TaxRuleSpec(rate=D(19))
    carved = line_price(D(base_price), rule, "EUR", bundled_sum=bundled_sum(bundles, voucher, "EUR"))
    children = [bundled_line_price(b, TaxRuleSpec(rate=D(7), price_includes_tax=False), voucher, "EUR")
                for b in expand_bundles(bundles)]
    assert carved.gross == D(base_gross)
    assert [c.gross for c in children] == [D(g) for g in child_gross]  # gross even under a net rule


def test_bundled_listed_price() -> None:
    assert bundled_listed_price(SHIRT, None, "EUR") == D("20.00")
    assert bundled_listed_price(SHIRT, ALL_BUNDLES, "EUR") == D(0)
    child = bundled_line_price(SHIRT, TaxRuleSpec(rate=D(7)), None, "EUR")
    assert (child.gross, child.net) == (D("20.00"), D("18.69"))  # 20 / 1.07 = 18.6916
