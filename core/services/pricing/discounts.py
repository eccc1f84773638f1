"""Automatic discounts: which positions of a cart or order get how much off.

:func:`apply_discounts` takes the positions (their line gross prices) and the event's discounts and returns, per
position, the new price and the discount that produced it. The algorithm, deterministic for a given input:

* Usable discounts are the active ones whose ``available_from``/``available_until`` window contains ``now`` and
  that are open to the sales channel; they run in ``(position, id)`` order.
* Bundled positions never take part. Every other position can be *consumed* by at most one discount, as a
  condition or as a benefit; later discounts only see unconsumed positions.
* A position matches the condition if its product is allowed (all products or the limit list), it is no add-on
  unless ``condition_apply_to_addons``, it had no voucher discount if ``condition_ignore_voucher_discounted``, and
  its sub-event date lies in ``subevent_date_from``/``until`` when set. The benefit matches alike with the benefit
  fields (``benefit_same_products`` reuses the condition's products).
* ``min_value`` mode: if the condition positions' gross sum reaches ``condition_min_value``, every benefit position
  gets the discount; only benefit positions are consumed.
* ``min_count`` mode: with at least ``condition_min_count`` condition positions every benefit position gets the
  discount, and condition and benefit positions are consumed. With ``benefit_only_apply_to_cheapest_n_matches`` = N
  positions are sorted by (price, position index), ``groups = min(len(condition) // min_count,
  ceil(len(benefit) / N))``; the cheapest ``groups * N`` benefit positions get the discount and ``groups *
  min_count`` condition positions are consumed (discounted ones first, then the cheapest others).
* Sub-event modes: ``mixed`` treats all positions as one group; ``same`` applies the rules per sub-event;
  ``distinct`` forms groups of ``min_count`` condition positions on distinct dates, picking alternately the
  cheapest and the most expensive remaining position, then adds each leftover position to the first group that
  has no position on its date, and applies the rules per group.
* The new price is ``round(line_gross * (100 - percent) / 100)``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from core.services.money import round_money
from core.services.pricing.taxes import HUNDRED, ZERO

SUBEVENT_MODE_MIXED = "mixed"
SUBEVENT_MODE_SAME = "same"
SUBEVENT_MODE_DISTINCT = "distinct"


@dataclass(frozen=True, slots=True)
class DiscountSpec:
    """The fields of an automatic ``Discount``; product limits are item ids, channel limits identifiers."""

    id: int
    position: int = 0
    active: bool = True
    all_sales_channels: bool = True
    limit_sales_channels: frozenset[str] = frozenset()
    available_from: datetime | None = None
    available_until: datetime | None = None
    subevent_mode: str = SUBEVENT_MODE_MIXED
    subevent_date_from: datetime | None = None
    subevent_date_until: datetime | None = None
    condition_all_products: bool = True
    condition_limit_products: frozenset[int] = frozenset()
    condition_apply_to_addons: bool = True
    condition_ignore_voucher_discounted: bool = False
    condition_min_count: int = 0
    condition_min_value: Decimal = ZERO
    benefit_same_products: bool = True
    benefit_limit_products: frozenset[int] = frozenset()
    benefit_discount_matching_percent: Decimal = ZERO
    benefit_only_apply_to_cheapest_n_matches: int | None = None
    benefit_apply_to_addons: bool = True
    benefit_ignore_voucher_discounted: bool = False


@dataclass(frozen=True, slots=True)
class DiscountLine:
    """One position as discounts see it; ``voucher_discount`` is ``listed - price_after_voucher``."""

    item_id: int
    line_price_gross: Decimal
    subevent_id: int | None = None
    subevent_date: datetime | None = None
    voucher_discount: Decimal = ZERO
    is_addon: bool = False
    is_bundled: bool = False


@dataclass(frozen=True, slots=True)
class DiscountResult:
    """The price of one position after discounts and the id of the discount applied to it (None if none)."""

    price: Decimal
    discount_id: int | None = None


def is_usable(discount: DiscountSpec, now: datetime, sales_channel: str) -> bool:
    """Whether ``discount`` applies at all: active, inside its availability window, open to the sales channel."""
    if not discount.active:
        return False
    if discount.available_from is not None and now < discount.available_from:
        return False
    if discount.available_until is not None and now > discount.available_until:
        return False
    return discount.all_sales_channels or sales_channel in discount.limit_sales_channels


def _date_ok(d: DiscountSpec, line: DiscountLine) -> bool:
    if d.subevent_date_from is None and d.subevent_date_until is None:
        return True
    if line.subevent_date is None:
        return False
    if d.subevent_date_from is not None and line.subevent_date < d.subevent_date_from:
        return False
    return d.subevent_date_until is None or line.subevent_date <= d.subevent_date_until


def _condition_matches(d: DiscountSpec, line: DiscountLine) -> bool:
    return (
        (d.condition_all_products or line.item_id in d.condition_limit_products)
        and (d.condition_apply_to_addons or not line.is_addon)
        and not (d.condition_ignore_voucher_discounted and line.voucher_discount > 0)
        and _date_ok(d, line)
    )


def _benefit_matches(d: DiscountSpec, line: DiscountLine) -> bool:
    if d.benefit_same_products:
        product_ok = d.condition_all_products or line.item_id in d.condition_limit_products
    else:
        product_ok = line.item_id in d.benefit_limit_products
    return (
        product_ok
        and (d.benefit_apply_to_addons or not line.is_addon)
        and not (d.benefit_ignore_voucher_discounted and line.voucher_discount > 0)
        and _date_ok(d, line)
    )


def _apply_group(
    d: DiscountSpec, lines: Sequence[DiscountLine], cond: list[int], benefit: list[int]
) -> tuple[list[int], set[int]]:
    """``(benefiting indexes, consumed indexes)`` for one group of positions."""
    if d.condition_min_value > 0:
        if cond and sum((lines[i].line_price_gross for i in cond), ZERO) >= d.condition_min_value:
            return benefit, set(benefit)
        return [], set()
    min_count = max(d.condition_min_count, 1)
    if len(cond) < min_count:
        return [], set()
    n = d.benefit_only_apply_to_cheapest_n_matches
    if not n:
        return benefit, set(cond) | set(benefit)

    def key(i: int) -> tuple[Decimal, int]:
        return lines[i].line_price_gross, i

    groups = min(len(cond) // min_count, -(-len(benefit) // n))
    benefiting = sorted(benefit, key=key)[: groups * n]
    consumed = set(benefiting)
    needed = groups * min_count
    cond_sorted = sorted(cond, key=key)
    chosen = [i for i in cond_sorted if i in consumed][:needed]
    chosen += [i for i in cond_sorted if i not in consumed][: needed - len(chosen)]
    consumed.update(chosen)
    return benefiting, consumed


def _distinct_groups(lines: Sequence[DiscountLine], members: list[int], min_count: int) -> list[list[int]]:
    pool = sorted(members, key=lambda i: (lines[i].line_price_gross, i))
    groups: list[list[int]] = []
    while len(pool) >= min_count:
        work = list(pool)
        group: list[int] = []
        dates: set[int | None] = set()
        cheap = True
        while len(group) < min_count:
            pick = next((i for i in (work if cheap else reversed(work)) if lines[i].subevent_id not in dates), None)
            if pick is None:
                break
            group.append(pick)
            dates.add(lines[pick].subevent_id)
            work.remove(pick)
            cheap = not cheap
        if len(group) < min_count:
            break
        groups.append(group)
        pool = work
    for i in pool:
        for group in groups:
            if all(lines[j].subevent_id != lines[i].subevent_id for j in group):
                group.append(i)
                break
    return groups


def _apply_discount(
    d: DiscountSpec, lines: Sequence[DiscountLine], candidates: list[int]
) -> tuple[list[int], set[int]]:
    cond = [i for i in candidates if _condition_matches(d, lines[i])]
    benefit = [i for i in candidates if _benefit_matches(d, lines[i])]
    if d.subevent_mode == SUBEVENT_MODE_MIXED:
        return _apply_group(d, lines, cond, benefit)
    benefit_set = set(benefit)
    if d.subevent_mode == SUBEVENT_MODE_SAME:
        keys = sorted({lines[i].subevent_id for i in cond + benefit}, key=lambda s: (s is not None, s or 0))
        groups = [
            ([i for i in cond if lines[i].subevent_id == s], [i for i in benefit if lines[i].subevent_id == s])
            for s in keys
        ]
    else:
        groups = [
            (group, [i for i in group if i in benefit_set])
            for group in _distinct_groups(lines, cond, max(d.condition_min_count, 1))
        ]
    benefiting: list[int] = []
    consumed: set[int] = set()
    for group_cond, group_benefit in groups:
        b, c = _apply_group(d, lines, group_cond, group_benefit)
        benefiting.extend(b)
        consumed |= c
    return benefiting, consumed


def apply_discounts(
    lines: Sequence[DiscountLine],
    discounts: Sequence[DiscountSpec],
    currency: str,
    *,
    now: datetime,
    sales_channel: str,
) -> list[DiscountResult]:
    """The price and applied discount of every position in ``lines`` (same order); see the module docstring."""
    results = [DiscountResult(line.line_price_gross) for line in lines]
    usable = sorted((d for d in discounts if is_usable(d, now, sales_channel)), key=lambda d: (d.position, d.id))
    if not usable:
        return results
    candidates = [i for i, line in enumerate(lines) if not line.is_bundled]
    for d in usable:
        if not candidates:
            break
        benefiting, consumed = _apply_discount(d, lines, candidates)
        factor = (HUNDRED - d.benefit_discount_matching_percent) / HUNDRED
        for i in benefiting:
            results[i] = DiscountResult(round_money(lines[i].line_price_gross * factor, currency), d.id)
        if consumed:
            candidates = [i for i in candidates if i not in consumed]
    return results
