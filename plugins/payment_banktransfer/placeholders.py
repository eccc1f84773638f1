"""``{payment_info}`` in order mails: the bank transfer instructions while a bank transfer payment is open.

Registered as an :class:`~core.interfaces.mail.IPlaceholder` needing ``event`` and ``order``, which is more
specific than the core's empty ``{payment_info}`` (needing only ``order``), so it wins where the plugin is active.
A ``payment_info`` string given by the sender in the mail's context still wins over both.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from zope.interface import implementer

from core.interfaces.mail import IPlaceholder
from core.models.orders import Order
from core.models.payments import OrderPayment
from plugins.payment_banktransfer.provider import BankTransferProvider


@implementer(IPlaceholder)
class PaymentInfoPlaceholder:
    """The instructions of the order's open bank transfer payment; empty for orders paid another way."""

    identifier = "payment_info"
    required_context = ("event", "order")

    def __init__(self, scope: Any) -> None:
        self.scope = scope

    def render(self, context: Mapping[str, Any]) -> str:
        order: Order = context["order"]
        if order.status not in (Order.STATUS_PENDING, Order.STATUS_EXPIRED):
            return ""
        open_payments = [p for p in order.payments if p.provider == BankTransferProvider.identifier
                         and p.state in OrderPayment.OPEN_STATES]
        if not open_payments:
            return ""
        provider = BankTransferProvider(order.event)
        return provider.order_pending_mail_render(order, open_payments[-1], context.get("locale"))
