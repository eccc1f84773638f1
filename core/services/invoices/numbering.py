"""Invoice numbers: the prefix (with date placeholders and the test-mode marker) and the consecutive counter.

An invoice's full number is ``prefix + invoice_no``:

* **Prefix.** The event setting ``invoice_numbers_prefix`` (cancellation invoices:
  ``invoice_numbers_prefix_cancellations`` when set), or ``EVENTSLUG-`` (upper case) when empty. It may contain
  strftime-style date placeholders, filled with the invoice date: ``%Y`` (2030), ``%y`` (30), ``%m`` (01-12),
  ``%d`` (01-31), ``%j`` (day of the year, 001-366) and ``%%`` (a literal ``%``); any other ``%`` sequence is
  refused when the setting is written. Invoices of test-mode orders get ``TEST-`` appended to the prefix, so they
  never use up numbers of the real sequence.
* **Number.** With ``invoice_numbers_consecutive`` (the default) the number is one more than the largest numeric
  ``invoice_no`` of the same organizer with the same prefix, zero-padded to ``invoice_numbers_counter_length``
  digits (5 by default). The counter therefore belongs to the pair (organizer, prefix): events of one organizer
  that share a prefix share one gap-free sequence, and events with different prefixes (the default ``SLUG-``) each
  have their own. Numbers containing ``-`` are not counted. Without consecutive numbering the number is
  ``ORDERCODE-n`` (n = 1 + the number of invoices the order already has).

:func:`assign_invoice_number` holds an exclusive :func:`core.locking.lock_objects` lock on the counter key
``("invoice_number", "<organizer id>/<prefix>")`` from reading the largest number until the transaction ends, so
concurrent transactions get distinct, consecutive numbers and a rolled-back invoice leaves no gap.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import object_session

from core.locking import lock_objects
from core.models.invoices import Invoice
from core.settings import settings_for

#: The date placeholders a prefix may contain, with the strftime directive each one stands for.
DATE_PLACEHOLDERS = {"Y": "%Y", "y": "%y", "m": "%m", "d": "%d", "j": "%j", "%": "%%"}
TEST_MODE_MARKER = "TEST-"
#: Table name of the counter lock keys (no such table exists; it only separates the key space).
COUNTER_LOCK_TABLE = "invoice_number"
MAX_PREFIX_LENGTH = 160
MAX_NUMBER_LENGTH = 19

_PERCENT = re.compile(r"%(.?)", re.DOTALL)


def check_prefix(template: str) -> None:
    """Raise ``ValueError`` naming the problem unless ``template`` is a usable invoice number prefix."""
    for match in _PERCENT.finditer(template):
        if match.group(1) not in DATE_PLACEHOLDERS:
            raise ValueError(
                f"unknown placeholder {match.group(0)!r} in invoice number prefix {template!r}: "
                "use %Y, %y, %m, %d, %j or %% for a literal %"
            )
    if len(template) > MAX_PREFIX_LENGTH - 20:
        raise ValueError(f"the invoice number prefix must have at most {MAX_PREFIX_LENGTH - 20} characters")


def expand_prefix(template: str, date: dt.date) -> str:
    """``template`` with its date placeholders filled from ``date`` (see the module docstring)."""
    check_prefix(template)
    return _PERCENT.sub(lambda m: date.strftime(DATE_PLACEHOLDERS[m.group(1)]), template)


def invoice_prefix(event: Any, date: dt.date, *, testmode: bool, cancellation: bool) -> str:
    """The expanded prefix of a (cancellation) invoice of ``event`` issued on ``date``."""
    settings = settings_for(object_session(event), event)
    template = ""
    if cancellation:
        template = settings.get("invoice_numbers_prefix_cancellations") or ""
    template = template or settings.get("invoice_numbers_prefix") or f"{event.slug.upper()}-"
    prefix = expand_prefix(template, date)
    return prefix + TEST_MODE_MARKER if testmode else prefix


def counter_lock(organizer_id: int, prefix: str) -> tuple[str, str]:
    """The :func:`~core.locking.lock_objects` key guarding the counter of (organizer, prefix)."""
    return COUNTER_LOCK_TABLE, f"{organizer_id}/{prefix}"


def lock_counters(session: Any, event: Any, kinds: list[tuple[dt.date, bool, bool]]) -> None:
    """Take the counter locks of several invoices of ``event`` at once: ``kinds`` = ``(date, testmode, cancellation)``.

    A transaction that issues invoices with different prefixes (a cancellation and a new invoice) must lock all
    their counters in one :func:`~core.locking.lock_objects` call; the later :func:`assign_invoice_number` calls
    then ask for nothing new.
    """
    if not settings_for(session, event).get("invoice_numbers_consecutive"):
        return
    prefixes = {invoice_prefix(event, date, testmode=testmode, cancellation=cancel) for date, testmode, cancel in kinds}
    lock_objects(session, exclusive=[counter_lock(event.organizer_id, prefix) for prefix in sorted(prefixes)])


def highest_number(session: Any, organizer_id: int, prefix: str) -> int:
    """The largest numeric ``invoice_no`` of (organizer, prefix), 0 if there is none."""
    stmt = (
        select(Invoice.invoice_no)
        .where(Invoice.organizer_id == organizer_id, Invoice.prefix == prefix, ~Invoice.invoice_no.contains("-"))
        .order_by(func.length(Invoice.invoice_no).desc(), Invoice.invoice_no.desc())
    )
    offset = 0
    while True:
        page = session.scalars(stmt.limit(50).offset(offset)).all()
        for number in page:
            if number.isdigit():
                return int(number)
        if len(page) < 50:
            return 0
        offset += 50


def format_number(counter: int, length: int) -> str:
    """``counter`` zero-padded to ``length`` digits (longer numbers are kept whole)."""
    text = str(counter).zfill(length)
    if len(text) > MAX_NUMBER_LENGTH:
        raise ValueError(f"invoice number {text} is longer than {MAX_NUMBER_LENGTH} digits")
    return text


def assign_invoice_number(invoice: Invoice) -> Invoice:
    """Give ``invoice`` (added to a session, ``order``, ``event``, ``date`` and ``is_cancellation`` set) its number.

    Sets ``prefix``, ``invoice_no`` and ``full_invoice_no`` and flushes. With consecutive numbering this takes the
    exclusive counter lock (see the module docstring), so it must run in a transaction that has not taken other
    locks with :func:`core.locking.lock_objects` yet, or that took this counter key with them.
    """
    session = object_session(invoice)
    if session is None:
        raise ValueError("assign_invoice_number: add the invoice to a session first")
    order = invoice.order
    with session.no_autoflush:
        invoice.prefix = invoice_prefix(invoice.event, invoice.date, testmode=order.testmode,
                                        cancellation=invoice.is_cancellation)
        settings = settings_for(session, invoice.event)
        if settings.get("invoice_numbers_consecutive"):
            lock_objects(session, exclusive=[counter_lock(invoice.organizer_id, invoice.prefix)])
            counter = highest_number(session, invoice.organizer_id, invoice.prefix) + 1
            invoice.invoice_no = format_number(counter, settings.get("invoice_numbers_counter_length"))
        else:
            others = select(func.count(Invoice.id)).where(Invoice.order_id == order.id, Invoice.id != invoice.id)
            invoice.invoice_no = f"{order.code}-{(session.scalar(others) or 0) + 1}"
    invoice.full_invoice_no = invoice.prefix + invoice.invoice_no
    session.flush()
    return invoice
