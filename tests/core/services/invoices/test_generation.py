"""Issuing invoices: issuer and recipient data, lines, cancellations, reissue and the audit log."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.i18n import I18nString
from core.models import Invoice, LogEntry, Order
from core.services.invoices import (
    InvoiceError,
    cancel_open_invoices,
    generate_cancellation,
    generate_invoice,
    open_invoices,
    reissue_invoice,
)
from core.settings import settings_for
from tests.core.services.invoices.shop import make_order


def test_invoice_copies_issuer_recipient_and_texts(db_session: Session, shop: Any) -> None:
    settings = settings_for(db_session, shop.event)
    settings.set("invoice_address_from_name", "Demo Events GmbH")
    settings.set("invoice_address_from", "Hauptstr. 1")
    settings.set("invoice_address_from_zipcode", "10115")
    settings.set("invoice_address_from_city", "Berlin")
    settings.set("invoice_address_from_country", "DE")
    settings.set("invoice_address_from_vat_id", "DE999999999")
    settings.set("invoice_introductory_text", I18nString({"en": "Thanks!", "de": "Danke!"}))
    settings.set("invoice_footer_text", "Bank: Example Bank")
    invoice = generate_invoice(make_order(db_session, shop, locale="de"))
    assert (invoice.invoice_from_name, invoice.invoice_from, invoice.invoice_from_zipcode) == (
        "Demo Events GmbH", "Hauptstr. 1", "10115")
    assert (invoice.invoice_from_city, invoice.invoice_from_country, invoice.invoice_from_vat_id) == (
        "Berlin", "DE", "DE999999999")
    assert (invoice.locale, invoice.introductory_text, invoice.footer_text) == ("de", "Danke!", "Bank: Example Bank")
    assert invoice.invoice_to_company == "Analytical Engines Ltd"
    assert invoice.invoice_to_name == "Ms Ada Lovelace"
    assert (invoice.invoice_to_is_business, invoice.invoice_to_vat_id, invoice.invoice_to_country) == (
        True, "GB123456789", "GB")
    assert invoice.invoice_to.splitlines() == [
        "Analytical Engines Ltd", "Ms Ada Lovelace", "1 Engine Road", "12345 London", "GB"]
    assert invoice.is_cancellation is False and invoice.refers is None


def test_issuer_name_defaults_to_the_organizer_and_language_setting_wins(db_session: Session, shop: Any) -> None:
    settings_for(db_session, shop.event).set("invoice_language", "en")
    invoice = generate_invoice(make_order(db_session, shop, locale="de", address=False))
    assert (invoice.invoice_from_name, invoice.locale) == ("Demo Organizer", "en")
    assert invoice.invoice_to == "buyer@example.org"
    assert invoice.invoice_to_name is None


def test_lines_come_from_active_positions_and_fees(db_session: Session, shop: Any) -> None:
    order = make_order(db_session, shop, prices=("23.00", "10.00", "0.00"), fee="2.00", locale="de")
    order.all_positions[1].canceled = True
    order.all_positions[1].variation = None
    db_session.flush()
    db_session.expire(order, ["positions"])
    invoice = generate_invoice(order)
    lines = invoice.lines
    assert [(ln.position, ln.description, ln.gross_value, ln.tax_value) for ln in lines] == [
        (1, "Eintritt", Decimal("23.00"), Decimal("3.67")),
        (2, "Eintritt", Decimal("0.00"), Decimal("0.00")),
        (3, "Payment fee", Decimal("2.00"), Decimal("0.32")),
    ]
    first = lines[0]
    assert (first.tax_rate, first.tax_name, first.tax_code) == (Decimal("19"), "MwSt.", "S/standard")
    assert (first.item_id, first.attendee_name, first.period_start) == (
        shop.ticket.id, "Ada Lovelace1", shop.event.date_from)
    assert (lines[2].fee_type, lines[2].item_id) == ("payment", None)


def test_free_positions_can_be_left_out(db_session: Session, shop: Any) -> None:
    settings_for(db_session, shop.event).set("invoice_include_free", False)
    invoice = generate_invoice(make_order(db_session, shop, prices=("23.00", "0.00")))
    assert [line.gross_value for line in invoice.lines] == [Decimal("23.00")]


def test_variation_names_are_part_of_the_description(db_session: Session, shop: Any) -> None:
    order = make_order(db_session, shop, prices=("15.00",))
    order.all_positions[0].item = shop.shirt
    order.all_positions[0].variation = shop.large
    db_session.flush()
    assert generate_invoice(order).lines[0].description == "Shirt - L"


def test_an_order_without_anything_to_invoice_is_refused(db_session: Session, shop: Any) -> None:
    order = make_order(db_session, shop, prices=("23.00",))
    order.all_positions[0].canceled = True
    db_session.flush()
    db_session.expire(order, ["positions"])
    with pytest.raises(InvoiceError) as info:
        generate_invoice(order)
    assert info.value.key == "invoice_empty"
    assert db_session.scalars(select(Invoice)).all() == []


def test_generation_is_audit_logged(db_session: Session, shop: Any) -> None:
    order = make_order(db_session, shop)
    invoice = generate_invoice(order)
    entry = db_session.scalars(select(LogEntry).where(
        LogEntry.action_type == "pretix.event.order.invoice.generated")).one()
    assert (entry.object_id, entry.parsed_data["full_invoice_no"]) == (order.id, invoice.full_invoice_no)


def test_cancellation_negates_every_line_and_refers_to_the_original(db_session: Session, shop: Any) -> None:
    order = make_order(db_session, shop, fee="2.00")
    invoice = generate_invoice(order)
    cancellation = generate_cancellation(invoice)
    assert (cancellation.is_cancellation, cancellation.refers_id) == (True, invoice.id)
    assert cancellation.full_invoice_no == "CONF-00002"
    assert [(ln.gross_value, ln.tax_value) for ln in cancellation.lines] == [
        (-ln.gross_value, -ln.tax_value) for ln in invoice.lines]
    assert (cancellation.invoice_to, cancellation.invoice_from_name) == (invoice.invoice_to, invoice.invoice_from_name)
    assert open_invoices(order) == []


def test_cancellations_may_have_their_own_prefix(db_session: Session, shop: Any, commit: Any) -> None:
    settings_for(db_session, shop.event).set("invoice_numbers_prefix_cancellations", "STORNO-")
    order = make_order(db_session, shop)
    invoice = generate_invoice(order)
    commit()
    invoice = db_session.get(Invoice, invoice.id)
    assert generate_cancellation(invoice).full_invoice_no == "STORNO-00001"


def test_canceled_invoices_and_cancellations_cannot_be_canceled(db_session: Session, shop: Any) -> None:
    invoice = generate_invoice(make_order(db_session, shop))
    cancellation = generate_cancellation(invoice)
    with pytest.raises(InvoiceError) as twice:
        generate_cancellation(invoice)
    assert twice.value.key == "invoice_already_canceled"
    with pytest.raises(InvoiceError) as of_cancellation:
        generate_cancellation(cancellation)
    assert of_cancellation.value.key == "invoice_is_cancellation"
    assert len(db_session.scalars(select(Invoice)).all()) == 2


def test_cancel_open_invoices_only_cancels_what_is_open(db_session: Session, shop: Any) -> None:
    order = make_order(db_session, shop)
    generate_invoice(order)
    assert len(cancel_open_invoices(order)) == 1
    assert cancel_open_invoices(order) == []


def test_reissue_cancels_and_issues_a_new_invoice(db_session: Session, shop: Any, commit: Any) -> None:
    settings_for(db_session, shop.event).set("invoice_numbers_prefix_cancellations", "STORNO-")
    order = make_order(db_session, shop)
    first = generate_invoice(order)
    commit()  # reissuing locks both counters at once, in a transaction of its own
    order = db_session.get(Order, order.id)
    order.all_positions[0].price = Decimal("20.00")
    db_session.flush()
    order.invoice_dirty = True
    db_session.expire(order, ["positions"])
    cancellations, new = reissue_invoice(order)
    assert [c.refers_id for c in cancellations] == [first.id]
    assert cancellations[0].full_invoice_no == "STORNO-00001"
    assert new.full_invoice_no == "CONF-00002"
    assert new.lines[0].gross_value == Decimal("20.00")
    assert open_invoices(order) == [new]
    assert order.invoice_dirty is False
    types = db_session.scalars(select(LogEntry.action_type).order_by(LogEntry.id)).all()
    assert types[-3:] == ["pretix.event.order.invoice.canceled", "pretix.event.order.invoice.generated",
                          "pretix.event.order.invoice.reissued"]


def test_invoices_of_an_order_survive_commits(db_session: Session, shop: Any, commit: Any) -> None:
    order = make_order(db_session, shop)
    generate_invoice(order)
    commit()
    order = db_session.get(Order, order.id)
    assert [inv.full_invoice_no for inv in order.invoices] == ["CONF-00001"]
