"""Acting on one issued invoice: regenerate it from the order data, or reissue it (cancel it, issue a new one).

:func:`regenerate_invoice` is pretix's "regenerate": the invoice keeps its number and date, but issuer,
recipient, texts and lines are rebuilt from the current order and event settings and the file is rendered
again. A cancellation invoice only gets its file rendered again (its lines copy the invoice it cancels).
:func:`reissue_one_invoice` cancels exactly one invoice and, unless the order is canceled or empty, issues a
new one. Both refuse canceled (``invoice_already_canceled``) and shredded (``invoice_shredded``) invoices with
an :class:`~core.services.invoices.generation.InvoiceError` and write nothing then.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import object_session

from core.logs import log_action
from core.models.invoices import REBUILDING_INVOICES, Invoice
from core.models.orders import Order
from core.services.invoices.files import render_invoice_task
from core.services.invoices.generation import (
    InvoiceError,
    _build_lines,
    _fill_issuer,
    _fill_recipient,
    _is_reverse_charge,
    _text,
    generate_cancellation,
    generate_invoice,
    invoice_date,
    open_invoices,
)
from core.services.invoices.numbering import lock_counters
from core.settings import settings_for
from core.tasks import enqueue_after_commit

_RECIPIENT = (
    "invoice_to", "invoice_to_company", "invoice_to_is_business", "invoice_to_name", "invoice_to_street",
    "invoice_to_zipcode", "invoice_to_city", "invoice_to_state", "invoice_to_country", "invoice_to_vat_id",
    "invoice_to_beneficiary", "internal_reference", "custom_field",
)


def _check_open(invoice: Invoice) -> None:
    if invoice.shredded:
        raise InvoiceError("invoice_shredded", "The invoice has been cleaned of personal data.",
                           invoice=invoice.full_invoice_no)
    if invoice.is_cancellation or invoice not in open_invoices(invoice.order):
        raise InvoiceError("invoice_already_canceled", "The invoice has already been canceled.",
                           invoice=invoice.full_invoice_no)


def _rebuild(invoice: Invoice) -> None:
    session = object_session(invoice)
    order = invoice.order
    settings = settings_for(session, invoice.event)
    rebuilding = session.info.setdefault(REBUILDING_INVOICES, set())
    rebuilding.add(invoice.id)
    try:
        for line in list(invoice.lines):
            session.delete(line)
        session.flush()
    finally:
        rebuilding.discard(invoice.id)
    session.expire(invoice, ["lines"])
    with session.no_autoflush:
        for name in _RECIPIENT:
            setattr(invoice, name, None)
        invoice.invoice_to_transmission_info = {}
        _fill_issuer(invoice, settings, invoice.event.organizer)
        _fill_recipient(invoice, order)
        invoice.introductory_text = _text(settings.get("invoice_introductory_text"), invoice.locale) or None
        invoice.additional_text = _text(settings.get("invoice_additional_text"), invoice.locale) or None
        invoice.footer_text = _text(settings.get("invoice_footer_text"), invoice.locale) or None
        invoice.reverse_charge = _is_reverse_charge(order)
        _build_lines(invoice, order, settings)
    session.flush()


def regenerate_invoice(invoice: Invoice, *, user: Any = None, auth: Any = None) -> Invoice:
    """Rebuild ``invoice`` from its order (see the module docstring); audit log
    ``pretix.event.order.invoice.regenerated``; the file is rendered again after commit."""
    session = object_session(invoice)
    if invoice.shredded:
        raise InvoiceError("invoice_shredded", "The invoice has been cleaned of personal data.",
                           invoice=invoice.full_invoice_no)
    if not invoice.is_cancellation:
        _check_open(invoice)
        _rebuild(invoice)
    invoice.file = None
    log_action(invoice.order, "pretix.event.order.invoice.regenerated",
               {"invoice": invoice.id, "full_invoice_no": invoice.full_invoice_no}, user=user, auth=auth)
    enqueue_after_commit(session, render_invoice_task, invoice.id, organizer_id=invoice.organizer_id)
    return invoice


def reissue_one_invoice(invoice: Invoice, *, user: Any = None, auth: Any = None) -> tuple[Invoice, Invoice | None]:
    """Cancel ``invoice`` and, unless its order is canceled or has nothing to invoice, issue a new invoice.

    Returns ``(cancellation, new invoice or None)``; audit log as :func:`generate_cancellation` /
    :func:`generate_invoice`, plus ``pretix.event.order.invoice.reissued`` when a new invoice was issued.
    """
    _check_open(invoice)
    order = invoice.order
    today = invoice_date(order.event)
    lock_counters(object_session(order), order.event,
                  [(today, order.testmode, True), (today, order.testmode, False)])
    cancellation = generate_cancellation(invoice, user=user, auth=auth)
    if order.status == Order.STATUS_CANCELED or not (order.positions or order.fees):
        return cancellation, None
    new = generate_invoice(order, user=user, auth=auth)
    log_action(order, "pretix.event.order.invoice.reissued",
               {"invoice": new.id, "full_invoice_no": new.full_invoice_no}, user=user, auth=auth)
    return cancellation, new
