"""Invoice PDFs: the classic renderer, storage after commit, rendering on demand, renderer choice."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from pypdf import PdfReader
from sqlalchemy.orm import Session

from core.interfaces.invoices import IInvoiceRenderer
from core.models import Invoice
from core.pluginhost import provider_for
from core.services.invoices import generate_cancellation, generate_invoice, invoice_pdf
from core.services.invoices.files import renderer_for, stored_path
from core.settings import settings_for
from tests.core.services.invoices.shop import make_order


def pdf_text(content: bytes) -> tuple[int, str]:
    reader = PdfReader(io.BytesIO(content))
    return len(reader.pages), "\n".join(page.extract_text() for page in reader.pages)


def test_classic_renderer_makes_a_valid_pdf(db_session: Session, shop: Any) -> None:
    settings_for(db_session, shop.event).set("invoice_footer_text", "Bank: Example Bank")
    invoice = generate_invoice(make_order(db_session, shop, fee="2.00"))
    filename, mimetype, content = provider_for(shop.event, IInvoiceRenderer, "classic").render(invoice)
    assert (filename, mimetype) == ("CONF-00001.pdf", "application/pdf")
    assert content.startswith(b"%PDF")
    pages, text = pdf_text(content)
    assert pages == 1
    for expected in ("Invoice CONF-00001", "Analytical Engines Ltd", "Ticket", "Payment fee", "Bank: Example Bank",
                     "€48.00", "ABC12"):
        assert expected in text


def test_cancellation_pdf_names_the_canceled_invoice(db_session: Session, shop: Any) -> None:
    invoice = generate_invoice(make_order(db_session, shop))
    cancellation = generate_cancellation(invoice)
    _pages, text = pdf_text(invoice_pdf(cancellation))
    assert "Cancellation CONF-00002" in text
    assert "Cancels invoice: CONF-00001" in text
    assert "-€46.00" in text


def test_many_lines_flow_onto_more_pages(db_session: Session, shop: Any) -> None:
    invoice = generate_invoice(make_order(db_session, shop, prices=("1.00",) * 60))
    pages, _text = pdf_text(invoice_pdf(invoice))
    assert pages >= 2


def test_the_file_is_rendered_after_commit_and_stored(
    db_session: Session, shop: Any, commit: Any, registry: Any
) -> None:
    invoice = generate_invoice(make_order(db_session, shop))
    assert invoice.file is None
    commit()
    invoice = db_session.get(Invoice, invoice.id)
    path = stored_path(invoice)
    assert path is not None
    assert path.is_relative_to(Path(registry.settings["ticketry.var_dir"]) / "invoices")
    assert invoice_pdf(invoice) == path.read_bytes()


def test_a_missing_file_is_rendered_on_demand(db_session: Session, shop: Any, commit: Any) -> None:
    invoice = generate_invoice(make_order(db_session, shop))
    commit()
    invoice = db_session.get(Invoice, invoice.id)
    stored_path(invoice).unlink()
    content = invoice_pdf(invoice)
    assert content.startswith(b"%PDF")
    assert stored_path(invoice).read_bytes() == content


def test_unknown_renderer_falls_back_to_classic(db_session: Session, shop: Any) -> None:
    settings_for(db_session, shop.event).set("invoice_renderer", "fancy")
    invoice = generate_invoice(make_order(db_session, shop))
    assert renderer_for(invoice).identifier == "classic"
