"""Order-level tax rounding: the four ``tax_rounding`` modes.

Taxes are stored per line (position or fee): a gross ``price`` and a ``tax_value``, each rounded on its own. Summed
per (rate, code), the line taxes can differ by a few units from the tax computed on the sum of the net prices,
which e-invoicing standards (EN 16931) require. The modes:

* ``line``: keep the line values (no correction).
* ``sum_by_net``: the net of every line stays; the group tax becomes ``round(sum(net) * rate / 100)`` and the
  difference is spread one currency unit at a time over the lines, gross and tax moving together.
* ``sum_by_net_keep_gross``: the gross of every line stays; the group net ``N`` is chosen so that
  ``N + round(N * rate / 100)`` equals the gross sum, and tax moves against net one unit at a time. If no net
  satisfies this (the gross sum is unreachable at that rate), the group falls back to ``sum_by_net``.
* ``sum_by_net_only_business``: ``sum_by_net`` for business invoice addresses, ``line`` otherwise.

Units are spread over the lines sorted by gross price, highest first (ties by input order), cycling if needed;
lines with a zero gross never receive a correction. The corrections are returned per line so the caller stores
them in ``price_includes_rounding_correction`` / ``tax_value_includes_rounding_correction``. The input must be the
values *before* any earlier correction, so running the rounding again (after a payment fee is added) is stable.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from core.services.errors import PricingError
from core.services.money import currency_quantum, round_money
from core.services.pricing.taxes import HUNDRED, ZERO

MODE_LINE = "line"
MODE_SUM_BY_NET = "sum_by_net"
MODE_SUM_BY_NET_KEEP_GROSS = "sum_by_net_keep_gross"
MODE_SUM_BY_NET_ONLY_BUSINESS = "sum_by_net_only_business"
MODES = (MODE_LINE, MODE_SUM_BY_NET, MODE_SUM_BY_NET_KEEP_GROSS, MODE_SUM_BY_NET_ONLY_BUSINESS)


@dataclass(frozen=True, slots=True)
class RoundingLine:
    """A position or fee before rounding correction: gross price, tax value, rate and tax code."""

    gross: Decimal
    tax: Decimal
    rate: Decimal
    code: str | None = None


@dataclass(frozen=True, slots=True)
class RoundedLine:
    """A line after rounding: the values to store and the corrections they include."""

    gross: Decimal
    tax: Decimal
    gross_correction: Decimal = ZERO
    tax_correction: Decimal = ZERO

    @property
    def net(self) -> Decimal:
        """``gross - tax``."""
        return self.gross - self.tax


def _spread(order: list[int], units: int, unit: Decimal, deltas: list[Decimal]) -> None:
    step = unit if units > 0 else -unit
    for k in range(abs(units)):
        deltas[order[k % len(order)]] += step


def _units(amount: Decimal, unit: Decimal) -> int:
    return int(amount / unit)


def _group_sum_by_net(lines: Sequence[RoundingLine], members: list[int], rate: Decimal, currency: str,
                      unit: Decimal, gross_d: list[Decimal], tax_d: list[Decimal]) -> None:
    net_sum = sum((lines[i].gross - lines[i].tax for i in members), ZERO)
    tax_sum = sum((lines[i].tax for i in members), ZERO)
    units = _units(round_money(net_sum * rate / HUNDRED, currency) - tax_sum, unit)
    _spread(members, units, unit, tax_d)
    _spread(members, units, unit, gross_d)


def _group_keep_gross(lines: Sequence[RoundingLine], members: list[int], rate: Decimal, currency: str,
                      unit: Decimal, gross_d: list[Decimal], tax_d: list[Decimal]) -> None:
    gross_sum = sum((lines[i].gross for i in members), ZERO)
    tax_sum = sum((lines[i].tax for i in members), ZERO)
    start = round_money(gross_sum * HUNDRED / (HUNDRED + rate), currency)
    for net in (start, start - unit, start + unit):
        tax = round_money(net * rate / HUNDRED, currency)
        if net + tax == gross_sum:
            _spread(members, _units(tax - tax_sum, unit), unit, tax_d)
            return
    _group_sum_by_net(lines, members, rate, currency, unit, gross_d, tax_d)


def apply_rounding(
    lines: Sequence[RoundingLine], mode: str, currency: str, *, is_business: bool = False
) -> list[RoundedLine]:
    """The rounded values of ``lines`` (same order) under tax rounding ``mode``; see the module docstring.

    ``is_business`` (the invoice address is a business) matters only for ``sum_by_net_only_business``. An unknown
    mode raises :class:`PricingError` ``invalid_tax_rounding``.
    """
    if mode not in MODES:
        raise PricingError("invalid_tax_rounding", f"unknown tax rounding mode {mode!r}; use one of {', '.join(MODES)}",
                           mode=mode)
    if mode == MODE_SUM_BY_NET_ONLY_BUSINESS:
        mode = MODE_SUM_BY_NET if is_business else MODE_LINE
    if mode == MODE_LINE:
        return [RoundedLine(line.gross, line.tax) for line in lines]
    unit = currency_quantum(currency)
    groups: dict[tuple[Decimal, str | None], list[int]] = {}
    for i, line in enumerate(lines):
        if line.rate and line.gross:
            groups.setdefault((line.rate, line.code), []).append(i)
    gross_d = [ZERO] * len(lines)
    tax_d = [ZERO] * len(lines)
    group_func = _group_sum_by_net if mode == MODE_SUM_BY_NET else _group_keep_gross
    for (rate, _code), members in groups.items():
        members.sort(key=lambda i: (-lines[i].gross, i))
        group_func(lines, members, rate, currency, unit, gross_d, tax_d)
    return [
        RoundedLine(line.gross + gross_d[i], line.tax + tax_d[i], gross_d[i], tax_d[i])
        for i, line in enumerate(lines)
    ]
