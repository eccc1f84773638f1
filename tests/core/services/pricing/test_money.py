"""Currency places, half-up rounding and formatting."""

from __future__ import annotations

from decimal import Decimal

import pytest

from core.services.money import currency_places, currency_quantum, money_str, round_money


@pytest.mark.parametrize(
    ("code", "places"),
    [("EUR", 2), ("usd", 2), ("JPY", 0), ("KRW", 0), ("BHD", 3), ("KWD", 3), ("CLF", 4), ("XXX", 2), ("", 2)],
)
def test_currency_places(code: str, places: int) -> None:
    assert currency_places(code) == places
    assert currency_quantum(code) == Decimal(1).scaleb(-places)


@pytest.mark.parametrize(
    ("value", "currency", "expected"),
    [
        ("0.125", "EUR", "0.13"),  # half-up, not banker's (0.12)
        ("0.135", "EUR", "0.14"),
        ("-0.125", "EUR", "-0.13"),  # half away from zero for negatives
        ("2.5", "JPY", "3"),  # 0-decimal currency
        ("1234.4999", "JPY", "1234"),
        ("1.2345", "BHD", "1.235"),  # 3-decimal currency
        ("10", "EUR", "10.00"),
        (Decimal("99.995"), "EUR", "100.00"),
    ],
)
def test_round_money(value: str | Decimal, currency: str, expected: str) -> None:
    result = round_money(value, currency)
    assert result == Decimal(expected)
    assert str(result) == expected


@pytest.mark.parametrize("value", [Decimal("NaN"), Decimal("Infinity"), Decimal("1E+40")])
def test_round_money_refuses_unusable_amounts(value: Decimal) -> None:
    with pytest.raises(ValueError):
        round_money(value, "EUR")


@pytest.mark.parametrize(
    ("value", "currency", "locale", "expected"),
    [
        (Decimal("12.5"), "EUR", None, "12.50 EUR"),
        (Decimal("1200.4"), "JPY", None, "1200 JPY"),
        (Decimal("1.2345"), "BHD", None, "1.235 BHD"),
        (Decimal("12.5"), "EUR", "en", "€12.50"),
        (Decimal("1200"), "JPY", "de", "1.200\xa0¥"),
        (Decimal("1234.5"), "HUF", "en", "HUF1,234.50"),  # ISO places (2), not CLDR's cash digits (0)
    ],
)
def test_money_str(value: Decimal, currency: str, locale: str | None, expected: str) -> None:
    assert money_str(value, currency, locale) == expected
