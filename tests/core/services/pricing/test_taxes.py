"""Gross <-> net conversion and tax rule evaluation (worked examples, arithmetic in the comments)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from core.services.errors import PricingError
from core.services.pricing.taxes import (
    AddressSpec,
    CustomTaxRule,
    TaxRuleSpec,
    compute_tax,
    decide,
    gross_to_net,
    net_to_gross,
)

D = Decimal


@pytest.mark.parametrize(
    ("gross", "rate", "currency", "net"),
    [
        ("100.00", "19", "EUR", "84.03"),  # 100 / 1.19 = 84.0336 -> 84.03, tax 15.97
        ("10.00", "7", "EUR", "9.35"),  # 10 / 1.07 = 9.3458 -> 9.35
        ("24.99", "20", "EUR", "20.83"),  # 24.99 / 1.2 = 20.825 exactly -> half-up 20.83
        ("50.00", "0", "EUR", "50.00"),
        ("0.01", "19", "EUR", "0.01"),  # 0.0084 -> 0.01, tax 0.00
        ("1000", "10", "JPY", "909"),  # 909.09 -> 909 yen
        ("10.500", "5", "BHD", "10.000"),  # 10.5 / 1.05 = 10 exactly
        ("-100.00", "19", "EUR", "-84.03"),  # negative lines (refund-like fees) mirror positive ones
        ("119.00", "8.1", "EUR", "110.08"),  # 119 / 1.081 = 110.0832
    ],
)
def test_gross_to_net(gross: str, rate: str, currency: str, net: str) -> None:
    assert gross_to_net(D(gross), D(rate), currency) == D(net)


@pytest.mark.parametrize(
    ("net", "rate", "currency", "gross"),
    [
        ("84.03", "19", "EUR", "100.00"),  # 84.03 * 1.19 = 99.9957 -> 100.00
        ("100.00", "19", "EUR", "119.00"),
        ("0.15", "10", "EUR", "0.17"),  # 0.165 -> half-up 0.17 (banker's rounding would give 0.16)
        ("9.35", "7", "EUR", "10.00"),  # 10.0045 -> 10.00
        ("909", "10", "JPY", "1000"),  # 999.9 -> 1000
        ("10.000", "5", "BHD", "10.500"),
        ("1.00", "0", "EUR", "1.00"),
        ("33.33", "7.7", "EUR", "35.90"),  # 33.33 * 1.077 = 35.89641 -> 35.90
    ],
)
def test_net_to_gross(net: str, rate: str, currency: str, gross: str) -> None:
    assert net_to_gross(D(net), D(rate), currency) == D(gross)


EU_RULES = (
    CustomTaxRule(country="DE", action="vat"),
    CustomTaxRule(country="EU", address_type="business_vat_id", action="reverse"),
    CustomTaxRule(country="CH", action="vat", rate=D("8.1"), code="S/standard"),
    CustomTaxRule(country="US-NY", action="require_approval"),
    CustomTaxRule(country="RU", action="block"),
    CustomTaxRule(country="ZZ", address_type="business", action="no"),
)
RULE = TaxRuleSpec(rate=D("19"), code="S/standard", custom_rules=EU_RULES, home_country="DE")


@pytest.mark.parametrize(
    ("address", "rate", "code", "action", "approval"),
    [
        (None, "19", "S/standard", "vat", False),  # no address: the default applies
        (AddressSpec(country=None, is_business=True), "19", "S/standard", "vat", False),
        (AddressSpec(country="DE", is_business=True, vat_id="DE1", vat_id_validated=True),
         "19", "S/standard", "vat", False),  # first match wins: DE before EU reverse charge
        (AddressSpec(country="FR", is_business=True, vat_id="FR1", vat_id_validated=True), "0", "AE", "reverse", False),
        # an unvalidated VAT ID skips the EU rule; the catch-all ZZ business rule matches instead
        (AddressSpec(country="FR", is_business=True, vat_id="FR1"), "0", "O", "no", False),
        (AddressSpec(country="FR"), "19", "S/standard", "vat", False),  # private EU buyer: default
        (AddressSpec(country="CH"), "8.1", "S/standard", "vat", False),  # rate override
        (AddressSpec(country="US", state="NY"), "19", "S/standard", "require_approval", True),
        (AddressSpec(country="US", state="CA"), "19", "S/standard", "vat", False),  # no rule: default
        (AddressSpec(country="US", state="CA", is_business=True), "0", "O", "no", False),  # ZZ business -> no
        (AddressSpec(country="fr", is_business=True, vat_id="FR1", vat_id_validated=True), "0", "AE", "reverse", False),
    ],
)
def test_custom_rules(address: AddressSpec | None, rate: str, code: str, action: str, approval: bool) -> None:
    decision = decide(RULE, address)
    assert (decision.rate, decision.code, decision.action, decision.requires_approval) == (
        D(rate), code, action, approval
    )


def test_block_raises_country_blocked() -> None:
    with pytest.raises(PricingError) as info:
        decide(RULE, AddressSpec(country="RU"))
    assert info.value.key == "country_blocked"
    assert info.value.params == {"country": "RU"}


LEGACY = TaxRuleSpec(rate=D("19"), eu_reverse_charge=True, home_country="DE")


@pytest.mark.parametrize(
    ("address", "rate", "code"),
    [
        (AddressSpec(country="US"), "0", "O"),  # outside the EU: 0 %, outside scope
        (AddressSpec(country="CH", is_business=True), "0", "O"),
        (AddressSpec(country="DE", is_business=True, vat_id="DE1", vat_id_validated=True), "19", None),  # home
        (AddressSpec(country="AT", is_business=True, vat_id="ATU1", vat_id_validated=True), "0", "AE"),
        (AddressSpec(country="AT", is_business=True, vat_id="ATU1"), "19", None),  # not validated
        (AddressSpec(country="AT"), "19", None),  # private EU buyer pays VAT
        (None, "19", None),
        (AddressSpec(country="GR", is_business=True, vat_id="EL1", vat_id_validated=True), "0", "AE"),
    ],
)
def test_legacy_reverse_charge(address: AddressSpec | None, rate: str, code: str | None) -> None:
    decision = decide(LEGACY, address)
    assert (decision.rate, decision.code) == (D(rate), code)


REVERSE = AddressSpec(country="FR", is_business=True, vat_id="FR1", vat_id_validated=True)
REDUCED = (CustomTaxRule(country="AT", action="vat", rate=D("7")),)


@pytest.mark.parametrize(
    ("rule", "price", "base", "address", "gross", "net", "tax"),
    [
        (TaxRuleSpec(rate=D(19)), "119.00", "auto", None, "119.00", "100.00", "19.00"),
        (TaxRuleSpec(rate=D(19), price_includes_tax=False), "100.00", "auto", None, "119.00", "100.00", "19.00"),
        (TaxRuleSpec(rate=D(19)), "100.00", "net", None, "119.00", "100.00", "19.00"),  # explicit base
        # reverse charge on a gross price: the net at 19 % (100.00) stays, the gross drops to it
        (RULE, "119.00", "auto", REVERSE, "100.00", "100.00", "0.00"),
        # ... unless the rule keeps the gross: 119.00 at 0 % is all net
        (TaxRuleSpec(rate=D(19), custom_rules=EU_RULES, keep_gross_if_rate_changes=True), "119.00", "auto", REVERSE,
         "119.00", "119.00", "0.00"),
        # 19 % -> 7 %: net 100.00 stays, gross 107.00
        (TaxRuleSpec(rate=D(19), custom_rules=REDUCED), "119.00", "auto", AddressSpec(country="AT"),
         "107.00", "100.00", "7.00"),
        # keep gross: 119 / 1.07 = 111.2149 -> 111.21, tax 7.79
        (TaxRuleSpec(rate=D(19), custom_rules=REDUCED, keep_gross_if_rate_changes=True), "119.00", "auto",
         AddressSpec(country="AT"), "119.00", "111.21", "7.79"),
        # net-based rule with a rate change: the net is the price anyway
        (TaxRuleSpec(rate=D(19), price_includes_tax=False, custom_rules=REDUCED), "100.00", "auto",
         AddressSpec(country="AT"), "107.00", "100.00", "7.00"),
        (TaxRuleSpec(rate=D(0)), "0.00", "auto", None, "0.00", "0.00", "0.00"),
    ],
)
def test_compute_tax(rule: TaxRuleSpec, price: str, base: str, address: AddressSpec | None,
                     gross: str, net: str, tax: str) -> None:
    taxed = compute_tax(rule, D(price), "EUR", base=base, address=address)  # type: ignore[arg-type]
    assert (taxed.gross, taxed.net, taxed.tax) == (D(gross), D(net), D(tax))
    assert taxed.gross == taxed.net + taxed.tax


def test_compute_tax_carries_code_and_approval() -> None:
    taxed = compute_tax(RULE, D("50.00"), "EUR", address=AddressSpec(country="US", state="NY"))
    assert taxed.requires_approval and taxed.code == "S/standard" and taxed.rate == D(19)
    assert compute_tax(RULE, D("50.00"), "EUR", address=REVERSE).code == "AE"


@pytest.mark.parametrize(
    "data",
    [{"country": "DE", "action": "explode"}, {"country": "DE", "action": "vat", "address_type": "company"}],
)
def test_malformed_custom_rule(data: dict[str, str]) -> None:
    with pytest.raises(PricingError) as info:
        CustomTaxRule.from_json(data)
    assert info.value.key == "invalid_tax_rule"


def test_custom_rule_from_json() -> None:
    rule = CustomTaxRule.from_json({"country": "ch", "address_type": "", "action": "vat", "rate": "8.10",
                                    "code": "S/standard"})
    assert rule == CustomTaxRule(country="CH", action="vat", rate=D("8.10"), code="S/standard")
