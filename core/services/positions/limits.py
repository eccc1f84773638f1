"""Count limits: cart and order size, per product minimum/maximum, add-on rules and voucher usages.

Every refusal raises ``error`` with pretix's key: :class:`CartError` by default, :class:`OrderError` for placement.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

from core.models.vouchers import Voucher
from core.services.errors import CartError, CommerceError

#: pretix's hard limit of positions per order (``PRETIX_MAX_ORDER_SIZE``).
MAX_ORDER_SIZE = 500


def _top_level(position: Any) -> bool:
    return getattr(position, "addon_to", None) is None and getattr(position, "addon_to_id", None) is None


def check_max_items(positions: Iterable[Any], max_items_per_order: int, *,
                    error: type[CommerceError] = CartError) -> None:
    """``max_items``: top-level positions (no add-ons, no bundled) <= min(setting, 500)."""
    limit = min(max_items_per_order, MAX_ORDER_SIZE)
    count = sum(1 for position in positions if _top_level(position))
    if count > limit:
        raise error("max_items", f"You cannot select more than {limit} products per order.", max=limit)


def check_order_size(positions: Sequence[Any], *, error: type[CommerceError] = CartError) -> None:
    """``max_items``: an order has at most 500 positions in all (add-ons and bundled ones included)."""
    if len(positions) > MAX_ORDER_SIZE:
        raise error("max_items", f"An order cannot have more than {MAX_ORDER_SIZE} positions.",
                    max=MAX_ORDER_SIZE)


def check_per_product(positions: Sequence[Any], *, new_items: Iterable[Any] = (),
                      error: type[CommerceError] = CartError) -> None:
    """``max_items_per_product`` for any product above its ``max_per_order``; ``min_items_per_product`` for a
    product in ``new_items`` below its ``min_per_order``. Bundled positions do not count."""
    counts: Counter[int] = Counter()
    items = {}
    for position in positions:
        if getattr(position, "is_bundled", False):
            continue
        counts[position.item.id] += 1
        items[position.item.id] = position.item
    for item_id, count in counts.items():
        item = items[item_id]
        if item.max_per_order is not None and count > item.max_per_order:
            raise error("max_items_per_product", f"You cannot select more than {item.max_per_order} of "
                            f"{item.name} per order.", item=item_id, max=item.max_per_order)
    for item in {item.id: item for item in new_items}.values():
        if item.min_per_order is not None and counts[item.id] < item.min_per_order:
            raise error("min_items_per_product", f"You need to select at least {item.min_per_order} of "
                            f"{item.name} to buy it.", item=item.id, min=item.min_per_order)


def check_addons(positions: Sequence[Any], *, require_min: bool = False) -> None:
    """The chosen add-ons (not bundled) of every parent follow the parent product's ``ItemAddOn`` rules.

    ``positions`` are all positions of the cart as they will be; each add-on has ``addon_to`` (the parent object)
    and its parent is among ``positions``. Keys: ``addon_invalid_base`` (the parent is an add-on itself, or the
    add-on's category is not offered for it), ``addon_max_count``, ``addon_no_multi`` (same product twice without
    ``multi_allowed``), ``addon_duplicate_item`` (two variations of one product), and with ``require_min``
    ``addon_min_count``.
    """
    parents = {id(p): p for p in positions}
    by_parent: dict[int, list[Any]] = {}
    for position in positions:
        if getattr(position, "addon_to", None) is None or position.is_bundled:
            continue
        parent = position.addon_to
        if getattr(parent, "addon_to", None) is not None:
            raise CartError("addon_invalid_base", "Add-ons cannot have add-ons of their own.")
        by_parent.setdefault(id(parent), []).append(position)
    for parent in parents.values():
        if getattr(parent, "addon_to", None) is not None:
            continue
        chosen = by_parent.get(id(parent), [])
        rules = {rule.addon_category_id: rule for rule in parent.item.addons}
        per_category: dict[int | None, list[Any]] = {}
        for addon in chosen:
            category_id = addon.item.category_id
            if category_id not in rules:
                raise CartError("addon_invalid_base", f"{addon.item.name} cannot be chosen as an add-on to "
                                f"{parent.item.name}.", item=addon.item.id)
            per_category.setdefault(category_id, []).append(addon)
        for category_id, rule in rules.items():
            _check_rule(rule, per_category.get(category_id, []), require_min, parent)


def _check_rule(rule: Any, chosen: list[Any], require_min: bool, parent: Any) -> None:
    name = rule.addon_category.name
    if len(chosen) > rule.max_count:
        raise CartError("addon_max_count", f"You can select at most {rule.max_count} add-ons from the category "
                        f"{name} for {parent.item.name}.", max=rule.max_count, category=rule.addon_category_id)
    if require_min and len(chosen) < rule.min_count:
        raise CartError("addon_min_count", f"You need to select at least {rule.min_count} add-ons from the "
                        f"category {name} for {parent.item.name}.", min=rule.min_count,
                        category=rule.addon_category_id)
    products = Counter((a.item.id, a.variation.id if a.variation is not None else None) for a in chosen)
    if not rule.multi_allowed and any(n > 1 for n in products.values()):
        raise CartError("addon_no_multi", f"You can select every add-on from the category {name} only once.",
                        category=rule.addon_category_id)
    items = Counter(item_id for item_id, _ in products)
    if not rule.multi_allowed and any(n > 1 for n in items.values()):
        raise CartError("addon_duplicate_item", "You cannot select two variations of the same add-on product.",
                        category=rule.addon_category_id)


def check_voucher_usage(voucher: Voucher, *, in_this_cart: int, in_other_carts: int,
                        error: type[CommerceError] = CartError) -> None:
    """The voucher has enough uses left for ``in_this_cart`` positions (read under the voucher's lock).

    ``in_other_carts`` counts unexpired positions of other carts using it. Keys: ``voucher_redeemed`` (no use
    left at all), ``voucher_redeemed_cart`` (the rest is held by other carts), ``voucher_redeemed_partial``
    (fewer uses left than asked).
    """
    left = voucher.max_usages - voucher.redeemed
    code = voucher.code
    if left <= 0:
        raise error("voucher_redeemed", f"The voucher code {code} has already been used the maximum number "
                        "of times allowed.", voucher=code)
    if left - in_other_carts <= 0:
        raise error("voucher_redeemed_cart", f"The voucher code {code} is currently held in another cart; "
                        "try again later.", voucher=code)
    if in_this_cart > left - in_other_carts:
        raise error("voucher_redeemed_partial", f"The voucher code {code} can only be used "
                        f"{left - in_other_carts} more time(s).", voucher=code, left=left - in_other_carts)


def check_voucher_min_usages(voucher: Voucher, in_this_cart: int, *, error: type[CommerceError] = CartError) -> None:
    """``voucher_min_usages``: the cart uses the voucher at least ``max(1, min_usages - redeemed)`` times."""
    needed = max(1, (voucher.min_usages or 1) - voucher.redeemed)
    if 0 < in_this_cart < needed:
        raise error("voucher_min_usages", f"The voucher code {voucher.code} must be used at least {needed} "
                        "times in one order.", voucher=voucher.code, min=needed)
