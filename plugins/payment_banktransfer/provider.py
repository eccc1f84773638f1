"""The ``banktransfer`` payment provider: the buyer transfers the money with the order's reference.

The payment stays ``created`` until the money shows up on the organizer's account; the bank statement import
(:mod:`plugins.payment_banktransfer.matching`) or the organizer then confirms it. The reference is the event slug
and the order code (``DEMOCON-ABC12``, pretix's format), or ``DEMOCONABC12`` with ``omit_hyphen`` for banks that
strip hyphens; the matching accepts the code with or without the slug either way. Money is not sent back
automatically: refunds are transfers the organizer makes by hand and records as external refunds.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from core.i18n import I18nString
from core.models.orders import Order
from core.models.payments import OrderPayment
from core.services.money import money_str
from core.services.payments import BasePaymentProvider
from core.services.payments.sums import pending_sum
from core.settings import Setting
from plugins.payment_banktransfer import _
from plugins.payment_banktransfer.banking import check_bic, check_iban, format_iban

DETAILS_SEPA = "sepa"
DETAILS_OTHER = "other"

#: Keys of ``payment.info`` holding the payer's data from the bank statement (removed by the shredder).
PERSONAL_INFO_KEYS = ("payer", "iban", "bic", "reference")


class BankTransferProvider(BasePaymentProvider):
    """Bank transfer with the order's reference; confirmed by the statement import or by hand."""

    identifier = "banktransfer"
    verbose_name = _("Bank transfer")
    execute_payment_needs_user = False
    settings_fields = (
        Setting("bank_details_type", str, DETAILS_SEPA, choices=(
            (DETAILS_SEPA, _("SEPA bank account")), (DETAILS_OTHER, _("Other bank details (free text)")),
        ), label=_("Bank account type")),
        Setting("bank_details_sepa_name", str, None, label=_("Name of account holder")),
        Setting("bank_details_sepa_iban", str, None, validate=check_iban, label=_("IBAN")),
        Setting("bank_details_sepa_bic", str, None, validate=check_bic, label=_("BIC")),
        Setting("bank_details_sepa_bank", str, None, label=_("Name of bank")),
        Setting("bank_details", I18nString, None, label=_("Bank account details"),
                doc=_("Shown to buyers with the 'other' account type, or below the SEPA details.")),
        Setting("public_name", I18nString, None, label=_("Payment method name shown to buyers")),
        Setting("pending_description", I18nString, None, label=_("Additional text for pending orders")),
        Setting("omit_hyphen", bool, False, label=_("Do not include a hyphen in the payment reference"),
                doc=_("Some banks drop hyphens from references; the import matches either form.")),
        Setting("invoice_immediately", bool, False, label=_("Create an invoice for orders using bank transfer "
                                                             "immediately when the order is placed")),
    )

    @property
    def public_name(self) -> Any:
        return self.setting("public_name") or self.verbose_name

    @property
    def requires_invoice_immediately(self) -> bool:  # type: ignore[override]
        return bool(self.setting("invoice_immediately"))

    # what the buyer sees

    def transfer_reference(self, order: Order) -> str:
        """The reference the buyer must quote: ``EVENTSLUG-CODE`` (or ``EVENTSLUGCODE`` with ``omit_hyphen``)."""
        separator = "" if self.setting("omit_hyphen") else "-"
        return f"{self.event.slug.upper()}{separator}{order.code}"

    def bank_details_lines(self, locale: str | None = None) -> list[str]:
        """The organizer's account as ``Label: value`` lines (SEPA) plus the free-text details, if any."""
        lines: list[str] = []
        if self.setting("bank_details_type") == DETAILS_SEPA:
            for label, key in (("Account holder", "bank_details_sepa_name"), ("IBAN", "bank_details_sepa_iban"),
                               ("BIC", "bank_details_sepa_bic"), ("Bank", "bank_details_sepa_bank")):
                value = self.setting(key)
                if value:
                    lines.append(f"{label}: {format_iban(value) if key.endswith('iban') else value}")
        details = self.setting("bank_details")
        if details:
            lines.extend(details.localize(locale).splitlines())
        return lines

    def payment_instructions(self, order: Order, amount: Decimal | None = None, locale: str | None = None) -> str:
        """Plain-text instructions for paying ``amount`` (default: what is still open) of ``order``.

        Contains the transfer reference (the order code with the event slug), the amount and the bank details.
        """
        due = pending_sum(order) if amount is None else amount
        lines = [
            "Please transfer the full amount to the following bank account:",
            "",
            f"Reference: {self.transfer_reference(order)}",
            f"Amount: {money_str(due, self.currency)}",
            *self.bank_details_lines(locale),
        ]
        extra = self.setting("pending_description")
        if extra:
            lines += ["", extra.localize(locale)]
        lines += ["", "We will send you a confirmation once the money has arrived. Please quote the reference "
                      "exactly, so that we can match your transfer to your order."]
        return "\n".join(lines)

    def order_pending_mail_render(self, order: Order, payment: OrderPayment | None = None,
                                  locale: str | None = None) -> str:
        """The ``{payment_info}`` text of order mails while ``payment`` (or the order) is waiting for money."""
        amount = payment.amount if payment is not None and payment.state in OrderPayment.OPEN_STATES else None
        return self.payment_instructions(order, amount, locale or order.locale)

    # payment life cycle

    def api_payment_details(self, payment: OrderPayment) -> dict[str, Any]:
        info = payment.info or {}
        return {key: info.get(key) for key in PERSONAL_INFO_KEYS if key in info}

    def matching_id(self, payment: OrderPayment) -> str | None:
        return self.transfer_reference(payment.order)

    def shred_payment_info(self, obj: Any) -> None:
        info = dict(obj.info or {})
        for key in PERSONAL_INFO_KEYS:
            info.pop(key, None)
        obj.info = {**info, "_shredded": True}
