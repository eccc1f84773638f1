"""pretix's JSON of invoices (``…/invoices/``), a page at a time: lines, referred numbers and event slugs are
loaded with one query each for the whole page."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.api.renderers.orders import money, timestamp
from core.models import Event, Invoice, InvoiceLine, Order

#: Text columns pretix renders as ``""`` when empty.
_BLANK = (
    "invoice_from_name", "invoice_from", "invoice_from_zipcode", "invoice_from_city", "invoice_from_state",
    "invoice_from_country", "invoice_from_tax_id", "invoice_from_vat_id", "invoice_to", "invoice_to_company",
)
_BLANK_TO = (
    "invoice_to_name", "invoice_to_street", "invoice_to_zipcode", "invoice_to_city",
)


def _text(value: str | None) -> str:
    return value or ""


def render_line(line: InvoiceLine) -> dict[str, Any]:
    """pretix's JSON of one invoice line (``event_date_*`` are the deprecated aliases of ``period_*``)."""
    return {
        "position": line.position, "description": line.description, "item": line.item_id,
        "variation": line.variation_id, "subevent": line.subevent_id, "fee_type": line.fee_type,
        "fee_internal_type": line.fee_internal_type, "event_date_from": timestamp(line.period_start),
        "event_date_to": timestamp(line.period_end), "period_start": timestamp(line.period_start),
        "period_end": timestamp(line.period_end), "event_location": line.event_location,
        "attendee_name": line.attendee_name, "gross_value": money(line.gross_value),
        "tax_value": money(line.tax_value), "tax_name": line.tax_name, "tax_code": line.tax_code,
        "tax_rate": money(line.tax_rate),
    }


def render_invoices(session: Session, invoices: Sequence[Invoice]) -> list[dict[str, Any]]:
    """The JSON of ``invoices`` with their lines (three queries for the page)."""
    if not invoices:
        return []
    ids = [invoice.id for invoice in invoices]
    lines: dict[int, list[InvoiceLine]] = defaultdict(list)
    for line in session.scalars(select(InvoiceLine).where(InvoiceLine.invoice_id.in_(ids))
                                .order_by(InvoiceLine.invoice_id, InvoiceLine.position, InvoiceLine.id)):
        lines[line.invoice_id].append(line)
    heads = {invoice_id: (code, slug) for invoice_id, code, slug in session.execute(
        select(Invoice.id, Order.code, Event.slug).join(Order, Order.id == Invoice.order_id)
        .join(Event, Event.id == Invoice.event_id).where(Invoice.id.in_(ids)))}
    referred = {i.refers_id for i in invoices if i.refers_id is not None}
    numbers = dict(session.execute(select(Invoice.id, Invoice.full_invoice_no).where(Invoice.id.in_(referred)))
                   .all()) if referred else {}
    out = []
    for invoice in invoices:
        code, slug = heads[invoice.id]
        data: dict[str, Any] = {"number": invoice.full_invoice_no, "event": slug, "order": code,
                                "is_cancellation": invoice.is_cancellation}
        data.update({name: _text(getattr(invoice, name)) for name in _BLANK})
        data["invoice_to_is_business"] = invoice.invoice_to_is_business
        data.update({name: _text(getattr(invoice, name)) for name in _BLANK_TO})
        data.update({
            "invoice_to_state": invoice.invoice_to_state, "invoice_to_country": _text(invoice.invoice_to_country),
            "invoice_to_vat_id": _text(invoice.invoice_to_vat_id),
            "invoice_to_beneficiary": _text(invoice.invoice_to_beneficiary),
            "invoice_to_transmission_info": invoice.invoice_to_transmission_info or {},
            "custom_field": invoice.custom_field, "date": invoice.date.isoformat(),
            "refers": numbers.get(invoice.refers_id) if invoice.refers_id is not None else None,
            "locale": invoice.locale, "introductory_text": _text(invoice.introductory_text),
            "internal_reference": _text(invoice.internal_reference),
            "additional_text": _text(invoice.additional_text),
            "payment_provider_text": _text(invoice.payment_provider_text),
            "payment_provider_stamp": invoice.payment_provider_stamp, "footer_text": _text(invoice.footer_text),
            "lines": [render_line(line) for line in lines.get(invoice.id, [])],
            "foreign_currency_display": invoice.foreign_currency_display,
            "foreign_currency_rate": (str(invoice.foreign_currency_rate)
                                      if invoice.foreign_currency_rate is not None else None),
            "foreign_currency_rate_date": (invoice.foreign_currency_rate_date.isoformat()
                                           if invoice.foreign_currency_rate_date is not None else None),
            "transmission_type": invoice.transmission_type, "transmission_provider": invoice.transmission_provider,
            "transmission_status": invoice.transmission_status,
            "transmission_date": timestamp(invoice.transmission_date),
        })
        out.append(data)
    return out
