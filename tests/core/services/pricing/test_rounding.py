"""Order-level tax rounding modes (worked examples; hand arithmetic in the comments)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from core.services.errors import PricingError
from core.services.pricing.rounding import RoundingLine, apply_rounding
from core.services.pricing.taxes import taxed_from_gross

D = Decimal


def gross_line(gross: str, rate: str = "19", currency: str = "EUR", code: str | None = None) -> RoundingLine:
    taxed = taxed_from_gross(D(gross), D(rate), currency)
    return RoundingLine(gross=taxed.gross, tax=taxed.tax, rate=taxed.rate, code=code)


FIVE_HUNDREDS = [gross_line("100.00")] * 5  # each: net 84.03, tax 15.97; sums 420.15 / 79.85 / 500.00

CASES = [
    # line: unchanged
    ("line", FIVE_HUNDREDS, "EUR", False, [("100.00", "15.97")] * 5),
    # sum_by_net: tax on 420.15 = 79.8285 -> 79.83; 79.85 - 79.83 = 2 units off the first two lines (gross ties
    # keep input order); gross 99.99, tax 15.96; totals 499.98 / 79.83
    ("sum_by_net", FIVE_HUNDREDS, "EUR", False, [("99.99", "15.96")] * 2 + [("100.00", "15.97")] * 3),
    # keep gross: N = round(500 / 1.19) = 420.17, 420.17 + round(79.8323) = 500.00 -> tax 79.83:
    # two lines lose 0.01 tax (net 84.04), gross untouched
    ("sum_by_net_keep_gross", FIVE_HUNDREDS, "EUR", False, [("100.00", "15.96")] * 2 + [("100.00", "15.97")] * 3),
    # 3 x 10.00 at 7 %: net 9.35, tax 0.65 each; tax on 28.05 = 1.9635 -> 1.96 vs 1.95: +1 unit on line 1
    ("sum_by_net", [gross_line("10.00", "7")] * 3, "EUR", False,
     [("10.01", "0.66"), ("10.00", "0.65"), ("10.00", "0.65")]),
    # keep gross: N = round(30 / 1.07) = 28.04, tax round(1.9628) = 1.96, 28.04 + 1.96 = 30 -> tax +1 on line 1
    ("sum_by_net_keep_gross", [gross_line("10.00", "7")] * 3, "EUR", False,
     [("10.00", "0.66"), ("10.00", "0.65"), ("10.00", "0.65")]),
    # highest gross first: 10.00 (net 8.40, tax 1.60) + 100.00 (84.03, 15.97); tax on 92.43 = 17.5617 -> 17.56
    # vs 17.57: -1 unit on the 100.00 line although it comes second
    ("sum_by_net", [gross_line("10.00"), gross_line("100.00")], "EUR", False,
     [("10.00", "1.60"), ("99.99", "15.96")]),
    # only business: a private buyer keeps line rounding ...
    ("sum_by_net_only_business", FIVE_HUNDREDS, "EUR", False, [("100.00", "15.97")] * 5),
    # ... a business gets sum_by_net
    ("sum_by_net_only_business", FIVE_HUNDREDS, "EUR", True, [("99.99", "15.96")] * 2 + [("100.00", "15.97")] * 3),
    # rates are grouped separately; 0 % and 0.00 lines never change: 19 % group as above (5 x 100),
    # 7 % group 3 x 10.00 as above, a 0 % fee and a free ticket untouched
    ("sum_by_net", [*FIVE_HUNDREDS, *[gross_line("10.00", "7")] * 3, gross_line("2.50", "0"), gross_line("0.00")],
     "EUR", False,
     [("99.99", "15.96")] * 2 + [("100.00", "15.97")] * 3 + [("10.01", "0.66"), ("10.00", "0.65"), ("10.00", "0.65"),
                                                          ("2.50", "0.00"), ("0.00", "0.00")]),
    # tax codes split groups too: together the two lines would need -1 unit (tax on 168.06 = 31.9314 -> 31.93 vs
    # 31.94); each alone has tax on 84.03 = 15.9657 -> 15.97 = its line tax, so nothing moves
    ("sum_by_net", [gross_line("100.00", code="S"), gross_line("100.00", code="S/reduced")], "EUR", False,
     [("100.00", "15.97"), ("100.00", "15.97")]),
    # JPY: 3 x 101 at 10 %: net 92 (91.8), tax 9 each; tax on 276 = 27.6 -> 28 vs 27: +1 yen on line 1
    ("sum_by_net", [gross_line("101", "10", "JPY")] * 3, "JPY", False, [("102", "10"), ("101", "9"), ("101", "9")]),
    # keep gross in JPY: N = round(303 / 1.1) = 275, tax round(27.5) = 28, 275 + 28 = 303 -> tax 28: +1 on line 1
    ("sum_by_net_keep_gross", [gross_line("101", "10", "JPY")] * 3, "JPY", False,
     [("101", "10"), ("101", "9"), ("101", "9")]),
    # keep gross unreachable: 0.03 at 19 % (net 0.03, tax 0.00); nets 0.02/0.03/0.04 give 0.02/0.04/0.05, never
    # 0.03 -> falls back to sum_by_net: tax round(0.0057) = 0.01 -> gross 0.04
    ("sum_by_net_keep_gross", [gross_line("0.03")], "EUR", False, [("0.04", "0.01")]),
]


@pytest.mark.parametrize(("mode", "lines", "currency", "business", "expected"), CASES)
def test_apply_rounding(mode: str, lines: list[RoundingLine], currency: str, business: bool,
                        expected: list[tuple[str, str]]) -> None:
    rounded = apply_rounding(lines, mode, currency, is_business=business)
    assert [(r.gross, r.tax) for r in rounded] == [(D(g), D(t)) for g, t in expected]
    for before, after in zip(lines, rounded, strict=True):
        assert after.gross_correction == after.gross - before.gross
        assert after.tax_correction == after.tax - before.tax
    # per (rate, code) group the stored taxes now equal the tax on the summed nets (except line mode)
    if mode in ("sum_by_net", "sum_by_net_keep_gross") or (mode == "sum_by_net_only_business" and business):
        groups: dict[tuple[Decimal, str | None], tuple[Decimal, Decimal]] = {}
        for before, after in zip(lines, rounded, strict=True):
            net, tax = groups.get((before.rate, before.code), (D(0), D(0)))
            groups[(before.rate, before.code)] = (net + after.net, tax + after.tax)
        for (rate, _code), (net, tax) in groups.items():
            assert tax == (net * rate / 100).quantize(D(1) if currency == "JPY" else D("0.01"), "ROUND_HALF_UP")


def test_keep_gross_keeps_every_gross_when_reachable() -> None:
    lines = [gross_line(g) for g in ("12.34", "56.78", "9.99", "100.00", "0.50")]
    rounded = apply_rounding(lines, "sum_by_net_keep_gross", "EUR")
    assert [r.gross for r in rounded] == [line.gross for line in lines]


def test_rounding_is_stable_on_uncorrected_input() -> None:
    first = apply_rounding(FIVE_HUNDREDS, "sum_by_net", "EUR")
    # a payment fee is added later: rounding runs again on the values before correction
    again = apply_rounding([*FIVE_HUNDREDS, gross_line("3.00")], "sum_by_net", "EUR")
    # 6 lines: net 420.15 + 2.52 = 422.67 -> tax 80.3073 -> 80.31; line taxes 79.85 + 0.48 = 80.33 -> -2 units
    assert [(r.gross, r.tax) for r in again[:5]] == [(r.gross, r.tax) for r in first]
    assert again[5].gross == D("3.00")


def test_unknown_mode() -> None:
    with pytest.raises(PricingError) as info:
        apply_rounding(FIVE_HUNDREDS, "banker", "EUR")
    assert info.value.key == "invalid_tax_rounding"
