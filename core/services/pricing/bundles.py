"""Bundles: designated prices carved out of the base product's price, bundled products counted with multiplicity.

An ``ItemBundle`` says "each unit of the base product contains ``count`` units of the bundled product (variation),
worth ``designated_price`` each". The bundled units become their own positions (``is_bundled``) priced at the
designated price (0 if the voucher has ``all_bundles_included``), and the base position keeps only the rest:
``base gross - sum(bundled prices)`` (see :func:`core.services.pricing.listed.line_price`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from core.services.money import round_money
from core.services.pricing.listed import VoucherSpec
from core.services.pricing.taxes import ZERO, AddressSpec, TaxDecision, TaxedPrice, TaxRuleSpec, compute_tax

ProductKey = tuple[int, int | None]


@dataclass(frozen=True, slots=True)
class BundleSpec:
    """One ``ItemBundle`` row: ``count`` units of a product (variation) at ``designated_price`` each."""

    bundled_item_id: int
    bundled_variation_id: int | None = None
    count: int = 1
    designated_price: Decimal = ZERO

    @property
    def product(self) -> ProductKey:
        """``(item_id, variation_id)`` of the bundled product."""
        return self.bundled_item_id, self.bundled_variation_id


def bundled_listed_price(bundle: BundleSpec, voucher: VoucherSpec | None, currency: str) -> Decimal:
    """The price of one bundled unit: its designated price, or 0 if the base's voucher includes all bundles."""
    if voucher is not None and voucher.all_bundles_included:
        return ZERO
    return round_money(bundle.designated_price, currency)


def expand_bundles(bundles: Iterable[BundleSpec]) -> list[BundleSpec]:
    """One entry per bundled position to create for one base unit (a bundle with ``count=3`` appears 3 times)."""
    return [bundle for bundle in bundles for _ in range(bundle.count)]


def bundled_sum(bundles: Iterable[BundleSpec], voucher: VoucherSpec | None, currency: str) -> Decimal:
    """The total of the bundled positions of one base unit, which is carved out of the base price."""
    return sum((bundled_listed_price(b, voucher, currency) * b.count for b in bundles), ZERO)


def bundled_line_price(
    bundle: BundleSpec,
    rule: TaxRuleSpec,
    voucher: VoucherSpec | None,
    currency: str,
    *,
    address: AddressSpec | None = None,
    decision: TaxDecision | None = None,
) -> TaxedPrice:
    """The taxed price of one bundled unit under the bundled product's ``rule``; bundled prices are always gross."""
    return compute_tax(rule, bundled_listed_price(bundle, voucher, currency), currency, base="gross",
                       address=address, decision=decision)


def bundle_demand(
    base: ProductKey, bundles: Sequence[BundleSpec], quantity: int = 1
) -> dict[ProductKey, int]:
    """Units of every product that ``quantity`` base units need, bundled products counted with multiplicity.

    Used for quota checks: buying 2 units of a base product bundling 3 drinks needs 2 base units and 6 drinks.
    """
    demand: dict[ProductKey, int] = {base: quantity}
    for bundle in bundles:
        demand[bundle.product] = demand.get(bundle.product, 0) + bundle.count * quantity
    return demand
