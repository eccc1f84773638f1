"""Adapters from model objects (or anything with the same attributes) to pricing specs."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from types import SimpleNamespace as NS

import pytest

from core.services.pricing.adapters import (
    address_spec,
    bundle_spec,
    discount_spec,
    listed_price_of,
    tax_rule_spec,
    voucher_spec,
)
from core.services.pricing.bundles import BundleSpec
from core.services.pricing.listed import VoucherSpec
from core.services.pricing.taxes import AddressSpec, CustomTaxRule, TaxRuleSpec

D = Decimal


def tax_rule(**kwargs: object) -> NS:
    fields = {"id": 3, "rate": D("19.0000"), "price_includes_tax": True, "custom_rules": [], "home_country": "DE",
              "code": "S/standard", "eu_reverse_charge": False, "keep_gross_if_rate_changes": False}
    fields.update(kwargs)
    return NS(**fields)


@pytest.mark.parametrize(
    ("custom_rules", "expected"),
    [
        ([], ()),
        (None, ()),
        ([{"country": "EU", "address_type": "business_vat_id", "action": "reverse"}],
         (CustomTaxRule(country="EU", address_type="business_vat_id", action="reverse"),)),
        ('[{"country": "ZZ", "action": "block"}]', (CustomTaxRule(country="ZZ", action="block"),)),  # JSON text
    ],
)
def test_tax_rule_spec(custom_rules: object, expected: tuple[CustomTaxRule, ...]) -> None:
    spec = tax_rule_spec(tax_rule(custom_rules=custom_rules))
    assert spec == TaxRuleSpec(rate=D(19), custom_rules=expected, home_country="DE", code="S/standard", id=3)


def test_address_voucher_bundle_specs() -> None:
    address = NS(country="FR", state="", is_business=True, vat_id="FR1", vat_id_validated=True)
    assert address_spec(address) == AddressSpec(country="FR", is_business=True, vat_id="FR1", vat_id_validated=True)
    assert address_spec(None) is None
    voucher = NS(id=5, price_mode="percent", value=D(10), budget=D(50), all_addons_included=False,
                 all_bundles_included=True)
    assert voucher_spec(voucher) == VoucherSpec("percent", D(10), D(50), False, True, 5)
    assert voucher_spec(None) is None
    bundle = NS(bundled_item_id=7, bundled_variation_id=None, count=2, designated_price=None)
    assert bundle_spec(bundle) == BundleSpec(7, None, 2, D(0))


def test_discount_spec() -> None:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    discount = NS(
        id=9, position=2, active=True, all_sales_channels=False, limit_sales_channels=[NS(identifier="web")],
        available_from=start, available_until=None, subevent_mode="same", subevent_date_from=None,
        subevent_date_until=None, condition_all_products=False, condition_limit_products=[NS(id=1), NS(id=2)],
        condition_apply_to_addons=True, condition_ignore_voucher_discounted=False, condition_min_count=3,
        condition_min_value=D("0.00"), benefit_same_products=True, benefit_limit_products=[],
        benefit_discount_matching_percent=D("100.00"), benefit_only_apply_to_cheapest_n_matches=1,
        benefit_apply_to_addons=False, benefit_ignore_voucher_discounted=True,
    )
    spec = discount_spec(discount)
    assert spec.limit_sales_channels == frozenset({"web"})
    assert spec.condition_limit_products == frozenset({1, 2})
    assert (spec.id, spec.position, spec.subevent_mode, spec.condition_min_count) == (9, 2, "same", 3)
    assert (spec.benefit_only_apply_to_cheapest_n_matches, spec.benefit_discount_matching_percent) == (1, D(100))
    assert spec.available_from == start and not spec.benefit_apply_to_addons


@pytest.mark.parametrize(
    ("variation", "sub_item", "sub_variation", "expected"),
    [
        (None, None, None, "10.00"),
        (NS(default_price=None), NS(price=D("12.00")), None, "12.00"),  # variation inherits; date override
        (NS(default_price=D("15.00")), NS(price=D("12.00")), NS(price=None), "15.00"),
        (NS(default_price=D("15.00")), NS(price=None), NS(price=D("18.00")), "18.00"),
    ],
)
def test_listed_price_of(variation: NS | None, sub_item: NS | None, sub_variation: NS | None, expected: str) -> None:
    assert listed_price_of(NS(default_price=D("10.00")), variation, sub_item, sub_variation) == D(expected)


def test_adapters_read_the_real_models() -> None:
    tax = pytest.importorskip("core.models.tax")
    vouchers = pytest.importorskip("core.models.vouchers")
    invoices = pytest.importorskip("core.models.invoices")
    rule = tax.TaxRule(id=1, rate=D("7"), price_includes_tax=False, custom_rules=[{"country": "AT", "action": "no"}],
                       home_country="DE", code="S/reduced", eu_reverse_charge=False, keep_gross_if_rate_changes=True)
    assert tax_rule_spec(rule) == TaxRuleSpec(
        rate=D(7), price_includes_tax=False, custom_rules=(CustomTaxRule(country="AT", action="no"),),
        home_country="DE", code="S/reduced", keep_gross_if_rate_changes=True, id=1,
    )
    voucher = vouchers.Voucher(id=2, price_mode="subtract", value=D("5.00"), budget=None,
                               all_addons_included=True, all_bundles_included=False)
    assert voucher_spec(voucher) == VoucherSpec("subtract", D("5.00"), None, True, False, 2)
    address = invoices.InvoiceAddress(country="AT", state=None, is_business=False, vat_id=None,
                                      vat_id_validated=False)
    assert address_spec(address) == AddressSpec(country="AT")
