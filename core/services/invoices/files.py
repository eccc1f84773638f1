"""Invoice files: rendering through the :class:`~core.interfaces.invoices.IInvoiceRenderer` and storing them.

Files live under ``<ticketry.var_dir>/invoices/<organizer id>/<invoice id>-<file name>``; ``Invoice.file`` holds
the path relative to ``var_dir``. They are written once, after the transaction that issued the invoice committed
(:func:`render_invoice_task`), and again on demand by :func:`invoice_pdf` if missing.
"""

from __future__ import annotations

import logging
import os
import re
import tempfile
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session, object_session

from core.interfaces.invoices import IInvoiceRenderer
from core.models.invoices import Invoice
from core.pluginhost import current_registry, provider_for
from core.settings import settings_for
from core.tasks import task

log = logging.getLogger("ticketry.invoices")

#: Renderer used when the configured one is unknown or its plugin is inactive.
FALLBACK_RENDERER = "classic"
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def renderer_for(invoice: Invoice) -> Any:
    """The event's ``invoice_renderer``, or the core's ``classic`` renderer."""
    event = invoice.event
    name = settings_for(object_session(invoice), event).get("invoice_renderer")
    return provider_for(event, IInvoiceRenderer, name) or provider_for(event, IInvoiceRenderer, FALLBACK_RENDERER)


def _var_dir() -> Path:
    return Path(current_registry().settings["ticketry.var_dir"])


def stored_path(invoice: Invoice) -> Path | None:
    """The absolute path of the invoice's stored file, or None if it has none or the file is gone."""
    if not invoice.file:
        return None
    path = _var_dir() / invoice.file
    return path if path.is_file() else None


def _write(invoice: Invoice, filename: str, content: bytes) -> str:
    relative = Path("invoices") / str(invoice.organizer_id) / f"{invoice.id}-{_UNSAFE.sub('_', filename)}"
    target = _var_dir() / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".render-")
    with os.fdopen(handle, "wb") as out:
        out.write(content)
    os.replace(temporary, target)
    return relative.as_posix()


def render_invoice(invoice: Invoice) -> tuple[str, str, bytes]:
    """Render ``invoice`` with its event's renderer, store the file, set ``invoice.file``; return the rendering."""
    renderer = renderer_for(invoice)
    filename, mimetype, content = renderer.render(invoice)
    invoice.file = _write(invoice, filename, content)
    return filename, mimetype, content


def invoice_pdf(invoice: Invoice) -> bytes:
    """The bytes of the invoice's file, rendering (and storing) it first if it is missing."""
    path = stored_path(invoice)
    if path is not None:
        return path.read_bytes()
    return render_invoice(invoice)[2]


def invoice_attachment(invoice: Invoice) -> tuple[str, bytes, str]:
    """``(filename, bytes, content type)`` of the invoice file, as :func:`core.mail.mail` attaches it."""
    path = stored_path(invoice)
    if path is not None:
        return path.name.partition("-")[2], path.read_bytes(), "application/pdf"
    filename, mimetype, content = render_invoice(invoice)
    return filename, content, mimetype


@task(retries=3, retry_delay=30)
def render_invoice_task(session: Session, invoice_id: int, organizer_id: int) -> None:
    """Render and store an issued invoice (queued after the commit that issued it)."""
    invoice = session.get(Invoice, invoice_id)
    if invoice is None or stored_path(invoice) is not None:
        return
    try:
        render_invoice(invoice)
    except Exception:  # the invoice stays valid without a file; invoice_pdf() renders it on demand
        log.exception("rendering invoice %s failed", invoice.full_invoice_no)
        raise
