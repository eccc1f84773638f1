"""The core's payment providers: ``free``, ``manual`` and ``offsetting``.

* ``free``: orders with a total of zero; its payments are confirmed as soon as they are executed.
* ``manual``: the organizer arranges payment outside Ticketry and marks the order paid (also offered to buyers
  when enabled, with the organizer's own instructions). Refunds through it are transfers the organizer made.
* ``offsetting``: money moved from one order to another (see :func:`offset_against_order`); never offered at
  checkout.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from core.i18n import I18nString, _
from core.models.orders import Order
from core.models.payments import OrderPayment, OrderRefund
from core.services.payments.base import BasePaymentProvider
from core.services.payments.confirm import confirm_payment
from core.services.payments.context import PaymentContext, PaymentError
from core.services.payments.refunds import create_refund, refund_done
from core.services.payments.states import create_payment
from core.settings import Setting


class _RefundsDoneOutside:
    """Refunds, full or partial, that need no provider call: recording them completes them."""

    def payment_refund_supported(self, payment: OrderPayment) -> bool:
        return True

    def payment_partial_refund_supported(self, payment: OrderPayment) -> bool:
        return True

    def execute_refund(self, refund: OrderRefund) -> None:
        refund_done(refund)


class FreeOrderProvider(_RefundsDoneOutside, BasePaymentProvider):
    """Settles orders that cost nothing; always enabled, allowed only for a zero total."""

    identifier = "free"
    verbose_name = _("Free of charge")
    enabled_default = True
    execute_payment_needs_user = False

    @property
    def is_enabled(self) -> bool:
        return True

    def is_allowed(self, context: PaymentContext, total: Decimal) -> bool:
        return total == 0

    def order_change_allowed(self, order: Any) -> bool:
        return False

    def calculate_fee(self, price: Decimal) -> Decimal:
        return Decimal("0.00")

    def execute_payment(self, context: PaymentContext, payment: OrderPayment) -> str | None:
        if payment.amount != 0:
            raise PaymentError(f"The free provider cannot collect {payment.amount}.", key="payment_amount_invalid",
                               amount=payment.amount)
        confirm_payment(payment)
        return None



class ManualProvider(_RefundsDoneOutside, BasePaymentProvider):
    """Payment arranged by the organizer; a payment stays ``created`` until the organizer confirms it."""

    identifier = "manual"
    verbose_name = _("Manual payment")
    settings_fields = (
        Setting("public_name", I18nString, None, label=_("Payment method name shown to buyers")),
        Setting("checkout_description", I18nString, None, label=_("Payment process description during checkout")),
        Setting("pending_description", I18nString, None,
                label=_("Payment process description for pending orders")),
    )

    @property
    def public_name(self) -> Any:
        return self.setting("public_name") or self.verbose_name



class OffsettingProvider(BasePaymentProvider):
    """Money moved between orders of the same organizer; only the core's offsetting service uses it."""

    identifier = "offsetting"
    verbose_name = _("Offsetting")
    enabled_default = True

    def is_allowed(self, context: PaymentContext, total: Decimal) -> bool:
        return False

    def order_change_allowed(self, order: Any) -> bool:
        return False

    def calculate_fee(self, price: Decimal) -> Decimal:
        return Decimal("0.00")

    def api_payment_details(self, payment: OrderPayment) -> dict[str, Any]:
        return {"orders": list(payment.info.get("orders", []))}

    def matching_id(self, payment: OrderPayment) -> str | None:
        orders = payment.info.get("orders") or []
        return ",".join(orders) or None


def offset_against_order(
    source: Order, target: Order, amount: Decimal, *, payment: OrderPayment | None = None, actor: Any = None,
) -> tuple[OrderRefund, OrderPayment]:
    """Move ``amount`` held for ``source`` to ``target``: a done refund there, a confirmed payment here.

    Both orders must belong to the same organizer and use the same currency (``offsetting_invalid`` otherwise).
    The refund obeys the rules of :func:`~core.services.payments.create_refund` (``refund_amount_too_high``, ...)
    and the payment those of :func:`~core.services.payments.confirm_payment` (it may mark ``target`` paid).
    Returns ``(refund, payment)``.
    """
    if source.id == target.id or source.organizer_id != target.organizer_id:
        raise PaymentError("Money can only be moved to another order of the same organizer.",
                           key="offsetting_invalid", target=target.code)
    if source.event.currency != target.event.currency:
        raise PaymentError(f"Order {target.code} is in {target.event.currency}, not {source.event.currency}.",
                           key="offsetting_invalid", target=target.code)
    refund = create_refund(source, payment, amount, provider=OffsettingProvider.identifier, actor=actor,
                           comment=f"Offset against {target.code}", execute=False)
    refund.info = {"orders": [target.code]}
    refund_done(refund, actor=actor)
    offset = create_payment(target, OffsettingProvider.identifier, amount, info={"orders": [source.code]})
    confirm_payment(offset, actor=actor)
    return refund, offset
