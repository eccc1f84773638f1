"""Regenerating and reissuing one invoice: number kept, lines rebuilt, refusals write nothing."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.models import Invoice, InvoiceLine, LogEntry
from core.services.invoices import InvoiceError, generate_invoice
from core.services.invoices.regeneration import regenerate_invoice, reissue_one_invoice
from tests.core.services.invoices.shop import make_order


def _lines(session: Session, invoice: Invoice) -> int:
    return session.scalar(select(func.count()).select_from(InvoiceLine).where(InvoiceLine.invoice_id == invoice.id))


def test_regenerate_rebuilds_from_the_order(db_session: Session, shop: Any) -> None:
    order = make_order(db_session, shop, fee="2.00")
    invoice = generate_invoice(order)
    number, date = invoice.full_invoice_no, invoice.date
    order.invoice_address.city = "Cambridge"
    order.positions[0].attendee_name_parts = {"full_name": "Grace"}
    db_session.flush()
    regenerate_invoice(invoice)
    db_session.expire_all()
    invoice = db_session.get(Invoice, invoice.id)
    assert (invoice.full_invoice_no, invoice.date, invoice.invoice_to_city) == (number, date, "Cambridge")
    assert "Cambridge" in invoice.invoice_to
    assert _lines(db_session, invoice) == 3
    assert invoice.lines[0].attendee_name == "Grace"
    assert invoice.file is None
    assert db_session.scalar(select(LogEntry.action_type).where(
        LogEntry.action_type == "pretix.event.order.invoice.regenerated")) is not None


def test_regenerate_without_address_clears_the_recipient(db_session: Session, shop: Any) -> None:
    order = make_order(db_session, shop)
    invoice = generate_invoice(order)
    assert invoice.invoice_to_company == "Analytical Engines Ltd"
    db_session.delete(order.invoice_address)
    db_session.flush()
    db_session.expire(order, ["invoice_address"])
    regenerate_invoice(invoice)
    assert (invoice.invoice_to, invoice.invoice_to_company, invoice.invoice_to_vat_id) == (
        "buyer@example.org", None, None)


def test_regenerate_and_reissue_refuse_canceled_invoices(db_session: Session, shop: Any) -> None:
    order = make_order(db_session, shop)
    invoice = generate_invoice(order)
    cancellation, new = reissue_one_invoice(invoice)
    assert cancellation.refers_id == invoice.id and cancellation.is_cancellation
    assert new is not None and new.full_invoice_no != invoice.full_invoice_no
    for action in (regenerate_invoice, reissue_one_invoice):
        with pytest.raises(InvoiceError) as refused:
            action(invoice)
        assert refused.value.key == "invoice_already_canceled"
    with pytest.raises(InvoiceError):
        reissue_one_invoice(cancellation)
    regenerate_invoice(cancellation)
    assert _lines(db_session, cancellation) == 2


def test_shredded_invoices_are_refused(db_session: Session, shop: Any) -> None:
    invoice = generate_invoice(make_order(db_session, shop))
    invoice.shredded = True
    with pytest.raises(InvoiceError) as refused:
        regenerate_invoice(invoice)
    assert refused.value.key == "invoice_shredded"


def test_reissue_of_a_canceled_order_issues_no_new_invoice(db_session: Session, shop: Any) -> None:
    order = make_order(db_session, shop)
    invoice = generate_invoice(order)
    order.status = "c"
    db_session.flush()
    cancellation, new = reissue_one_invoice(invoice)
    assert cancellation.is_cancellation and new is None

