"""Invoices: issuing (:mod:`.generation`), numbering (:mod:`.numbering`), automatic triggers (:mod:`.automatic`),
files (:mod:`.files`) and the core's ``classic`` PDF renderer (:mod:`.classic`).

Public API: :func:`generate_invoice`, :func:`generate_cancellation`, :func:`cancel_open_invoices`,
:func:`reissue_invoice`, :func:`open_invoices`, :func:`invoice_qualified`, :func:`can_request_invoice`,
:func:`assign_invoice_number`, :func:`invoice_pdf`, :class:`InvoiceError`. The extension point is
:class:`core.interfaces.invoices.IInvoiceRenderer`.
"""

from __future__ import annotations

from pyramid.config import Configurator

from core.interfaces.invoices import IInvoiceRenderer
from core.services.invoices.automatic import can_request_invoice, invoice_qualified
from core.services.invoices.classic import ClassicInvoiceRenderer
from core.services.invoices.files import invoice_pdf
from core.services.invoices.generation import (
    InvoiceError,
    cancel_open_invoices,
    generate_cancellation,
    generate_invoice,
    open_invoices,
    reissue_invoice,
)
from core.services.invoices.numbering import assign_invoice_number

__all__ = [
    "InvoiceError", "assign_invoice_number", "can_request_invoice", "cancel_open_invoices", "generate_cancellation",
    "generate_invoice", "invoice_pdf", "invoice_qualified", "open_invoices", "reissue_invoice",
]

#: Audit log action types of invoices (pretix's names).
LOG_ENTRY_TYPES = {
    "pretix.event.order.invoice.generated": "The invoice {full_invoice_no} has been generated.",
    "pretix.event.order.invoice.canceled": "The cancellation invoice {full_invoice_no} has been generated.",
    "pretix.event.order.invoice.reissued": "The invoice has been reissued as {full_invoice_no}.",
    "pretix.event.order.invoice.regenerated": "The invoice {full_invoice_no} has been regenerated.",
}


def includeme(config: Configurator) -> None:
    config.add_provider(IInvoiceRenderer, ClassicInvoiceRenderer.identifier, ClassicInvoiceRenderer)
    for action_type, text in LOG_ENTRY_TYPES.items():
        config.add_log_entry_type(action_type, text)
    config.include("core.services.invoices.automatic")
