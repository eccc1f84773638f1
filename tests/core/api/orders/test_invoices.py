"""Invoices through the API: pretix's shape, filters, download, regenerate, reissue, transmit, permissions."""

from __future__ import annotations

import pytest

BASE = "/organizers/demo/events/conf/invoices/"
INVOICE_KEYS = [
    "number", "event", "order", "is_cancellation", "invoice_from_name", "invoice_from", "invoice_from_zipcode",
    "invoice_from_city", "invoice_from_state", "invoice_from_country", "invoice_from_tax_id", "invoice_from_vat_id",
    "invoice_to", "invoice_to_company", "invoice_to_is_business", "invoice_to_name", "invoice_to_street",
    "invoice_to_zipcode", "invoice_to_city", "invoice_to_state", "invoice_to_country", "invoice_to_vat_id",
    "invoice_to_beneficiary", "invoice_to_transmission_info", "custom_field", "date", "refers", "locale",
    "introductory_text", "internal_reference", "additional_text", "payment_provider_text", "payment_provider_stamp",
    "footer_text", "lines", "foreign_currency_display", "foreign_currency_rate", "foreign_currency_rate_date",
    "transmission_type", "transmission_provider", "transmission_status", "transmission_date",
]
LINE_KEYS = [
    "position", "description", "item", "variation", "subevent", "fee_type", "fee_internal_type", "event_date_from",
    "event_date_to", "period_start", "period_end", "event_location", "attendee_name", "gross_value", "tax_value",
    "tax_name", "tax_code", "tax_rate",
]


@pytest.fixture
def invoiced(order_factory, db_session):
    from core.services.invoices import generate_invoice

    order = order_factory(status="p", paid=True, fees=[("payment", "1.50")])
    invoice = generate_invoice(order)
    db_session.flush()
    return order, invoice


def test_list_and_detail_shape(api_client, invoiced, catalogue):
    order, invoice = invoiced
    page = api_client.get(BASE).json
    assert page["count"] == 1
    data = page["results"][0]
    assert list(data) == INVOICE_KEYS
    assert data["number"] == invoice.full_invoice_no and data["order"] == order.code and data["event"] == "conf"
    assert data["refers"] is None and data["is_cancellation"] is False and data["invoice_to"] == "buyer@example.org"
    assert data["invoice_to_name"] == "" and data["invoice_to_transmission_info"] == {}
    assert data["transmission_type"] == "email" and data["transmission_status"] == "unknown"
    assert [list(line) for line in data["lines"]] == [LINE_KEYS] * 3
    ticket, _second, fee = data["lines"]
    assert (ticket["item"], ticket["gross_value"], ticket["tax_value"], ticket["tax_rate"], ticket["tax_name"]) == (
        catalogue.ticket.id, "23.00", "3.67", "19.00", "VAT")
    assert ticket["event_date_from"] == ticket["period_start"] == "2030-01-01T10:00:00Z"
    assert (fee["fee_type"], fee["gross_value"], fee["item"]) == ("payment", "1.50", None)
    assert api_client.get(f"{BASE}{invoice.full_invoice_no}/").json == data
    assert api_client.get(f"{BASE}NOPE-1/", status=404).json == {"detail": "No Invoice matches the given query."}


def test_filters(api_client, invoiced, order_factory):
    from core.services.invoices import generate_invoice

    order, _invoice = invoiced
    other = generate_invoice(order_factory())
    assert api_client.get(BASE + f"?order={order.code}").json["count"] == 1
    assert api_client.get(BASE + f"?order={order.code}&order={other.order.code}").json["count"] == 2
    assert api_client.get(BASE + f"?number={other.full_invoice_no}").json["results"][0]["order"] == other.order.code
    assert api_client.get(BASE + "?is_cancellation=true").json["count"] == 0
    assert api_client.get(BASE + "?locale=de").json["count"] == 0
    numbers = [r["number"] for r in api_client.get(BASE + "?ordering=-nr").json["results"]]
    assert numbers == sorted(numbers, reverse=True)
    assert "ordering" in api_client.get(BASE + "?ordering=total", status=400).json


def test_download(api_client, invoiced):
    _order, invoice = invoiced
    response = api_client.get(f"{BASE}{invoice.full_invoice_no}/download/")
    assert response.content_type == "application/pdf"
    assert response.body.startswith(b"%PDF")
    assert invoice.full_invoice_no in response.headers["Content-Disposition"]


def test_reissue(api_client, invoiced):
    _order, invoice = invoiced
    api_client.post(f"{BASE}{invoice.full_invoice_no}/reissue/", status=204)
    listed = api_client.get(BASE).json["results"]
    assert len(listed) == 3
    cancellation = next(i for i in listed if i["is_cancellation"])
    assert cancellation["refers"] == invoice.full_invoice_no
    assert cancellation["lines"][0]["gross_value"] == "-23.00"
    assert api_client.get(BASE + f"?refers={invoice.full_invoice_no}").json["count"] == 1
    assert api_client.get(BASE + "?is_cancellation=false").json["count"] == 2
    refused = {"detail": "The invoice has already been canceled."}
    assert api_client.post(f"{BASE}{invoice.full_invoice_no}/reissue/", status=400).json == refused
    assert api_client.post(f"{BASE}{cancellation['number']}/reissue/", status=400).json == refused
    assert api_client.post(f"{BASE}{invoice.full_invoice_no}/regenerate/", status=400).json == refused


def test_regenerate_keeps_the_number(api_client, invoiced, db_session):
    from sqlalchemy import select

    from core.models import InvoiceAddress, InvoiceLine, LogEntry

    order, invoice = invoiced
    db_session.add(InvoiceAddress(order=order, organizer_id=order.organizer_id, name_parts={"full_name": "Ada"},
                                  city="Berlin", country="DE"))
    db_session.flush()
    api_client.post(f"{BASE}{invoice.full_invoice_no}/regenerate/", status=204)
    data = api_client.get(f"{BASE}{invoice.full_invoice_no}/").json
    assert data["invoice_to_name"] == "Ada" and data["invoice_to_city"] == "Berlin"
    assert data["invoice_to"] == "Ada\nBerlin\nDE"
    assert len(data["lines"]) == 3
    lines = set(db_session.scalars(select(InvoiceLine.id).where(InvoiceLine.invoice_id == invoice.id)))
    assert len(lines) == 3
    assert db_session.scalar(select(LogEntry).where(LogEntry.action_type == "pretix.event.order.invoice.regenerated"))


def test_transmit_answers(api_client, invoiced, db_session):
    _order, invoice = invoiced
    path = f"{BASE}{invoice.full_invoice_no}/"
    assert api_client.post(path + "transmit/", status=403).json == {"detail": "The invoice is not in pending state."}
    assert api_client.post(path + "retransmit/", status=403).json == {
        "detail": "No transmission provider is available for this invoice."}
    invoice.transmission_status = "inflight"
    db_session.flush()
    assert api_client.post(path + "transmit/", status=409).json == {
        "detail": "The invoice is currently in transmission."}
    assert api_client.post(path + "retransmit/", status=409)


def test_organizer_list_and_permissions(api_client, make_api_token, organizer, invoiced, db_session):
    from core.models import Organizer

    _order, invoice = invoiced
    assert api_client.get("/organizers/demo/invoices/").json["count"] == 1
    assert api_client.get("/organizers/demo/invoices/?event=other").json["count"] == 0
    reader = make_api_token(organizer, ["event.orders:read"])
    assert api_client.get(BASE, headers=reader).json["count"] == 1
    api_client.get(f"{BASE}{invoice.full_invoice_no}/download/", headers=reader)
    api_client.post(f"{BASE}{invoice.full_invoice_no}/reissue/", headers=reader, status=403)
    api_client.post(f"{BASE}{invoice.full_invoice_no}/regenerate/", headers=reader, status=403)
    other = Organizer(slug="other", name="Other")
    db_session.add(other)
    db_session.flush()
    foreign = make_api_token(other, everything=True)
    api_client.get(f"{BASE}{invoice.full_invoice_no}/", headers=foreign, status=403)
    api_client.post(f"{BASE}{invoice.full_invoice_no}/reissue/", headers=foreign, status=403)
    api_client.get("/organizers/demo/invoices/", headers=foreign, status=403)
    assert api_client.get(BASE).json["count"] == 1
