"""Listed price, voucher price modes, budgets, free-price input and the line price (worked examples)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from core.services.errors import PricingError
from core.services.pricing.listed import (
    VoucherBudget,
    VoucherSpec,
    check_custom_price,
    line_price,
    listed_price,
    voucher_price,
)
from core.services.pricing.taxes import AddressSpec, CustomTaxRule, TaxRuleSpec, taxed_from_gross

D = Decimal
N = None


@pytest.mark.parametrize(
    ("item", "sub_item", "variation", "sub_variation", "addon_included", "expected"),
    [
        ("20.00", N, N, N, False, "20.00"),  # item default price
        ("20.00", "25.00", N, N, False, "25.00"),  # the date's item override replaces it
        ("20.00", N, "30.00", N, False, "30.00"),  # the variation's own price
        ("20.00", "25.00", "30.00", N, False, "30.00"),  # variation after the date's item override
        ("20.00", "25.00", "30.00", "35.00", False, "35.00"),  # the date's variation override wins
        ("20.00", N, N, "35.00", False, "35.00"),
        ("20.00", "0.00", N, N, False, "0.00"),  # a 0 override is an override, not "unset"
        ("20.00", "25.00", "30.00", "35.00", True, "0"),  # included add-on
        ("1500", N, "1800", N, False, "1800"),
    ],
)
def test_listed_price(item: str, sub_item: str | None, variation: str | None, sub_variation: str | None,
                      addon_included: bool, expected: str) -> None:
    def dec(v: str | None) -> Decimal | None:
        return None if v is None else D(v)

    assert listed_price(
        D(item), subevent_item_price=dec(sub_item), variation_price=dec(variation),
        subevent_variation_price=dec(sub_variation), addon_included=addon_included,
    ) == D(expected)


@pytest.mark.parametrize(
    ("listed", "mode", "value", "currency", "expected"),
    [
        ("50.00", "set", "10.00", "EUR", "10.00"),
        ("50.00", "set", "80.00", "EUR", "80.00"),  # a voucher may also raise the price
        ("20.00", "subtract", "30.00", "EUR", "0.00"),  # max(20 - 30, 0)
        ("50.00", "subtract", "12.50", "EUR", "37.50"),
        ("33.33", "percent", "15", "EUR", "28.33"),  # 33.33 * 0.85 = 28.3305
        ("0.05", "percent", "50", "EUR", "0.03"),  # 0.025 -> half-up 0.03
        ("50.00", "percent", "100", "EUR", "0.00"),  # 100 % off
        ("1234", "percent", "15", "JPY", "1049"),  # 1048.9 -> 1049 yen: re-quantized
        ("1.255", "percent", "10", "BHD", "1.130"),  # 1.1295 -> 1.130
        ("50.00", "none", "10.00", "EUR", "50.00"),
        ("50.00", "set", None, "EUR", "0.00"),  # a value-less set voucher makes it free
    ],
)
def test_voucher_price(listed: str, mode: str, value: str | None, currency: str, expected: str) -> None:
    voucher = VoucherSpec(price_mode=mode, value=None if value is None else D(value))
    assert voucher_price(D(listed), voucher, currency) == D(expected)


def test_voucher_price_without_voucher_and_bad_mode() -> None:
    assert voucher_price(D("12.345"), None, "EUR") == D("12.35")
    with pytest.raises(PricingError) as info:
        voucher_price(D("10"), VoucherSpec(price_mode="double"), "EUR")
    assert info.value.key == "invalid_voucher_price_mode"


@pytest.mark.parametrize(
    ("remaining", "positions", "expected"),
    [
        # budget 25, three 20.00 tickets with a "set 0" voucher: 20 + 5 + 0 of discount
        ("25.00", [("20.00", "0.00")] * 3, [("0.00", "20.00"), ("15.00", "5.00"), ("20.00", "0.00")]),
        # unlimited budget
        (None, [("20.00", "0.00")] * 2, [("0.00", "20.00"), ("0.00", "20.00")]),
        # exhausted before the order: full price, no budget use
        ("0.00", [("20.00", "10.00")], [("20.00", "0.00")]),
        # over-used (negative remainder from earlier data) counts as exhausted
        ("-5.00", [("20.00", "10.00")], [("20.00", "0.00")]),
        # exhausted mid-order exactly at a position boundary
        ("10.00", [("20.00", "10.00")] * 3, [("10.00", "10.00"), ("20.00", "0.00"), ("20.00", "0.00")]),
        # a price-raising voucher uses no budget and leaves it intact
        ("5.00", [("20.00", "30.00"), ("20.00", "18.00")], [("30.00", "0.00"), ("18.00", "2.00")]),
        # JPY: 1000 budget over 3 x 800 -> 0 (800 off), then 600 (200 off), then 800
        ("1000", [("800", "0")] * 3, [("0", "800"), ("600", "200"), ("800", "0")]),
        # 100 % percent voucher with a budget bigger than needed
        ("100.00", [("30.00", "0.00"), ("40.00", "0.00")], [("0.00", "30.00"), ("0.00", "40.00")]),
    ],
)
def test_voucher_budget(remaining: str | None, positions: list[tuple[str, str]],
                        expected: list[tuple[str, str]]) -> None:
    budget = VoucherBudget(None if remaining is None else D(remaining))
    assert [budget.apply(D(listed), D(price)) for listed, price in positions] == [
        (D(p), D(u)) for p, u in expected
    ]


NORMAL = taxed_from_gross(D("20.00"), D(19), "EUR")  # 20.00 gross = 16.81 net + 3.19 tax


@pytest.mark.parametrize(
    ("custom", "is_net", "expected"),
    [
        ("20.00", False, "20.00"),  # equal to the listed price is fine
        ("25", False, "25.00"),
        ("25,5", False, "25.50"),  # decimal comma accepted
        ("16.81", True, "16.81"),  # net input compares with the net 16.81
        ("20.004", False, "20.00"),  # rounded to the currency first
    ],
)
def test_custom_price_accepted(custom: str, is_net: bool, expected: str) -> None:
    assert check_custom_price(custom, NORMAL, is_net=is_net, currency="EUR") == D(expected)


@pytest.mark.parametrize(
    ("custom", "is_net", "key"),
    [
        ("19.99", False, "price_too_low"),
        ("16.80", True, "price_too_low"),
        ("-1", False, "price_too_low"),
        ("abc", False, "price_not_a_number"),
        ("NaN", False, "price_not_a_number"),
        ("Infinity", False, "price_not_a_number"),
        ("100000000000", False, "price_too_high"),
    ],
)
def test_custom_price_refused(custom: str, is_net: bool, key: str) -> None:
    with pytest.raises(PricingError) as info:
        check_custom_price(custom, NORMAL, is_net=is_net, currency="EUR")
    assert info.value.key == key


GROSS19 = TaxRuleSpec(rate=D(19))
NET19 = TaxRuleSpec(rate=D(19), price_includes_tax=False)
APPROVAL = TaxRuleSpec(rate=D(19), custom_rules=(CustomTaxRule(country="ZZ", action="require_approval"),))


@pytest.mark.parametrize(
    ("pav", "rule", "kwargs", "gross", "net"),
    [
        ("20.00", GROSS19, {}, "20.00", "16.81"),
        ("20.00", NET19, {}, "23.80", "20.00"),  # 20 * 1.19
        # free price above the normal gross wins
        ("20.00", GROSS19, {"custom_price": D("30.00")}, "30.00", "25.21"),  # 30 / 1.19 = 25.2101
        # free price below: the normal price stays (silent max; input validation is check_custom_price)
        ("20.00", GROSS19, {"custom_price": D("10.00")}, "20.00", "16.81"),
        # net free price 20.00 on a gross rule: gross 23.80 > 20.00
        ("20.00", GROSS19, {"custom_price": D("20.00"), "custom_price_is_net": True}, "23.80", "20.00"),
        # net free price 16.00 < net 16.81: normal price
        ("20.00", GROSS19, {"custom_price": D("16.00"), "custom_price_is_net": True}, "20.00", "16.81"),
        # bundle carve-out: 100.00 - 2 x 15.00 = 70.00, tax recomputed: 70 / 1.19 = 58.8235
        ("100.00", GROSS19, {"bundled_sum": D("30.00")}, "70.00", "58.82"),
        # carve-out never below 0 for a positive price
        ("20.00", GROSS19, {"bundled_sum": D("30.00")}, "0.00", "0.00"),
        # a free price counts for the whole package; the bundle is carved out afterwards: 120 - 30
        ("100.00", GROSS19, {"custom_price": D("120.00"), "bundled_sum": D("30.00")}, "90.00", "75.63"),
        # bundled children are always gross, even under a net rule
        ("15.00", NET19, {"is_bundled": True}, "15.00", "12.61"),
    ],
)
def test_line_price(pav: str, rule: TaxRuleSpec, kwargs: dict[str, object], gross: str, net: str) -> None:
    taxed = line_price(D(pav), rule, "EUR", **kwargs)  # type: ignore[arg-type]
    assert (taxed.gross, taxed.net) == (D(gross), D(net))
    assert taxed.tax == taxed.gross - taxed.net


def test_line_price_jpy_and_address() -> None:
    taxed = line_price(D("1100"), TaxRuleSpec(rate=D(10)), "JPY")
    assert (taxed.gross, taxed.net, taxed.tax) == (D(1100), D(1000), D(100))
    reverse = TaxRuleSpec(rate=D(19), custom_rules=(CustomTaxRule(country="EU", action="reverse"),))
    taxed = line_price(D("119.00"), reverse, "EUR", address=AddressSpec(country="FR"))
    assert (taxed.gross, taxed.rate, taxed.code) == (D("100.00"), D(0), "AE")


def test_line_price_keeps_approval_through_carve_out() -> None:
    taxed = line_price(D("100.00"), APPROVAL, "EUR", address=AddressSpec(country="DE"), bundled_sum=D("10.00"))
    assert taxed.requires_approval and taxed.gross == D("90.00")


def test_line_price_blocked_country() -> None:
    blocked = TaxRuleSpec(rate=D(19), custom_rules=(CustomTaxRule(country="ZZ", action="block"),))
    with pytest.raises(PricingError) as info:
        line_price(D("10.00"), blocked, "EUR", address=AddressSpec(country="US"))
    assert info.value.key == "country_blocked"
