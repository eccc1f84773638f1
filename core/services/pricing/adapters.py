"""Adapters from model objects to the frozen specs of the pricing functions.

The pricing modules never touch the database or the ORM; the cart and order services load the rows they need
(with the relationships named below already loaded, to avoid lazy loads in the hot path) and convert them here.
Each adapter reads only the attributes it names, so any object with those attributes works (tests pass plain
namespaces).
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from core.services.pricing.bundles import BundleSpec
from core.services.pricing.discounts import DiscountSpec
from core.services.pricing.listed import VoucherSpec, listed_price
from core.services.pricing.taxes import ZERO, AddressSpec, CustomTaxRule, TaxRuleSpec


def tax_rule_spec(tax_rule: Any) -> TaxRuleSpec:
    """``TaxRule`` -> :class:`TaxRuleSpec`; ``custom_rules`` may be the stored list or its JSON text."""
    rules = tax_rule.custom_rules or []
    if isinstance(rules, str):
        rules = json.loads(rules)
    return TaxRuleSpec(
        rate=Decimal(tax_rule.rate if tax_rule.rate is not None else 0),
        price_includes_tax=bool(tax_rule.price_includes_tax),
        custom_rules=tuple(CustomTaxRule.from_json(rule) for rule in rules),
        home_country=tax_rule.home_country or None,
        code=tax_rule.code or None,
        eu_reverse_charge=bool(tax_rule.eu_reverse_charge),
        keep_gross_if_rate_changes=bool(tax_rule.keep_gross_if_rate_changes),
        id=tax_rule.id,
    )


def address_spec(invoice_address: Any | None) -> AddressSpec | None:
    """``InvoiceAddress`` (or None) -> :class:`AddressSpec` (or None)."""
    if invoice_address is None:
        return None
    return AddressSpec(
        country=invoice_address.country or None,
        state=invoice_address.state or None,
        is_business=bool(invoice_address.is_business),
        vat_id=invoice_address.vat_id or None,
        vat_id_validated=bool(invoice_address.vat_id_validated),
    )


def voucher_spec(voucher: Any | None) -> VoucherSpec | None:
    """``Voucher`` (or None) -> :class:`VoucherSpec` (or None)."""
    if voucher is None:
        return None
    return VoucherSpec(
        price_mode=voucher.price_mode,
        value=voucher.value,
        budget=voucher.budget,
        all_addons_included=bool(voucher.all_addons_included),
        all_bundles_included=bool(voucher.all_bundles_included),
        id=voucher.id,
    )


def bundle_spec(item_bundle: Any) -> BundleSpec:
    """``ItemBundle`` -> :class:`BundleSpec`."""
    return BundleSpec(
        bundled_item_id=item_bundle.bundled_item_id,
        bundled_variation_id=item_bundle.bundled_variation_id,
        count=item_bundle.count,
        designated_price=item_bundle.designated_price if item_bundle.designated_price is not None else ZERO,
    )


def discount_spec(discount: Any) -> DiscountSpec:
    """``Discount`` -> :class:`DiscountSpec`; reads ``limit_sales_channels`` (their ``identifier``) and the
    ``condition_limit_products`` / ``benefit_limit_products`` relationships (their ``id``)."""
    return DiscountSpec(
        id=discount.id,
        position=discount.position or 0,
        active=bool(discount.active),
        all_sales_channels=bool(discount.all_sales_channels),
        limit_sales_channels=frozenset(channel.identifier for channel in discount.limit_sales_channels),
        available_from=discount.available_from,
        available_until=discount.available_until,
        subevent_mode=discount.subevent_mode,
        subevent_date_from=discount.subevent_date_from,
        subevent_date_until=discount.subevent_date_until,
        condition_all_products=bool(discount.condition_all_products),
        condition_limit_products=frozenset(item.id for item in discount.condition_limit_products),
        condition_apply_to_addons=bool(discount.condition_apply_to_addons),
        condition_ignore_voucher_discounted=bool(discount.condition_ignore_voucher_discounted),
        condition_min_count=discount.condition_min_count or 0,
        condition_min_value=discount.condition_min_value or ZERO,
        benefit_same_products=bool(discount.benefit_same_products),
        benefit_limit_products=frozenset(item.id for item in discount.benefit_limit_products),
        benefit_discount_matching_percent=discount.benefit_discount_matching_percent or ZERO,
        benefit_only_apply_to_cheapest_n_matches=discount.benefit_only_apply_to_cheapest_n_matches or None,
        benefit_apply_to_addons=bool(discount.benefit_apply_to_addons),
        benefit_ignore_voucher_discounted=bool(discount.benefit_ignore_voucher_discounted),
    )


def listed_price_of(
    item: Any,
    variation: Any | None = None,
    subevent_item: Any | None = None,
    subevent_variation: Any | None = None,
    *,
    addon_included: bool = False,
) -> Decimal:
    """The listed price from an ``Item``, its ``ItemVariation`` and the ``SubEventItem`` /
    ``SubEventItemVariation`` overrides of the chosen date (each optional; their ``price`` None = no override)."""
    return listed_price(
        item.default_price,
        subevent_item_price=subevent_item.price if subevent_item is not None else None,
        variation_price=variation.default_price if variation is not None else None,
        subevent_variation_price=subevent_variation.price if subevent_variation is not None else None,
        addon_included=addon_included,
    )
