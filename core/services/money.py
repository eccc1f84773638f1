"""Money arithmetic: decimal places per currency, half-up rounding and plain formatting.

Amounts are :class:`~decimal.Decimal` everywhere, never ``float``. Every stored amount is rounded with
``ROUND_HALF_UP`` to the number of decimal places ISO 4217 gives its currency (2 unless listed in
:data:`CURRENCY_PLACES`), so ``JPY`` amounts are whole yen and ``BHD`` amounts carry three decimals.
"""

from __future__ import annotations

import copy
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from babel import Locale

#: ISO 4217 minor units of the currencies that do not use two decimal places.
CURRENCY_PLACES: dict[str, int] = {
    "BIF": 0, "CLP": 0, "DJF": 0, "GNF": 0, "ISK": 0, "JPY": 0, "KMF": 0, "KRW": 0, "PYG": 0, "RWF": 0,
    "UGX": 0, "UYI": 0, "VND": 0, "VUV": 0, "XAF": 0, "XOF": 0, "XPF": 0,
    "BHD": 3, "IQD": 3, "JOD": 3, "KWD": 3, "LYD": 3, "OMR": 3, "TND": 3,
    "CLF": 4, "UYW": 4,
}
DEFAULT_PLACES = 2

_QUANTA: dict[int, Decimal] = {places: Decimal(1).scaleb(-places) for places in range(5)}


def currency_places(code: str) -> int:
    """Decimal places of currency ``code`` (``"EUR"`` -> 2, ``"JPY"`` -> 0, ``"BHD"`` -> 3; unknown -> 2)."""
    return CURRENCY_PLACES.get(code.upper() if code else "", DEFAULT_PLACES)


def currency_quantum(code: str) -> Decimal:
    """The smallest unit of currency ``code`` as a Decimal exponent: ``Decimal("0.01")`` for EUR, ``1`` for JPY."""
    return _QUANTA[currency_places(code)]


def round_money(value: Decimal | int | str, currency: str) -> Decimal:
    """``value`` rounded half-up to the places of ``currency``; raises ValueError for NaN and infinities."""
    amount = value if isinstance(value, Decimal) else Decimal(value)
    if not amount.is_finite():
        raise ValueError(f"cannot round the non-finite amount {amount!r}")
    try:
        return amount.quantize(currency_quantum(currency), rounding=ROUND_HALF_UP)
    except InvalidOperation as exc:
        raise ValueError(f"amount {amount!r} is too large to round") from exc


def money_str(value: Decimal, currency: str, locale: str | None = None) -> str:
    """``value`` formatted for display with its currency.

    Without ``locale`` the result is the locale-neutral ``"12.50 EUR"`` (``"1200 JPY"``), as used in logs, bank
    transfer references and plain-text mails; with a locale (``"de"``, ``"en_GB"``) it is the CLDR format of that
    locale (``"12,50 €"``) with the currency's ISO decimal places.
    """
    amount = round_money(value, currency)
    if locale is None:
        return f"{amount} {currency}"
    parsed = Locale.parse(locale)
    pattern = copy.copy(parsed.currency_formats["standard"])
    places = currency_places(currency)
    pattern.frac_prec = (places, places)
    return pattern.apply(amount, parsed, currency=currency, currency_digits=False)
