"""Payment fees: absolute and percentage parts, reverse calculation, currencies, bad settings."""

from __future__ import annotations

from decimal import Decimal

import pytest

from core.services.money import round_money
from core.services.payments.fees import payment_fee

D = Decimal


@pytest.mark.parametrize(("price", "fee_abs", "fee_percent", "reverse", "currency", "fee"), [
    (D("100.00"), D("0"), D("0"), True, "EUR", D("0.00")),
    (D("100.00"), D("0.30"), D("0"), True, "EUR", D("0.30")),
    (D("100.00"), D("0"), D("2"), False, "EUR", D("2.00")),
    (D("100.00"), D("0.25"), D("1.4"), False, "EUR", D("1.65")),
    # reverse: (100 + 0) / 0.98 - 100 = 2.0408... -> 2.04
    (D("100.00"), D("0"), D("2"), True, "EUR", D("2.04")),
    # reverse: (100 + 0.25) / 0.986 - 100 = 1.6734... -> 1.67
    (D("100.00"), D("0.25"), D("1.4"), True, "EUR", D("1.67")),
    # reverse: (10 + 0.35) / 0.971 - 10 = 0.6591... -> 0.66
    (D("10.00"), D("0.35"), D("2.9"), True, "EUR", D("0.66")),
    # half-up at the cent: 0.5 % of 1.00 = 0.005 -> 0.01
    (D("1.00"), D("0"), D("0.5"), False, "EUR", D("0.01")),
    # zero-decimal currency: 3 % of 1000 JPY reverse = 1000/0.97 - 1000 = 30.93 -> 31
    (D("1000"), D("0"), D("3"), True, "JPY", D("31")),
    (D("0.00"), D("0.50"), D("5"), True, "EUR", D("0.53")),
])
def test_payment_fee_table(price, fee_abs, fee_percent, reverse, currency, fee) -> None:
    assert payment_fee(price, fee_abs=fee_abs, fee_percent=fee_percent, reverse_calc=reverse,
                       currency=currency) == fee


@pytest.mark.parametrize("price", [D("0.01"), D("9.99"), D("100.00"), D("1234.56"), D("99999.99")])
@pytest.mark.parametrize(("fee_abs", "fee_percent"), [(D("0"), D("2.9")), (D("0.35"), D("1.4")), (D("1"), D("10"))])
def test_reverse_calculation_leaves_the_organizer_the_full_price(price, fee_abs, fee_percent) -> None:
    fee = payment_fee(price, fee_abs=fee_abs, fee_percent=fee_percent, reverse_calc=True, currency="EUR")
    charged = price + fee
    received = round_money(charged - charged * fee_percent / 100 - fee_abs, "EUR")
    assert abs(received - price) <= D("0.01")


def test_forward_calculation_leaves_the_organizer_less() -> None:
    fee = payment_fee(D("100.00"), fee_abs=D("0"), fee_percent=D("2"), reverse_calc=False, currency="EUR")
    charged = D("100.00") + fee
    assert charged - charged * 2 / 100 < D("100.00")


@pytest.mark.parametrize(("fee_abs", "fee_percent", "reverse"), [
    (D("-1"), D("0"), True), (D("0"), D("-1"), False), (D("0"), D("100"), True), (D("0"), D("101"), False),
])
def test_bad_fee_settings_are_refused(fee_abs, fee_percent, reverse) -> None:
    with pytest.raises(ValueError, match="fee"):
        payment_fee(D("10"), fee_abs=fee_abs, fee_percent=fee_percent, reverse_calc=reverse, currency="EUR")
