"""Extension point of invoices: the renderer that turns an issued invoice into a file (PDF)."""

from __future__ import annotations

from zope.interface import Attribute, Interface, taggedValue

from core.pluginhost.info import Level


class IInvoiceRenderer(Interface):
    """Renders an issued :class:`~core.models.invoices.Invoice` into a document, usually a PDF.

    Register with ``config.add_provider(IInvoiceRenderer, "<identifier>", Factory)``. The factory
    gets the scope (the invoice's event) and returns the renderer. The event setting
    ``invoice_renderer`` picks the renderer by name; the core ships ``classic`` (an A4 PDF made
    with reportlab), which is also used when the configured renderer is unknown or its plugin is
    inactive on the event.

    **When:** after the transaction that issued the invoice (or its cancellation) commits, a task
    renders it once and stores the file under ``<ticketry.var_dir>/invoices/``; and on demand by
    :func:`core.services.invoices.invoice_pdf` when the stored file is missing. The renderer is
    called inside a unit of work in the invoice's tenant scope, so it may read the invoice's
    order, lines and event.
    **With:** the invoice, which is final: its number, issuer (``invoice_from*``), recipient
    (``invoice_to*``), texts and lines (``invoice.lines``; cancellation invoices carry negative
    values and ``refers`` points to the canceled invoice) are copied at issue time. Render from
    these fields, not from the current order or settings, so a re-render years later gives the
    same document. The language is ``invoice.locale``.
    **Returns:** ``(filename, mimetype, content)``: a file name such as ``INV-00001.pdf``, the
    media type (``application/pdf``) and the file's bytes.
    **Failure policy:** an exception is logged with the renderer's name; the invoice stays issued
    without a file and rendering is tried again the next time the file is requested. A renderer
    must never change the invoice or write to the database.
    """

    taggedValue("scope", Level.EVENT)

    identifier = Attribute("Name stored in the ``invoice_renderer`` setting, e.g. ``classic``.")
    verbose_name = Attribute("Human-readable name shown when choosing the invoice layout.")

    def render(invoice):  # type: ignore[no-untyped-def]
        """Return ``(filename, mimetype, content_bytes)`` for ``invoice`` (see the interface docstring)."""
