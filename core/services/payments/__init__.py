"""Payments and refunds: providers, fees, confirming payments (marking orders paid), refunds, money math.

Public API::

    from core.services import payments

    payments.payment_providers(event)                      # {identifier: provider}, active plugins only
    payments.available_providers(event, context, total)    # what a buyer may choose
    provider.calculate_fee(total)                          # with reverse calculation
    payment = payments.create_payment(order, "manual", amount)
    payments.confirm_payment(payment, actor=user)          # idempotent; may mark the order paid
    payments.mark_order_paid(order, actor=user)            # the organizer's "mark as paid"
    payments.fail_payment(payment) / payments.cancel_payment(payment)
    refund = payments.create_refund(order, payment, amount, source="admin")
    payments.refund_done(refund); payments.create_external_refund(order, amount, provider="banktransfer")
    payments.pending_sum(order); payments.is_overpaid(order); payments.is_underpaid(order)

Plugins register providers with :func:`register_payment_provider` from their ``includeme``.

Error keys (:class:`PaymentError` / :class:`~core.services.errors.OrderError`, nothing written unless stated):
``approval_pending``, ``canceled``, ``paid``, ``late_lastdate``, ``late``, ``quota`` and ``voucher_budget_used``
(:class:`~core.services.errors.QuotaExceeded`), ``payment_amount_invalid``, ``payment_state_invalid``,
``payment_not_cancelable``, ``payment_provider_unknown``, ``payment_form_invalid``, ``payment_failed`` (a provider
refusal; the failed payment is recorded), ``refund_amount_invalid``, ``refund_payment_invalid``,
``refund_amount_too_high``, ``refund_not_supported``, ``refund_partial_not_supported``, ``refund_state_invalid``,
``offsetting_invalid``.
"""

from __future__ import annotations

from pyramid.config import Configurator

from core.i18n import _
from core.services.payments.base import BasePaymentProvider
from core.services.payments.confirm import check_can_be_paid, confirm_payment, mark_order_paid
from core.services.payments.context import FormField, PaymentContext, PaymentError
from core.services.payments.fees import payment_fee
from core.services.payments.lookup import (
    available_providers,
    payment_provider,
    payment_providers,
    register_payment_provider,
)
from core.services.payments.providers import (
    FreeOrderProvider,
    ManualProvider,
    OffsettingProvider,
    offset_against_order,
)
from core.services.payments.refunds import (
    cancel_refund,
    create_external_refund,
    create_refund,
    fail_refund,
    refund_done,
)
from core.services.payments.states import cancel_payment, create_payment, execute_payment, fail_payment
from core.services.payments.sums import (
    is_overpaid,
    is_pending_with_full_payment,
    is_underpaid,
    payment_refund_sum,
    pending_sum,
    refundable_amount,
)

__all__ = [
    "BasePaymentProvider", "FormField", "FreeOrderProvider", "ManualProvider", "OffsettingProvider",
    "PaymentContext", "PaymentError", "available_providers", "cancel_payment", "cancel_refund", "check_can_be_paid",
    "confirm_payment", "create_external_refund", "create_payment", "create_refund", "execute_payment",
    "fail_payment", "fail_refund", "is_overpaid", "is_pending_with_full_payment", "is_underpaid",
    "mark_order_paid", "offset_against_order", "payment_fee", "payment_provider", "payment_providers",
    "payment_refund_sum", "pending_sum", "refund_done", "refundable_amount", "register_payment_provider",
]

#: Audit log action types of payments and refunds (pretix's names).
LOG_ENTRY_TYPES = {
    "pretix.event.order.paid": _("The order has been marked as paid."),
    "pretix.event.order.overpaid": _("The order has been overpaid."),
    "pretix.event.order.quotaexceeded": _("The order could not be marked as paid: {message}"),
    "pretix.event.order.payment.confirmed": _("Payment {local_id} ({provider}) has been confirmed."),
    "pretix.event.order.payment.failed": _("Payment {local_id} ({provider}) has failed."),
    "pretix.event.order.payment.canceled": _("Payment {local_id} ({provider}) has been canceled."),
    "pretix.event.order.refund.created": _("Refund {local_id} ({provider}) has been created."),
    "pretix.event.order.refund.created.externally": _(
        "Refund {local_id} ({provider}) has been created by an external entity."
    ),
    "pretix.event.order.refund.done": _("Refund {local_id} ({provider}) has been completed."),
    "pretix.event.order.refund.canceled": _("Refund {local_id} ({provider}) has been canceled."),
    "pretix.event.order.refund.failed": _("Refund {local_id} ({provider}) has failed."),
}


def includeme(config: Configurator) -> None:
    """Register the core providers ``free``, ``manual`` and ``offsetting`` and the payment log entry types."""
    for provider in (FreeOrderProvider, ManualProvider, OffsettingProvider):
        register_payment_provider(config, provider)
    for action_type, display in LOG_ENTRY_TYPES.items():
        config.add_log_entry_type(action_type, display)
