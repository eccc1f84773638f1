"""Price recomputation at order placement (pretix-behaviour.md 2.4), for every line in the order's currency.

1. Listed price: a cart line whose reservation is still valid keeps its stored ``listed_price`` (the price is
   guaranteed until the cart expires); other lines get the catalogue price (item, date override, variation, date
   variation override; 0 for an add-on included in its parent's price; the designated price for a bundled line).
2. Voucher price mode, then the voucher budget cap (the budget left is read under the voucher's lock).
3. Line price: taxed under the item's tax rule for the invoice address, the free-price input if higher, minus the
   bundled children. A direct line with an explicit ``price`` (the API's) uses it as the gross price.
4. Automatic discounts of the event.

Order-level tax rounding runs later, over positions and fees together (:mod:`core.services.orders.placing.fees`).
The pure functions of :mod:`core.services.pricing` do the arithmetic; this module only loads what they need,
with one query per kind of object actually present (add-on and bundle rows, discounts); the date overrides come
from the caller (loaded once for the checks and the prices).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from core.models.addons import ItemAddOn, ItemBundle
from core.models.discounts import Discount
from core.services.catalogue.cache import cached_objects
from core.services.orders.placing.lines import Line
from core.services.positions import Overrides
from core.services.pricing.adapters import discount_spec, tax_rule_spec, voucher_spec
from core.services.pricing.discounts import DiscountLine, apply_discounts
from core.services.pricing.listed import VoucherBudget, line_price, listed_price, voucher_price
from core.services.pricing.taxes import (
    NO_TAX,
    AddressSpec,
    TaxDecision,
    TaxRuleSpec,
    compute_tax,
    decide,
    taxed_from_gross,
)

ZERO = Decimal("0.00")


class TaxRules:
    """Tax rule specs and the decision for the buyer's address, computed once per rule."""

    def __init__(self, address: AddressSpec | None) -> None:
        self.address = address
        self._cache: dict[int | None, tuple[TaxRuleSpec, TaxDecision]] = {}

    def of(self, rule: Any) -> tuple[TaxRuleSpec, TaxDecision]:
        key = rule.id if rule is not None else None
        if key not in self._cache:
            spec = tax_rule_spec(rule) if rule is not None else NO_TAX
            self._cache[key] = (spec, decide(spec, self.address))
        return self._cache[key]


def _addon_rows(session: Session, lines: Sequence[Line]) -> dict[tuple[int, int | None], ItemAddOn]:
    parents = {lines[line.addon_to].item.id for line in lines if line.addon_to is not None and not line.is_bundled}
    if not parents:
        return {}
    return {(r.base_item_id, r.addon_category_id): r
            for r in session.scalars(select(ItemAddOn).where(ItemAddOn.base_item_id.in_(parents)))}


def _bundle_rows(session: Session, lines: Sequence[Line]) -> dict[int, list[ItemBundle]]:
    parents = {lines[line.addon_to].item.id for line in lines if line.addon_to is not None and line.is_bundled}
    rows: dict[int, list[ItemBundle]] = {}
    if parents:
        for row in session.scalars(select(ItemBundle).where(ItemBundle.base_item_id.in_(parents))):
            rows.setdefault(row.base_item_id, []).append(row)
    return rows


def _listed(line: Line, lines: Sequence[Line], now: dt.datetime, overrides: Overrides,
            addons: dict[Any, ItemAddOn], bundles: dict[int, list[ItemBundle]]) -> Decimal:
    if line.cart is not None and line.cart.expires > now and line.cart.listed_price is not None:
        return line.cart.listed_price
    parent = lines[line.addon_to] if line.addon_to is not None else None
    if parent is not None and line.is_bundled:
        if parent.voucher is not None and parent.voucher.all_bundles_included:
            return ZERO
        for row in bundles.get(parent.item.id, []):
            if row.bundled_item_id == line.item.id and row.bundled_variation_id == (
                    line.variation.id if line.variation is not None else None):
                return row.designated_price or ZERO
        return ZERO
    included = False
    if parent is not None:
        row = addons.get((parent.item.id, line.item.category_id))
        included = bool(row is not None and row.price_included) or bool(
            parent.voucher is not None and parent.voucher.all_addons_included)
    sub_item, sub_variation = overrides[id(line)]
    return listed_price(
        line.item.default_price,
        subevent_item_price=sub_item.price if sub_item is not None else None,
        variation_price=line.variation.default_price if line.variation is not None else None,
        subevent_variation_price=sub_variation.price if sub_variation is not None else None,
        addon_included=included,
    )


def compute_prices(
    session: Session,
    lines: Sequence[Line],
    *,
    currency: str,
    taxes: TaxRules,
    budgets: dict[int, Decimal],
    overrides: Overrides,
    now: dt.datetime,
    sales_channel: str,
    event_id: int,
) -> None:
    """Fill in ``listed_price``, ``price_after_voucher``, ``voucher_budget_use``, ``price`` and the tax of each
    line (see the module docstring). ``budgets`` maps voucher ids to the budget left; ``overrides`` are the
    per-date product overrides of the lines (:func:`core.services.positions.overrides_for`); ``now`` is the time-machine
    time for discounts, while cart validity uses real time."""
    real_now = dt.datetime.now(dt.UTC)
    addons = _addon_rows(session, lines)
    bundles = _bundle_rows(session, lines)
    budget = {voucher_id: VoucherBudget(left) for voucher_id, left in budgets.items()}
    for line in lines:
        listed = _listed(line, lines, real_now, overrides, addons, bundles)
        price = voucher_price(listed, voucher_spec(line.voucher), currency) if line.voucher is not None else listed
        if line.voucher is not None and line.voucher.id in budget:
            price, use = budget[line.voucher.id].apply(listed, price)
            line.voucher_budget_use = use
        line.listed_price, line.price_after_voucher = listed, price
    for index, line in enumerate(lines):
        spec, decision = taxes.of(line.item.tax_rule)
        if line.explicit_price is not None:
            taxed = compute_tax(spec, line.explicit_price, currency, base="gross", decision=decision)
        else:
            children = sum((c.price_after_voucher or ZERO for c in lines if c.addon_to == index and c.is_bundled),
                           ZERO)
            cart = line.cart
            taxed = line_price(
                line.price_after_voucher or ZERO, spec, currency, decision=decision,
                custom_price=cart.custom_price_input if cart is not None else None,
                custom_price_is_net=bool(cart.custom_price_input_is_net) if cart is not None else False,
                bundled_sum=children, is_bundled=line.is_bundled,
            )
        line.price, line.tax_rate, line.tax_code = taxed.gross, taxed.rate, taxed.code
        line.tax_value = taxed.tax
        line.tax_rule_id = line.item.tax_rule_id
        line.requires_approval = taxed.requires_approval
    _discounts(session, lines, currency=currency, now=now, sales_channel=sales_channel, event_id=event_id)


def _discounts(session: Session, lines: Sequence[Line], *, currency: str, now: dt.datetime, sales_channel: str,
               event_id: int) -> None:
    if all(line.explicit_price is not None for line in lines):
        return
    rows = cached_objects(session, "discounts", event_id, None, lambda: session.scalars(
        select(Discount).where(Discount.event_id == event_id, Discount.active.is_(True))
        .options(selectinload(Discount.limit_sales_channels), selectinload(Discount.condition_limit_products),
                 selectinload(Discount.benefit_limit_products))).all(), cache_empty=True)
    if not rows:
        return
    specs = [discount_spec(row) for row in rows]
    candidates = [
        DiscountLine(
            item_id=line.item.id, line_price_gross=line.price, subevent_id=line.subevent_id,
            subevent_date=line.subevent.date_from if line.subevent is not None else None,
            voucher_discount=(line.listed_price or ZERO) - (line.price_after_voucher or ZERO),
            is_addon=line.addon_to is not None and not line.is_bundled, is_bundled=line.is_bundled,
        )
        for line in lines
    ]
    results = apply_discounts(candidates, specs, currency, now=now, sales_channel=sales_channel)
    for line, result in zip(lines, results, strict=True):
        if line.explicit_price is not None or result.discount_id is None:
            continue
        taxed = taxed_from_gross(result.price, line.tax_rate, currency, line.tax_code)
        line.price, line.tax_value, line.discount_id = taxed.gross, taxed.tax, result.discount_id
