"""Fees of an order to be placed and the order-level tax rounding over positions and fees.

Fees come from the :class:`~core.interfaces.orders.IOrderFeeCalculation` handlers (unsaved ``OrderFee`` objects
with ``fee_type``, ``value``, ``description``, ``internal_type``) and from the chosen payment provider's
``calculate_fee`` over the total so far (none for a zero total). A fee without its own tax rule is taxed under the
event's default tax rule (gross). Then the event's ``tax_rounding`` mode corrects positions and fees together.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.models.positions import OrderFee
from core.models.tax import TaxRule
from core.pluginhost import send
from core.services.order_signals import OrderFeeCalculation
from core.services.orders.placing.lines import Line
from core.services.orders.placing.prices import TaxRules
from core.services.pricing.rounding import RoundingLine, apply_rounding
from core.services.pricing.taxes import compute_tax

ZERO = Decimal("0.00")


def _default_rule(session: Session, event: Any) -> TaxRule | None:
    return session.scalar(select(TaxRule).where(TaxRule.event_id == event.id, TaxRule.default.is_(True)))


def collect_fees(
    session: Session,
    event: Any,
    lines: Sequence[Line],
    *,
    provider: Any,
    invoice_address: Any,
    meta_info: dict[str, Any],
    taxes: TaxRules,
) -> list[OrderFee]:
    """The fees of the order, taxed (unsaved, not yet attached to an order)."""
    total = sum((line.price for line in lines), ZERO)
    fees: list[OrderFee] = []
    for _plugin, result in send(OrderFeeCalculation(scope=event, positions=list(lines),
                                                    invoice_address=invoice_address, meta_info=meta_info,
                                                    total=total)):
        fees.extend(result or [])
    if provider is not None:
        subtotal = total + sum((fee.value for fee in fees), ZERO)
        if subtotal:
            value = provider.calculate_fee(subtotal)
            if value:
                fees.append(OrderFee(fee_type=OrderFee.FEE_TYPE_PAYMENT, value=value,
                                     internal_type=provider.identifier))
    if not fees:
        return fees
    default = None
    if any(fee.tax_rule is None for fee in fees):
        default = _default_rule(session, event)
    currency = event.currency
    for fee in fees:
        rule = fee.tax_rule if fee.tax_rule is not None else default
        spec, decision = taxes.of(rule)
        taxed = compute_tax(spec, fee.value, currency, base="gross", decision=decision)
        fee.value, fee.tax_value, fee.tax_rate, fee.tax_code = taxed.gross, taxed.tax, taxed.rate, taxed.code
        fee.tax_rule = rule
        fee.internal_type = fee.internal_type or ""
    return fees


def apply_tax_rounding(lines: Sequence[Line], fees: Sequence[OrderFee], mode: str, currency: str, *,
                       is_business: bool) -> None:
    """Correct the gross and tax of lines and fees so that per-rate sums round as ``mode`` requires."""
    inputs = [RoundingLine(line.price, line.tax_value, line.tax_rate, line.tax_code) for line in lines]
    inputs += [RoundingLine(fee.value, fee.tax_value, fee.tax_rate, fee.tax_code) for fee in fees]
    rounded = apply_rounding(inputs, mode, currency, is_business=is_business)
    for line, result in zip(lines, rounded, strict=False):
        line.price, line.tax_value = result.gross, result.tax
        line.price_correction, line.tax_correction = result.gross_correction, result.tax_correction
    for fee, result in zip(fees, rounded[len(lines):], strict=True):
        fee.value, fee.tax_value = result.gross, result.tax
        fee.value_includes_rounding_correction = result.gross_correction
        fee.tax_value_includes_rounding_correction = result.tax_correction
