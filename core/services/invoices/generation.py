"""Issuing invoices: build one from an order, cancel one, reissue an order's invoice.

Invoices are legal documents: once issued they never change and are never deleted. Everything printed is copied
onto the invoice when it is issued: the issuer from the event's (or organizer's) ``invoice_address_from*``
settings, the recipient from the order's :class:`~core.models.invoices.InvoiceAddress`, the texts from
``invoice_introductory_text`` / ``invoice_additional_text`` / ``invoice_footer_text`` and one line per active
position and fee. Correcting an invoice means issuing a cancellation invoice (the same lines, negated) and a new
invoice: :func:`reissue_invoice`.

Every function here numbers the invoice with :func:`~core.services.invoices.numbering.assign_invoice_number`, which
takes the counter lock with :func:`core.locking.lock_objects`. Call them in a transaction that has taken no other
capacity locks (the automatic triggers in :mod:`core.services.invoices.automatic` run them in their own unit of
work after the order change has committed). The caller must be inside the order's tenant scope.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, object_session

from core.i18n import I18nString
from core.logs import log_action
from core.models.invoices import Invoice, InvoiceLine
from core.models.orders import Order
from core.services.errors import CommerceError
from core.services.invoices.numbering import assign_invoice_number, lock_counters
from core.settings import settings_for
from core.tasks import enqueue_after_commit

#: Fee descriptions when the fee has none of its own.
FEE_LABELS = {
    "payment": "Payment fee",
    "shipping": "Shipping fee",
    "service": "Service fee",
    "cancellation": "Cancellation fee",
    "insurance": "Insurance",
    "late": "Late fee",
    "other": "Other fees",
    "giftcard": "Gift card",
}


class InvoiceError(CommerceError):
    """An invoice operation was refused (nothing to invoice, already canceled, ...)."""


def _text(value: Any, locale: str) -> str:
    if value is None:
        return ""
    return value.localize(locale) if isinstance(value, I18nString) else str(value)


def invoice_locale(order: Order, settings: Any) -> str:
    """The invoice language: ``invoice_language``, or the order's language when it is ``__user__``."""
    configured = settings.get("invoice_language")
    if configured and configured != "__user__":
        return str(configured)
    return order.locale or settings.get("locale")


def invoice_date(event: Any) -> dt.date:
    """Today in the event's time zone (real time: an invoice date is a legal fact, not a sales rule)."""
    return dt.datetime.now(zoneinfo.ZoneInfo(event.timezone or "UTC")).date()


def open_invoices(order: Order) -> list[Invoice]:
    """The order's invoices that are not cancellations and have not been canceled, oldest first."""
    session = object_session(order)
    invoices = session.scalars(select(Invoice).where(Invoice.order_id == order.id).order_by(Invoice.id)).all()
    canceled = {inv.refers_id for inv in invoices if inv.is_cancellation}
    return [inv for inv in invoices if not inv.is_cancellation and inv.id not in canceled]


def _fill_issuer(invoice: Invoice, settings: Any, organizer: Any) -> None:
    invoice.invoice_from_name = settings.get("invoice_address_from_name") or organizer.name
    invoice.invoice_from = settings.get("invoice_address_from") or None
    invoice.invoice_from_zipcode = settings.get("invoice_address_from_zipcode") or None
    invoice.invoice_from_city = settings.get("invoice_address_from_city") or None
    invoice.invoice_from_state = settings.get("invoice_address_from_state") or None
    invoice.invoice_from_country = settings.get("invoice_address_from_country") or None
    invoice.invoice_from_tax_id = settings.get("invoice_address_from_tax_id") or None
    invoice.invoice_from_vat_id = settings.get("invoice_address_from_vat_id") or None


def _fill_recipient(invoice: Invoice, order: Order) -> None:
    address = order.invoice_address
    if address is None:
        invoice.invoice_to = order.email or ""
        return
    invoice.invoice_to_company = address.company
    invoice.invoice_to_is_business = address.is_business
    invoice.invoice_to_name = address.name
    invoice.invoice_to_street = address.street
    invoice.invoice_to_zipcode = address.zipcode
    invoice.invoice_to_city = address.city
    invoice.invoice_to_state = address.state
    invoice.invoice_to_country = address.country
    invoice.invoice_to_vat_id = address.vat_id
    invoice.invoice_to_beneficiary = address.beneficiary
    invoice.invoice_to_transmission_info = dict(address.transmission_info or {})
    invoice.transmission_type = address.transmission_type
    invoice.internal_reference = address.internal_reference
    invoice.custom_field = address.custom_field
    city_line = " ".join(part for part in (address.zipcode, address.city) if part)
    lines = (address.company, address.name, address.street, city_line, address.state, address.country)
    invoice.invoice_to = "\n".join(line for line in lines if line)


def _position_description(position: Any, locale: str) -> str:
    text = _text(position.item.name, locale)
    if position.variation is not None:
        text = f"{text} - {_text(position.variation.value, locale)}"
    return text


def _tax_name(rule: Any, locale: str) -> str:
    return _text(rule.name, locale) if rule is not None else ""


def _is_reverse_charge(order: Order) -> bool:
    address = order.invoice_address
    if address is None or not address.is_business or not address.vat_id:
        return False
    return any(p.tax_rule is not None and p.tax_rule.eu_reverse_charge and not p.tax_rate for p in order.positions)


def _build_lines(invoice: Invoice, order: Order, settings: Any) -> None:
    event = order.event
    location = _text(event.location, invoice.locale) or None
    include_free = settings.get("invoice_include_free")
    number = 0
    for position in order.positions:
        if not include_free and not position.price:
            continue
        number += 1
        dates = position.subevent or event
        place = _text(position.subevent.location, invoice.locale) if position.subevent is not None else None
        invoice.lines.append(InvoiceLine(
            organizer_id=invoice.organizer_id, position=number,
            description=_position_description(position, invoice.locale),
            gross_value=position.price, tax_value=position.tax_value, tax_rate=position.tax_rate,
            tax_name=_tax_name(position.tax_rule, invoice.locale), tax_code=position.tax_code,
            subevent_id=position.subevent_id, period_start=dates.date_from, period_end=dates.date_to,
            event_location=place or location,
            item_id=position.item_id, variation_id=position.variation_id, attendee_name=position.attendee_name,
        ))
    for fee in order.fees:
        number += 1
        invoice.lines.append(InvoiceLine(
            organizer_id=invoice.organizer_id, position=number,
            description=fee.description or FEE_LABELS.get(fee.fee_type, fee.fee_type),
            gross_value=fee.value, tax_value=fee.tax_value, tax_rate=fee.tax_rate,
            tax_name=_tax_name(fee.tax_rule, invoice.locale), tax_code=fee.tax_code,
            fee_type=fee.fee_type, fee_internal_type=fee.internal_type or None,
        ))


def _issued(session: Session, invoice: Invoice, action: str, user: Any, auth: Any) -> Invoice:
    from core.services.invoices.files import render_invoice_task

    with session.no_autoflush:
        session.add(invoice)
        assign_invoice_number(invoice)
    log_action(invoice.order, action, {"invoice": invoice.id, "full_invoice_no": invoice.full_invoice_no},
               user=user, auth=auth)
    enqueue_after_commit(session, render_invoice_task, invoice.id, organizer_id=invoice.organizer_id)
    return invoice


def build_invoice(order: Order) -> Invoice:
    """A new, unnumbered and unsaved invoice of ``order``: issuer, recipient, texts and lines filled in."""
    session = object_session(order)
    with session.no_autoflush:
        return _build(session, order)


def _build(session: Session, order: Order) -> Invoice:
    event = order.event
    settings = settings_for(session, event)
    locale = invoice_locale(order, settings)
    invoice = Invoice(
        organizer_id=order.organizer_id, order=order, event=event, date=invoice_date(event), locale=locale,
        is_cancellation=False,
        introductory_text=_text(settings.get("invoice_introductory_text"), locale) or None,
        additional_text=_text(settings.get("invoice_additional_text"), locale) or None,
        footer_text=_text(settings.get("invoice_footer_text"), locale) or None,
        reverse_charge=_is_reverse_charge(order),
    )
    _fill_issuer(invoice, settings, event.organizer)
    _fill_recipient(invoice, order)
    _build_lines(invoice, order, settings)
    return invoice


def generate_invoice(order: Order, *, user: Any = None, auth: Any = None) -> Invoice:
    """Issue a new invoice for the current state of ``order`` and return it (numbered and flushed).

    Writes ``pretix.event.order.invoice.generated`` to the audit log and renders the PDF after commit.
    Refuses (:class:`InvoiceError` ``invoice_empty``) an order without any active position or fee.
    """
    session = object_session(order)
    if not order.positions and not order.fees:
        raise InvoiceError("invoice_empty", f"Order {order.code} has nothing to invoice.", order=order.code)
    invoice = build_invoice(order)
    order.invoice_dirty = False
    return _issued(session, invoice, "pretix.event.order.invoice.generated", user, auth)


def generate_cancellation(invoice: Invoice, *, user: Any = None, auth: Any = None) -> Invoice:
    """Issue the cancellation invoice of ``invoice``: the same data with every line negated, ``refers`` = it.

    Refuses (:class:`InvoiceError`) a cancellation invoice (``invoice_is_cancellation``) and an invoice that has
    already been canceled (``invoice_already_canceled``).
    """
    session = object_session(invoice)
    if invoice.is_cancellation:
        raise InvoiceError("invoice_is_cancellation",
                           f"Invoice {invoice.full_invoice_no} is a cancellation and cannot be canceled.",
                           invoice=invoice.full_invoice_no)
    if invoice not in open_invoices(invoice.order):
        raise InvoiceError("invoice_already_canceled", f"Invoice {invoice.full_invoice_no} is already canceled.",
                           invoice=invoice.full_invoice_no)
    copied = {
        column.key: getattr(invoice, column.key)
        for column in Invoice.__table__.columns
        if column.key.startswith(("invoice_from", "invoice_to")) or column.key in (
            "internal_reference", "custom_field", "locale", "introductory_text", "additional_text", "footer_text",
            "reverse_charge", "payment_provider_text", "payment_provider_stamp", "foreign_currency_display",
            "foreign_currency_rate", "foreign_currency_rate_date", "foreign_currency_source", "transmission_type",
        )
    }
    with session.no_autoflush:
        cancellation = _cancellation_of(invoice, copied)
    return _issued(session, cancellation, "pretix.event.order.invoice.canceled", user, auth)


def _cancellation_of(invoice: Invoice, copied: dict[str, Any]) -> Invoice:
    cancellation = Invoice(
        **copied, organizer_id=invoice.organizer_id, order=invoice.order, event=invoice.event,
        date=invoice_date(invoice.event), is_cancellation=True, refers=invoice,
    )
    for line in invoice.lines:
        cancellation.lines.append(InvoiceLine(
            organizer_id=invoice.organizer_id, position=line.position, description=line.description,
            gross_value=-line.gross_value, tax_value=-line.tax_value, tax_rate=line.tax_rate,
            tax_name=line.tax_name, tax_code=line.tax_code, subevent_id=line.subevent_id,
            period_start=line.period_start, period_end=line.period_end, event_location=line.event_location,
            item_id=line.item_id, variation_id=line.variation_id, attendee_name=line.attendee_name,
            fee_type=line.fee_type, fee_internal_type=line.fee_internal_type,
        ))
    return cancellation


def cancel_open_invoices(order: Order, *, user: Any = None, auth: Any = None) -> list[Invoice]:
    """Cancel every invoice of ``order`` that is still open; returns the cancellation invoices (may be empty)."""
    return [generate_cancellation(invoice, user=user, auth=auth) for invoice in open_invoices(order)]


def reissue_invoice(order: Order, *, user: Any = None, auth: Any = None) -> tuple[list[Invoice], Invoice]:
    """Cancel the order's open invoices and issue a new one; returns ``(cancellations, new_invoice)``."""
    if not order.positions and not order.fees:
        raise InvoiceError("invoice_empty", f"Order {order.code} has nothing to invoice.", order=order.code)
    event = order.event
    today = invoice_date(event)
    lock_counters(object_session(order), event, [(today, order.testmode, True), (today, order.testmode, False)])
    cancellations = cancel_open_invoices(order, user=user, auth=auth)
    invoice = generate_invoice(order, user=user, auth=auth)
    log_action(order, "pretix.event.order.invoice.reissued",
               {"invoice": invoice.id, "full_invoice_no": invoice.full_invoice_no}, user=user, auth=auth)
    return cancellations, invoice
