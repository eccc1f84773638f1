"""``…/events/{e}/invoices/``: invoices (read only, looked up by number) and their actions.

``download/`` answers the PDF (rendered on demand when the stored file is missing), ``regenerate/`` rebuilds
an invoice from the order data keeping its number, ``reissue/`` cancels it and issues a new one (both 204).
``transmit/`` and ``retransmit/`` answer as pretix does when no transmission provider applies: Ticketry has
none besides the email attachment of the order mails, so invoices never wait in ``pending`` state.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from pydantic import Field
from pyramid.config import Configurator
from pyramid.request import Request
from pyramid.response import Response
from sqlalchemy import Select, select

from core.api.endpoints import actor
from core.api.errors import Conflict, PermissionDenied
from core.api.pagination import Ordering, get_object, paginate
from core.api.renderers.invoices import render_invoices
from core.api.schemas import ApiInput, ApiModel
from core.models import Invoice, Order
from core.services.invoices import invoice_pdf
from core.services.invoices.regeneration import regenerate_invoice, reissue_one_invoice

READ = "event.orders:read"
WRITE = "event.orders:write"
LIST = "/organizers/{organizer}/events/{event}/invoices/"
DETAIL = LIST + "{number}/"
ORDERING = Ordering({"nr": Invoice.full_invoice_no, "number": Invoice.full_invoice_no, "date": Invoice.date},
                    default=("nr",), pk=Invoice.id)


class InvoiceFilters(ApiInput):
    order: list[str] | None = None
    number: list[str] | None = None
    is_cancellation: bool | None = None
    refers: str | None = None
    locale: str | None = None


class InvoiceLineOut(ApiModel):
    position: int
    description: str
    item: int | None
    variation: int | None
    subevent: int | None
    fee_type: str | None
    fee_internal_type: str | None
    event_date_from: dt.datetime | None
    event_date_to: dt.datetime | None
    period_start: dt.datetime | None
    period_end: dt.datetime | None
    event_location: str | None
    attendee_name: str | None
    gross_value: Decimal
    tax_value: Decimal
    tax_name: str
    tax_code: str | None
    tax_rate: Decimal


class InvoiceOut(ApiModel):
    number: str
    event: str
    order: str
    is_cancellation: bool
    invoice_from_name: str
    invoice_from: str
    invoice_from_zipcode: str
    invoice_from_city: str
    invoice_from_state: str
    invoice_from_country: str
    invoice_from_tax_id: str
    invoice_from_vat_id: str
    invoice_to: str
    invoice_to_company: str
    invoice_to_is_business: bool | None
    invoice_to_name: str
    invoice_to_street: str
    invoice_to_zipcode: str
    invoice_to_city: str
    invoice_to_state: str | None
    invoice_to_country: str
    invoice_to_vat_id: str
    invoice_to_beneficiary: str
    invoice_to_transmission_info: dict[str, Any]
    custom_field: str | None
    date: dt.date
    refers: str | None
    locale: str
    introductory_text: str
    internal_reference: str
    additional_text: str
    payment_provider_text: str
    payment_provider_stamp: str | None
    footer_text: str
    lines: list[InvoiceLineOut] = Field(default_factory=list)
    foreign_currency_display: str | None
    foreign_currency_rate: Decimal | None
    foreign_currency_rate_date: dt.date | None
    transmission_type: str
    transmission_provider: str | None
    transmission_status: str
    transmission_date: dt.datetime | None


def filtered(stmt: Select, query: InvoiceFilters) -> Select:
    """``stmt`` (invoices joined with their orders) narrowed by pretix's invoice filters."""
    if query.order:
        stmt = stmt.where(Order.code.in_(query.order))
    if query.number:
        stmt = stmt.where(Invoice.full_invoice_no.in_(query.number))
    if query.is_cancellation is not None:
        stmt = stmt.where(Invoice.is_cancellation.is_(query.is_cancellation))
    if query.locale is not None:
        stmt = stmt.where(Invoice.locale == query.locale)
    if query.refers is not None:
        referred = select(Invoice.id).where(Invoice.full_invoice_no == query.refers)
        stmt = stmt.where(Invoice.refers_id.in_(referred))
    return stmt


def _invoice(request: Request) -> Invoice:
    return get_object(request, select(Invoice).where(
        Invoice.event_id == request.context.event.id, Invoice.full_invoice_no == request.matchdict["number"]),
        name="Invoice")


def list_invoices(request: Request) -> dict[str, Any]:
    stmt = (select(Invoice).join(Order, Order.id == Invoice.order_id)
            .where(Invoice.event_id == request.context.event.id))
    stmt = filtered(stmt, request.api_query)
    return paginate(request, stmt, lambda rows: render_invoices(request.dbsession, rows), ordering=ORDERING)


def get_invoice(request: Request) -> dict[str, Any]:
    return render_invoices(request.dbsession, [_invoice(request)])[0]


def download_invoice(request: Request) -> Response:
    invoice = _invoice(request)
    if invoice.shredded:
        raise PermissionDenied("The invoice file is no longer stored on the server.")
    response = Response(body=invoice_pdf(invoice), content_type="application/pdf")
    response.content_disposition = f'attachment; filename="{invoice.full_invoice_no}.pdf"'
    return response


def regenerate(request: Request) -> None:
    regenerate_invoice(_invoice(request), **actor(request))


def reissue(request: Request) -> None:
    reissue_one_invoice(_invoice(request), **actor(request))


def transmit(request: Request) -> None:
    invoice = _invoice(request)
    if invoice.transmission_status == Invoice.TRANSMISSION_STATUS_INFLIGHT:
        raise Conflict("The invoice is currently in transmission.")
    if invoice.transmission_status != Invoice.TRANSMISSION_STATUS_PENDING:
        raise PermissionDenied("The invoice is not in pending state.")
    raise PermissionDenied("No transmission provider is available for this invoice.")


def retransmit(request: Request) -> None:
    invoice = _invoice(request)
    if invoice.transmission_status == Invoice.TRANSMISSION_STATUS_INFLIGHT:
        raise Conflict("The invoice is currently in transmission.")
    raise PermissionDenied("No transmission provider is available for this invoice.")


def includeme(config: Configurator) -> None:
    tags = ("invoices",)
    config.add_api_view(list_invoices, path=LIST, permission=READ, query=InvoiceFilters, response=InvoiceOut,
                        paginated=True, summary="List the invoices of an event", tags=tags)
    config.add_api_view(get_invoice, path=DETAIL, permission=READ, response=InvoiceOut,
                        summary="Get an invoice by its number", tags=tags)
    config.add_api_view(download_invoice, path=DETAIL + "download/", permission=READ,
                        summary="Download the invoice PDF", tags=tags)
    for view, name, summary in (
        (regenerate, "regenerate", "Rebuild an invoice from the order data"),
        (reissue, "reissue", "Cancel an invoice and issue a new one"),
        (transmit, "transmit", "Transmit a pending invoice"),
        (retransmit, "retransmit", "Transmit an invoice again"),
    ):
        config.add_api_view(view, path=f"{DETAIL}{name}/", method="POST", permission=WRITE, status=204,
                            summary=summary, tags=tags)
