"""Payment fees: absolute plus percentage, optionally grossed up so the organizer receives the full amount.

Providers deduct their percentage from everything they collect, fee included. With *reverse calculation*
(pretix's default) the fee is chosen so that after that deduction the organizer still receives ``price``::

    price + fee = (price + fee_abs) / (1 - fee_percent / 100)

Without it the fee is simply ``fee_abs + price * fee_percent / 100``. Both round half-up to the currency.
"""

from __future__ import annotations

from decimal import Decimal

from core.services.money import round_money

HUNDRED = Decimal(100)


def payment_fee(
    price: Decimal, *, fee_abs: Decimal, fee_percent: Decimal, reverse_calc: bool, currency: str,
) -> Decimal:
    """The payment fee for paying ``price`` (Decimal, rounded to ``currency``; ``0`` without fee settings).

    :raises ValueError: ``fee_percent`` outside 0..100 (reverse calculation needs it below 100) or a negative
        ``fee_abs``.
    """
    fee_abs = Decimal(fee_abs or 0)
    fee_percent = Decimal(fee_percent or 0)
    if fee_abs < 0:
        raise ValueError(f"the absolute payment fee must not be negative, got {fee_abs}")
    if not 0 <= fee_percent <= HUNDRED or (reverse_calc and fee_percent == HUNDRED):
        raise ValueError(f"the payment fee percentage must be at least 0 and below 100, got {fee_percent}")
    if not fee_abs and not fee_percent:
        return round_money(Decimal(0), currency)
    if reverse_calc:
        gross = (price + fee_abs) / (1 - fee_percent / HUNDRED)
        return round_money(gross - price, currency)
    return round_money(fee_abs + price * fee_percent / HUNDRED, currency)

