"""The core's ``classic`` invoice renderer: an A4 PDF drawn with reportlab from the invoice's own fields."""

from __future__ import annotations

import io
from collections import defaultdict
from decimal import Decimal
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
from zope.interface import implementer

from core.interfaces.invoices import IInvoiceRenderer
from core.models.invoices import Invoice
from core.services.money import money_str

MARGIN = 20 * mm


def _paragraphs(text: str | None, style: ParagraphStyle) -> list[Paragraph]:
    if not text:
        return []
    return [Paragraph(escape(text).replace("\n", "<br/>"), style)]


def _address(lines: list[str | None]) -> str:
    return "<br/>".join(escape(line) for line in lines if line)


@implementer(IInvoiceRenderer)
class ClassicInvoiceRenderer:
    """A plain A4 layout: issuer and recipient, number and dates, a table of lines, a tax summary and the footer."""

    identifier = "classic"
    verbose_name = "Classic (PDF)"

    def __init__(self, scope: Any = None) -> None:
        self.scope = scope

    def render(self, invoice: Invoice) -> tuple[str, str, bytes]:
        buffer = io.BytesIO()
        title = "Cancellation" if invoice.is_cancellation else "Invoice"
        doc = SimpleDocTemplate(
            buffer, pagesize=A4, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=MARGIN, bottomMargin=MARGIN + 10 * mm,
            title=f"{title} {invoice.full_invoice_no}", author=invoice.invoice_from_name or "",
        )
        footer = invoice.footer_text or ""

        def draw_footer(canvas: Any, document: Any) -> None:
            canvas.saveState()
            canvas.setFont("Helvetica", 7)
            for number, line in enumerate(footer.splitlines()[:4]):
                canvas.drawString(MARGIN, MARGIN - number * 9, line)
            canvas.drawRightString(A4[0] - MARGIN, MARGIN, f"{invoice.full_invoice_no} - page {document.page}")
            canvas.restoreState()

        doc.build(self._story(invoice, title), onFirstPage=draw_footer, onLaterPages=draw_footer)
        return f"{invoice.full_invoice_no}.pdf", "application/pdf", buffer.getvalue()

    def _story(self, invoice: Invoice, title: str) -> list[Any]:
        styles = getSampleStyleSheet()
        normal = styles["Normal"]
        small = ParagraphStyle("small", parent=normal, fontSize=8, leading=10)
        currency = invoice.event.currency
        locale = invoice.locale

        def money(value: Decimal) -> str:
            return money_str(value, currency, locale)

        issuer = _address([
            invoice.invoice_from_name, invoice.invoice_from,
            " ".join(p for p in (invoice.invoice_from_zipcode, invoice.invoice_from_city) if p),
            invoice.invoice_from_state, invoice.invoice_from_country,
            f"Tax ID: {invoice.invoice_from_tax_id}" if invoice.invoice_from_tax_id else None,
            f"VAT ID: {invoice.invoice_from_vat_id}" if invoice.invoice_from_vat_id else None,
        ])
        recipient = _address([
            *(invoice.invoice_to or "").splitlines(),
            f"VAT ID: {invoice.invoice_to_vat_id}" if invoice.invoice_to_vat_id else None,
            invoice.invoice_to_beneficiary,
        ])
        facts = [
            f"{title} number: {invoice.full_invoice_no}",
            f"Date: {invoice.date.isoformat()}",
            f"Order: {invoice.order.code}",
        ]
        if invoice.is_cancellation and invoice.refers is not None:
            facts.append(f"Cancels invoice: {invoice.refers.full_invoice_no}")
        if invoice.internal_reference:
            facts.append(f"Your reference: {invoice.internal_reference}")
        head = Table(
            [[Paragraph(recipient, normal), Paragraph(issuer, small)]],
            colWidths=[95 * mm, 75 * mm],
        )
        head.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP")]))
        story: list[Any] = [head, Spacer(1, 12 * mm), Paragraph(f"{title} {escape(invoice.full_invoice_no)}",
                                                                  styles["Heading1"])]
        story += [Paragraph(escape(fact), normal) for fact in facts]
        story.append(Spacer(1, 6 * mm))
        story += _paragraphs(invoice.introductory_text, normal)
        story.append(Spacer(1, 4 * mm))
        story.append(self._lines_table(invoice, money, small))
        story.append(Spacer(1, 6 * mm))
        story.append(self._tax_table(invoice, money, small))
        if invoice.reverse_charge:
            story += _paragraphs("Reverse charge: the recipient is liable for VAT.", normal)
        if invoice.payment_provider_text:
            story += _paragraphs(invoice.payment_provider_text, normal)
        story.append(Spacer(1, 4 * mm))
        story += _paragraphs(invoice.additional_text, normal)
        return story

    def _lines_table(self, invoice: Invoice, money: Any, style: ParagraphStyle) -> Table:
        rows: list[list[Any]] = [["Description", "Tax rate", "Net", "Gross"]]
        for line in invoice.lines:
            details = [line.description]
            if line.attendee_name:
                details.append(f"Attendee: {line.attendee_name}")
            if line.period_start is not None:
                details.append(f"Date: {line.period_start.date().isoformat()}")
            rows.append([
                Paragraph("<br/>".join(escape(d) for d in details), style),
                f"{line.tax_rate.normalize():f} %", money(line.net_value), money(line.gross_value),
            ])
        total = sum((line.gross_value for line in invoice.lines), Decimal("0"))
        rows.append(["Total", "", "", money(total)])
        table = Table(rows, colWidths=[95 * mm, 20 * mm, 27 * mm, 28 * mm], repeatRows=1)
        table.setStyle(TableStyle([
            ("FONTNAME", (0, 0), (-1, 0), "Helvetica-Bold"),
            ("FONTNAME", (0, -1), (-1, -1), "Helvetica-Bold"),
            ("FONTSIZE", (0, 0), (-1, -1), 9),
            ("ALIGN", (1, 0), (-1, -1), "RIGHT"),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("LINEBELOW", (0, 0), (-1, 0), 0.5, colors.black),
            ("LINEABOVE", (0, -1), (-1, -1), 0.5, colors.black),
        ]))
        return table

    def _tax_table(self, invoice: Invoice, money: Any, style: ParagraphStyle) -> Table:
        sums: dict[tuple[Decimal, str], list[Decimal]] = defaultdict(lambda: [Decimal("0"), Decimal("0")])
        for line in invoice.lines:
            entry = sums[(line.tax_rate, line.tax_name)]
            entry[0] += line.net_value
            entry[1] += line.tax_value
        rows: list[list[Any]] = [["Tax", "Rate", "Net", "Tax amount"]]
        for (rate, name), (net, tax) in sorted(sums.items()):
            rows.append([name or "-", f"{rate.normalize():f} %", money(net), money(tax)])
        table = Table(rows, colWidths=[95 * mm, 20 * mm, 27 * mm, 28 * mm])
        table.setStyle(TableStyle([
            ("FONTNAME", (0, 0), (-1, 0), "Helvetica-Bold"),
            ("FONTSIZE", (0, 0), (-1, -1), 8),
            ("ALIGN", (1, 0), (-1, -1), "RIGHT"),
            ("LINEBELOW", (0, 0), (-1, 0), 0.5, colors.black),
        ]))
        return table
