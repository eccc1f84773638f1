"""Registrations of ``banktransfer``: payment provider, mail placeholder, audit log entry types, task module."""

from __future__ import annotations

from pyramid.config import Configurator

from core.interfaces.mail import IPlaceholder
from core.services.payments import register_payment_provider

#: Audit log action types of the plugin (pretix's ``pretix.plugins.banktransfer.*`` namespace).
LOG_ENTRY_TYPES = {
    "pretix.plugins.banktransfer.import.started": "A bank statement with {transactions} transactions was uploaded.",
    "pretix.plugins.banktransfer.import.completed": (
        "The bank import finished: {matched} of {total} transactions matched, {unmatched} unmatched, "
        "{errors} with errors, {duplicates} duplicates."
    ),
    "pretix.plugins.banktransfer.import.failed": "The bank import failed: {message}",
    "pretix.plugins.banktransfer.transaction.matched": "A bank transfer of {amount} was matched to this order.",
    "pretix.plugins.banktransfer.transaction.assigned": "A bank transfer of {amount} was assigned to this order.",
    "pretix.plugins.banktransfer.transaction.discarded": "A bank transfer of {amount} was discarded.",
}


def includeme(config: Configurator) -> None:
    from plugins.payment_banktransfer import models, tasks  # noqa: F401  (tables and the worker's task)
    from plugins.payment_banktransfer.placeholders import PaymentInfoPlaceholder
    from plugins.payment_banktransfer.provider import BankTransferProvider

    register_payment_provider(config, BankTransferProvider)
    config.add_provider(IPlaceholder, "banktransfer_payment_info", PaymentInfoPlaceholder)
    for action_type, display in LOG_ENTRY_TYPES.items():
        config.add_log_entry_type(action_type, display)
