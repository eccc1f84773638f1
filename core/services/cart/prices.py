"""Prices of new cart positions through :mod:`core.services.pricing`: listed, voucher, free price, bundles, tax."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from core.services.errors import CartError, PricingError
from core.services.positions import Overrides, PositionRequest, budget_used
from core.services.pricing.adapters import bundle_spec, listed_price_of, tax_rule_spec, voucher_spec
from core.services.pricing.bundles import bundled_line_price, bundled_sum
from core.services.pricing.listed import VoucherBudget, check_custom_price, line_price, voucher_price
from core.services.pricing.taxes import NO_TAX, compute_tax


@dataclass(frozen=True)
class Priced:
    """The price columns of a cart position."""

    listed_price: Decimal
    price_after_voucher: Decimal
    custom_price_input: Decimal | None
    line_price_gross: Decimal
    tax_rate: Decimal
    tax_code: str | None

    def apply(self, position: Any) -> None:
        position.listed_price = self.listed_price
        position.price_after_voucher = self.price_after_voucher
        position.custom_price_input = self.custom_price_input
        position.line_price_gross = self.line_price_gross
        position.price = self.line_price_gross
        position.tax_rate = self.tax_rate
        position.tax_code = self.tax_code


def budget_left(session: Session, vouchers: Sequence[Any]) -> dict[int, VoucherBudget]:
    """The unused budget of each voucher with a budget (pending and paid orders count), in one query."""
    with_budget = [v for v in vouchers if v.budget is not None]
    used = budget_used(session, [v.id for v in with_budget])
    return {v.id: VoucherBudget(v.budget - used.get(v.id, Decimal("0"))) for v in with_budget}


def _addon_included(request: PositionRequest) -> bool:
    parent = request.addon_to
    if parent is None or request.is_bundled:
        return False
    if parent.voucher is not None and parent.voucher.all_addons_included:
        return True
    return any(rule.price_included and rule.addon_category_id == request.item.category_id
               for rule in parent.item.addons)


def price_requests(
    session: Session, event: Any, requests: Sequence[PositionRequest], overrides: Overrides
) -> dict[int, Priced]:
    """``{id(request): Priced}`` for every request (bundled ones priced from their bundle)."""
    currency = event.currency
    budgets = budget_left(session, list({r.voucher.id: r.voucher for r in requests if r.voucher}.values()))
    out: dict[int, Priced] = {}
    try:
        for request in requests:
            rule = tax_rule_spec(request.item.tax_rule) if request.item.tax_rule is not None else NO_TAX
            if request.is_bundled:
                parent_voucher = voucher_spec(request.addon_to.voucher)
                taxed = bundled_line_price(bundle_spec(request.bundle), rule, parent_voucher, currency)
                out[id(request)] = Priced(taxed.gross, taxed.gross, None, taxed.gross, taxed.rate, taxed.code)
                continue
            sub_item, sub_variation = overrides[id(request)]
            listed = listed_price_of(request.item, request.variation, sub_item, sub_variation,
                                     addon_included=_addon_included(request))
            spec = voucher_spec(request.voucher)
            after = voucher_price(listed, spec, currency)
            if request.voucher is not None and request.voucher.id in budgets:
                after, _ = budgets[request.voucher.id].apply(listed, after)
            custom = None
            if request.item.free_price and request.custom_price is not None:
                minimum = compute_tax(rule, after, currency)
                custom = check_custom_price(request.custom_price, minimum, is_net=request.custom_price_is_net,
                                            currency=currency)
            carved = bundled_sum([bundle_spec(b) for b in request.item.bundles], spec, currency)
            taxed = line_price(after, rule, currency, custom_price=custom,
                               custom_price_is_net=request.custom_price_is_net, bundled_sum=carved)
            out[id(request)] = Priced(listed, after, custom, taxed.gross, taxed.rate, taxed.code)
    except PricingError as exc:
        raise CartError(exc.key, exc.message, **exc.params) from exc
    return out
