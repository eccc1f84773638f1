"""Taxes: gross <-> net conversion and the evaluation of a tax rule against the buyer's invoice address.

A tax rule has a default ``rate`` and ``code``. Its custom rules (first match wins) or, without custom rules, the
legacy EU reverse-charge logic may change the rate for a given address, block the sale (error key
``country_blocked``) or require approval. :func:`decide` returns that :class:`TaxDecision`; compute it once per
order and pass it to :func:`compute_tax` for every line, which keeps the per-position work to a few Decimal
operations.

Rounding is half-up to the currency's places (:mod:`core.services.money`):
``net = round(gross - gross * (1 - 100 / (100 + rate)))`` and ``gross = round(net * (1 + rate / 100))``; the tax is
always ``gross - net`` so that the two stored amounts add up.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from core.services.errors import PricingError
from core.services.money import round_money

ZERO = Decimal(0)
HUNDRED = Decimal(100)

ACTION_VAT = "vat"
ACTION_REVERSE = "reverse"
ACTION_NO = "no"
ACTION_BLOCK = "block"
ACTION_REQUIRE_APPROVAL = "require_approval"
ACTIONS = frozenset({ACTION_VAT, ACTION_REVERSE, ACTION_NO, ACTION_BLOCK, ACTION_REQUIRE_APPROVAL})

ADDRESS_ANY = ""
ADDRESS_INDIVIDUAL = "individual"
ADDRESS_BUSINESS = "business"
ADDRESS_BUSINESS_VAT_ID = "business_vat_id"
ADDRESS_TYPES = frozenset({ADDRESS_ANY, ADDRESS_INDIVIDUAL, ADDRESS_BUSINESS, ADDRESS_BUSINESS_VAT_ID})

COUNTRY_ANY = "ZZ"
COUNTRY_EU = "EU"
CODE_REVERSE_CHARGE = "AE"
CODE_OUTSIDE_SCOPE = "O"

#: The 27 member states of the European Union (ISO 3166-1 alpha-2; Greece is ``GR`` here, ``EL`` only in VAT IDs).
EU_COUNTRIES = frozenset({
    "AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU", "IE", "IT", "LT", "LU",
    "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK",
})

Base = Literal["auto", "gross", "net"]


@dataclass(frozen=True, slots=True)
class CustomTaxRule:
    """One entry of ``TaxRule.custom_rules``: who it matches (country, address type) and what it does."""

    country: str = COUNTRY_ANY
    address_type: str = ADDRESS_ANY
    action: str = ACTION_VAT
    rate: Decimal | None = None
    code: str | None = None
    invoice_text: Any = None

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> CustomTaxRule:
        """Build a rule from its stored JSON object; raises :class:`PricingError` ``invalid_tax_rule`` if malformed."""
        action = data.get("action") or ACTION_VAT
        address_type = data.get("address_type") or ADDRESS_ANY
        if action not in ACTIONS:
            raise PricingError(
                "invalid_tax_rule", f"unknown tax rule action {action!r}; use one of {', '.join(sorted(ACTIONS))}",
                action=action,
            )
        if address_type not in ADDRESS_TYPES:
            raise PricingError(
                "invalid_tax_rule",
                f"unknown address type {address_type!r}; use one of {', '.join(sorted(ADDRESS_TYPES))}",
                address_type=address_type,
            )
        rate = data.get("rate")
        return cls(
            country=(data.get("country") or COUNTRY_ANY).upper(),
            address_type=address_type,
            action=action,
            rate=None if rate in (None, "") else Decimal(str(rate)),
            code=data.get("code") or None,
            invoice_text=data.get("invoice_text") or None,
        )


@dataclass(frozen=True, slots=True)
class TaxRuleSpec:
    """The pricing-relevant fields of a ``TaxRule``."""

    rate: Decimal = ZERO
    price_includes_tax: bool = True
    custom_rules: tuple[CustomTaxRule, ...] = ()
    home_country: str | None = None
    code: str | None = None
    eu_reverse_charge: bool = False
    keep_gross_if_rate_changes: bool = False
    id: int | None = None


#: The rule used for products without a tax rule: 0 %, prices are gross.
NO_TAX = TaxRuleSpec()


@dataclass(frozen=True, slots=True)
class AddressSpec:
    """The tax-relevant fields of an ``InvoiceAddress``."""

    country: str | None = None
    state: str | None = None
    is_business: bool = False
    vat_id: str | None = None
    vat_id_validated: bool = False


@dataclass(frozen=True, slots=True)
class TaxDecision:
    """What a tax rule does for one address: the rate and code to use, and whether the order needs approval."""

    rate: Decimal
    code: str | None
    action: str = ACTION_VAT
    requires_approval: bool = False
    invoice_text: Any = None


@dataclass(frozen=True, slots=True)
class TaxedPrice:
    """A price with its tax: ``gross == net + tax``, all rounded to the currency."""

    gross: Decimal
    net: Decimal
    tax: Decimal
    rate: Decimal
    code: str | None = None
    requires_approval: bool = False


def gross_to_net(gross: Decimal, rate: Decimal, currency: str) -> Decimal:
    """The net part of ``gross`` at ``rate`` percent, rounded half-up."""
    if not rate:
        return round_money(gross, currency)
    return round_money(gross - gross * (1 - HUNDRED / (HUNDRED + rate)), currency)


def net_to_gross(net: Decimal, rate: Decimal, currency: str) -> Decimal:
    """``net`` plus ``rate`` percent tax, rounded half-up."""
    if not rate:
        return round_money(net, currency)
    return round_money(net * (1 + rate / HUNDRED), currency)


def taxed_from_gross(gross: Decimal, rate: Decimal, currency: str, code: str | None = None) -> TaxedPrice:
    """A :class:`TaxedPrice` whose gross is ``gross`` (rounded) and whose net is derived from it."""
    gross = round_money(gross, currency)
    net = gross_to_net(gross, rate, currency)
    return TaxedPrice(gross=gross, net=net, tax=gross - net, rate=rate, code=code)


def taxed_from_net(net: Decimal, rate: Decimal, currency: str, code: str | None = None) -> TaxedPrice:
    """A :class:`TaxedPrice` whose net is ``net`` (rounded) and whose gross is derived from it."""
    net = round_money(net, currency)
    gross = net_to_gross(net, rate, currency)
    return TaxedPrice(gross=gross, net=net, tax=gross - net, rate=rate, code=code)


def _default_decision(rule: TaxRuleSpec) -> TaxDecision:
    return TaxDecision(rate=rule.rate, code=rule.code)


def _country_matches(pattern: str, address: AddressSpec) -> bool:
    if pattern == COUNTRY_ANY:
        return True
    country = (address.country or "").upper()
    if pattern == COUNTRY_EU:
        return country in EU_COUNTRIES
    if "-" in pattern:
        return pattern == f"{country}-{(address.state or '').upper()}"
    return pattern == country


def _address_type_matches(address_type: str, address: AddressSpec) -> bool:
    if address_type == ADDRESS_ANY:
        return True
    if address_type == ADDRESS_INDIVIDUAL:
        return not address.is_business
    if address_type == ADDRESS_BUSINESS:
        return address.is_business
    return address.is_business and bool(address.vat_id) and address.vat_id_validated


def matching_custom_rule(rule: TaxRuleSpec, address: AddressSpec) -> CustomTaxRule | None:
    """The first custom rule of ``rule`` that matches ``address``, or None."""
    for custom in rule.custom_rules:
        if _country_matches(custom.country, address) and _address_type_matches(custom.address_type, address):
            return custom
    return None


def _blocked(address: AddressSpec) -> PricingError:
    return PricingError(
        "country_blocked",
        f"We cannot sell this product to buyers in {address.country or 'your country'}; "
        f"please check the country of your invoice address.",
        country=address.country,
    )


def decide(rule: TaxRuleSpec, address: AddressSpec | None) -> TaxDecision:
    """Apply ``rule`` to the buyer's ``address``.

    Without an address (or without its country) the rule's default rate and code apply. Custom rules are
    evaluated first-match; a ``block`` rule raises :class:`PricingError` ``country_blocked``. Without custom rules
    and with the legacy ``eu_reverse_charge`` flag: non-EU countries pay 0 % (code ``O``), the home country pays
    VAT, EU businesses with a validated VAT ID get reverse charge (0 %, ``AE``), everybody else pays VAT.
    """
    if address is None or not address.country:
        return _default_decision(rule)
    if rule.custom_rules:
        custom = matching_custom_rule(rule, address)
        if custom is None:
            return _default_decision(rule)
        if custom.action == ACTION_BLOCK:
            raise _blocked(address)
        if custom.action == ACTION_REVERSE:
            return TaxDecision(ZERO, CODE_REVERSE_CHARGE, ACTION_REVERSE, invoice_text=custom.invoice_text)
        if custom.action == ACTION_NO:
            return TaxDecision(ZERO, custom.code or CODE_OUTSIDE_SCOPE, ACTION_NO, invoice_text=custom.invoice_text)
        return TaxDecision(
            rate=rule.rate if custom.rate is None else custom.rate,
            code=custom.code or rule.code,
            action=custom.action,
            requires_approval=custom.action == ACTION_REQUIRE_APPROVAL,
            invoice_text=custom.invoice_text,
        )
    if rule.eu_reverse_charge:
        country = address.country.upper()
        if country not in EU_COUNTRIES:
            return TaxDecision(ZERO, CODE_OUTSIDE_SCOPE, ACTION_NO)
        if country == (rule.home_country or "").upper():
            return _default_decision(rule)
        if address.is_business and address.vat_id and address.vat_id_validated:
            return TaxDecision(ZERO, CODE_REVERSE_CHARGE, ACTION_REVERSE)
    return _default_decision(rule)


def compute_tax(
    rule: TaxRuleSpec,
    price: Decimal,
    currency: str,
    *,
    base: Base = "auto",
    address: AddressSpec | None = None,
    decision: TaxDecision | None = None,
) -> TaxedPrice:
    """Tax ``price`` under ``rule`` for ``address`` (or a precomputed ``decision``).

    ``base`` says what ``price`` is: ``gross``, ``net`` or ``auto`` (gross if the rule's prices include tax). When
    the address changes a gross price's rate away from the rule's default, the gross stays if the rule has
    ``keep_gross_if_rate_changes``; otherwise the net at the default rate stays and the gross follows the new rate
    (a reverse-charge business pays the net price).
    """
    if decision is None:
        decision = decide(rule, address)
    is_gross = rule.price_includes_tax if base == "auto" else base == "gross"
    if not is_gross:
        taxed = taxed_from_net(price, decision.rate, currency, decision.code)
    elif decision.rate == rule.rate or rule.keep_gross_if_rate_changes:
        taxed = taxed_from_gross(price, decision.rate, currency, decision.code)
    else:
        taxed = taxed_from_net(gross_to_net(price, rule.rate, currency), decision.rate, currency, decision.code)
    if decision.requires_approval:
        return TaxedPrice(taxed.gross, taxed.net, taxed.tax, taxed.rate, taxed.code, requires_approval=True)
    return taxed
