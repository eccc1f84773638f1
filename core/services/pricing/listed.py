"""Listed price, voucher price modes and budgets, free-price input and the taxed line price.

The steps, in the order the services call them for every position:

1. :func:`listed_price`: the naive catalogue price (item, sub-event item override, variation, sub-event variation
   override; 0 for included add-ons). The cart stores it and guarantees it until the cart expires.
2. :func:`voucher_price`: the voucher's price mode applied to the listed price; then the voucher's budget caps the
   total discount of all its redemptions (:class:`VoucherBudget`).
3. :func:`line_price`: the price after voucher taxed under the position's tax rule, the customer's free price if
   higher, minus the bundled children's prices.

Everything is pure: no database access, no model objects (see :mod:`core.services.pricing.adapters`).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from core.services.errors import PricingError
from core.services.money import money_str, round_money
from core.services.pricing.taxes import (
    HUNDRED,
    ZERO,
    AddressSpec,
    TaxDecision,
    TaxedPrice,
    TaxRuleSpec,
    compute_tax,
    decide,
    taxed_from_gross,
)

PRICE_MODE_NONE = "none"
PRICE_MODE_SET = "set"
PRICE_MODE_SUBTRACT = "subtract"
PRICE_MODE_PERCENT = "percent"
PRICE_MODES = frozenset({PRICE_MODE_NONE, PRICE_MODE_SET, PRICE_MODE_SUBTRACT, PRICE_MODE_PERCENT})

#: The highest price a customer may enter (pretix's limit; larger input gets ``price_too_high``).
MAX_PRICE = Decimal("99999999999")


@dataclass(frozen=True, slots=True)
class VoucherSpec:
    """The pricing-relevant fields of a ``Voucher``; ``budget`` None means unlimited."""

    price_mode: str = PRICE_MODE_NONE
    value: Decimal | None = None
    budget: Decimal | None = None
    all_addons_included: bool = False
    all_bundles_included: bool = False
    id: int | None = None


def listed_price(
    default_price: Decimal,
    *,
    subevent_item_price: Decimal | None = None,
    variation_price: Decimal | None = None,
    subevent_variation_price: Decimal | None = None,
    addon_included: bool = False,
) -> Decimal:
    """The listed (naive) price of a product.

    Starts from ``Item.default_price``; a sub-event item override replaces it, then the variation's own
    ``default_price`` (if set), then a sub-event variation override; the last one set wins. ``addon_included``
    (the add-on's ``ItemAddOn.price_included`` or the parent's voucher ``all_addons_included``) makes it 0.
    """
    if addon_included:
        return ZERO
    price = default_price
    if subevent_item_price is not None:
        price = subevent_item_price
    if variation_price is not None:
        price = variation_price
    if subevent_variation_price is not None:
        price = subevent_variation_price
    return price


def voucher_price(listed: Decimal, voucher: VoucherSpec | None, currency: str) -> Decimal:
    """The price after ``voucher``'s price mode (before the budget cap), rounded to the currency.

    ``set``: the voucher value; ``subtract``: listed minus value, at least 0; ``percent``: listed reduced by value
    percent; ``none`` (or no voucher): the listed price.
    """
    if voucher is None or voucher.price_mode == PRICE_MODE_NONE:
        return round_money(listed, currency)
    value = voucher.value if voucher.value is not None else ZERO
    if voucher.price_mode == PRICE_MODE_SET:
        price = value
    elif voucher.price_mode == PRICE_MODE_SUBTRACT:
        price = max(listed - value, ZERO)
    elif voucher.price_mode == PRICE_MODE_PERCENT:
        price = listed * (HUNDRED - value) / HUNDRED
    else:
        raise PricingError(
            "invalid_voucher_price_mode",
            f"unknown voucher price mode {voucher.price_mode!r}; use one of {', '.join(sorted(PRICE_MODES))}",
            price_mode=voucher.price_mode,
        )
    return round_money(price, currency)


class VoucherBudget:
    """The unused part of a voucher's budget, consumed position by position.

    Create it with ``budget - budget_used`` (``budget_used`` = the sum of ``voucher_budget_use`` over positions in
    pending and paid orders, read under the voucher's lock), then call :meth:`apply` for every position redeeming the
    voucher in order. Each call grants at most the remaining budget as discount and returns the capped price and
    the position's ``voucher_budget_use``. ``None`` as budget means unlimited.
    """

    __slots__ = ("remaining",)

    def __init__(self, remaining: Decimal | None) -> None:
        self.remaining = None if remaining is None else max(remaining, ZERO)

    def apply(self, listed: Decimal, price: Decimal) -> tuple[Decimal, Decimal]:
        """``(price, budget_use)`` for one position: ``price >= listed - remaining``; the discount is deducted."""
        discount = listed - price
        if discount <= 0:
            return price, ZERO
        if self.remaining is not None:
            if discount > self.remaining:
                discount = self.remaining
                price = listed - discount
            self.remaining -= discount
        return price, discount


def parse_price(value: object) -> Decimal:
    """A free-price input as Decimal; raises ``price_not_a_number`` or ``price_too_high`` for unusable input."""
    try:
        price = value if isinstance(value, Decimal) else Decimal(str(value).strip().replace(",", "."))
    except (InvalidOperation, ValueError) as exc:
        raise PricingError("price_not_a_number", f"{value!r} is not a price; enter a number like 12.50",
                           value=str(value)) from exc
    if not price.is_finite():
        raise PricingError("price_not_a_number", f"{value!r} is not a price; enter a number like 12.50",
                           value=str(value))
    if price > MAX_PRICE:
        raise PricingError("price_too_high", f"the price must not exceed {MAX_PRICE}", maximum=str(MAX_PRICE))
    return price


def check_custom_price(custom: object, minimum: TaxedPrice, *, is_net: bool, currency: str) -> Decimal:
    """Validate a customer's free-price input against the normal taxed price ``minimum``.

    Returns the parsed, rounded price; raises :class:`PricingError` ``price_too_low`` if it is below the net
    (``is_net``) or gross minimum, and the errors of :func:`parse_price`.
    """
    price = round_money(parse_price(custom), currency)
    floor = minimum.net if is_net else minimum.gross
    if price < floor:
        raise PricingError(
            "price_too_low",
            f"the price must be at least {money_str(floor, currency)}",
            minimum=str(floor), currency=currency,
        )
    return price


def line_price(
    price_after_voucher: Decimal,
    rule: TaxRuleSpec,
    currency: str,
    *,
    address: AddressSpec | None = None,
    decision: TaxDecision | None = None,
    custom_price: Decimal | None = None,
    custom_price_is_net: bool = False,
    bundled_sum: Decimal = ZERO,
    is_bundled: bool = False,
) -> TaxedPrice:
    """The taxed price of one position (``line_price_gross``, rate, code).

    The price after voucher is taxed under ``rule`` (gross or net by ``price_includes_tax``; bundled children are
    always gross). A free ``custom_price`` replaces it if it is higher on the net or gross side. Finally the
    ``bundled_sum`` of the bundled children is carved out of the gross (not below 0 for a positive price) and
    the tax is recomputed from the remaining gross.
    """
    if decision is None:
        decision = decide(rule, address)
    taxed = compute_tax(rule, price_after_voucher, currency, base="gross" if is_bundled else "auto", decision=decision)
    if custom_price is not None:
        custom = compute_tax(rule, custom_price, currency, base="net" if custom_price_is_net else "gross",
                             decision=decision)
        if (custom.net > taxed.net) if custom_price_is_net else (custom.gross > taxed.gross):
            taxed = custom
    if bundled_sum:
        gross = taxed.gross - bundled_sum
        if taxed.gross > 0 and gross < 0:
            gross = ZERO
        carved = taxed_from_gross(gross, taxed.rate, currency, taxed.code)
        taxed = TaxedPrice(carved.gross, carved.net, carved.tax, carved.rate, carved.code, taxed.requires_approval)
    return taxed
