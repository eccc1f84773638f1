"""The service API of bank statement imports (for views, the REST API and the CLI; no HTTP here).

* :func:`start_import` reads the file, stores its lines as an import job and queues the matching task.
* :func:`unmatched_transactions` lists the lines that wait for an organizer (``nomatch`` and ``error``).
* :func:`assign_transaction` books such a line for an order chosen by hand; :func:`discard_transaction`
  dismisses it.

Errors are :class:`~core.services.errors.CommerceError` with the keys ``banktransfer_file_invalid`` (the file or
mapping; nothing is stored), ``banktransfer_format_unknown``, ``banktransfer_scope_invalid``,
``banktransfer_transaction_closed`` and ``banktransfer_order_invalid``.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.db.tenancy import scope
from core.logs import log_action
from core.models import Event, Organizer
from core.models.auth import User
from core.models.orders import Order
from core.services.errors import CommerceError
from core.settings import settings_for
from core.tasks import enqueue_after_commit
from plugins.payment_banktransfer.importer import CsvMapping, StatementLine, parse_csv, parse_mt940
from plugins.payment_banktransfer.matching import actor_fields, amount_problem, book_transaction
from plugins.payment_banktransfer.models import BankImportJob, BankTransaction
from plugins.payment_banktransfer.tasks import process_import

FORMATS = ("csv", "mt940")
CSVHINT_KEY = "plugin.banktransfer.csvhint"


def _read(file_bytes: bytes, mapping: CsvMapping | None, file_format: str) -> list[StatementLine]:
    if file_format not in FORMATS:
        raise CommerceError("banktransfer_format_unknown",
                            f"Unknown statement format {file_format!r}; use one of {', '.join(FORMATS)}.")
    if file_format == "mt940":
        return parse_mt940(file_bytes)
    if mapping is None:
        raise CommerceError("banktransfer_file_invalid", "A CSV import needs a column mapping.")
    return parse_csv(file_bytes, mapping)


def _scope_ids(event_or_organizer: Any) -> tuple[Organizer, Event | None]:
    if isinstance(event_or_organizer, Event):
        return event_or_organizer.organizer, event_or_organizer
    if isinstance(event_or_organizer, Organizer):
        return event_or_organizer, None
    raise CommerceError("banktransfer_scope_invalid",
                        f"An import belongs to an event or an organizer, not {event_or_organizer!r}.")


def start_import(
    session: Session,
    event_or_organizer: Any,
    file_bytes: bytes,
    mapping: CsvMapping | None,
    actor: Any = None,
    *,
    file_format: str = "csv",
    currency: str | None = None,
) -> BankImportJob:
    """Store the lines of a bank statement as a ``pending`` import job and queue its matching after commit.

    :param event_or_organizer: an Event (only its orders are matched) or an Organizer (the orders of every
        event with the plugin active).
    :param mapping: the CSV column mapping (remembered as the organizer's ``csvhint``); ignored for MT940.
    :param actor: the User who uploaded the file (or None).
    :param currency: the account's currency; default the event's, or the organizer's first event's.
    Raises :class:`~core.services.errors.CommerceError` (nothing stored) for an unreadable file or mapping.
    """
    organizer, event = _scope_ids(event_or_organizer)
    lines = _read(file_bytes, mapping, file_format)
    if not lines:
        raise CommerceError("banktransfer_file_invalid", "The file contains no transactions.")
    with scope(organizer.id):
        if currency is None:
            source = event or session.scalars(
                select(Event).where(Event.organizer_id == organizer.id).order_by(Event.id).limit(1)
            ).first()
            currency = source.currency if source is not None else "EUR"
        job = BankImportJob(organizer_id=organizer.id, event_id=event.id if event else None, currency=currency,
                            file_format=file_format, user_id=actor.id if isinstance(actor, User) else None,
                            state=BankImportJob.STATE_PENDING)
        session.add(job)
        for line in lines:
            line.error = line.error or amount_problem(line.amount, currency)
            job.transactions.append(BankTransaction(
                organizer_id=organizer.id, date=line.date, date_text=line.date_text[:50], payer=line.payer,
                reference=line.reference, amount=None if line.error else line.amount, iban=line.iban[:64],
                bic=line.bic[:32],
                checksum=line.checksum, comment=line.error or "",
                state=BankTransaction.STATE_INVALID if line.error else BankTransaction.STATE_IMPORTED,
            ))
        session.flush()
        if file_format == "csv" and mapping is not None:
            settings_for(session, organizer).set(CSVHINT_KEY, mapping.to_json())
        log_action(job, "pretix.plugins.banktransfer.import.started", {
            "format": file_format, "transactions": len(lines), "currency": currency,
        }, **actor_fields(actor))
    enqueue_after_commit(session, process_import, organizer.id, job.id)
    return job


def unmatched_transactions(session: Session, event_or_organizer: Any) -> list[BankTransaction]:
    """Lines in ``nomatch`` or ``error`` state of the organizer (of the event's jobs only, for an event)."""
    organizer, event = _scope_ids(event_or_organizer)
    query = select(BankTransaction).join(BankImportJob).where(
        BankTransaction.state.in_(BankTransaction.OPEN_STATES),
    ).order_by(BankTransaction.date, BankTransaction.id)
    if event is not None:
        query = query.where(BankImportJob.event_id == event.id)
    with scope(organizer.id):
        return list(session.scalars(query))


def assign_transaction(transaction: BankTransaction, order: Order, *, actor: Any = None) -> str:
    """Book an unmatched line for ``order`` chosen by the organizer; returns the new state (see ``book``).

    Raises ``banktransfer_transaction_closed`` if the line is not in the unmatched list any more and
    ``banktransfer_order_invalid`` for an order of another organizer; nothing is written then.
    """
    if transaction.state not in BankTransaction.OPEN_STATES:
        raise CommerceError("banktransfer_transaction_closed",
                            f"This transaction is {transaction.state} and cannot be assigned any more.")
    if order.organizer_id != transaction.organizer_id:
        raise CommerceError("banktransfer_order_invalid", f"Order {order.code} belongs to another organizer.")
    with scope(transaction.organizer_id):
        return book_transaction(transaction, order, actor=actor, manual=True)


def discard_transaction(transaction: BankTransaction, *, actor: Any = None) -> None:
    """Dismiss an unmatched line (``discarded``); ``banktransfer_transaction_closed`` if it is not unmatched."""
    if transaction.state not in BankTransaction.OPEN_STATES:
        raise CommerceError("banktransfer_transaction_closed",
                            f"This transaction is {transaction.state} and cannot be discarded.")
    transaction.state = BankTransaction.STATE_DISCARDED
    with scope(transaction.organizer_id):
        log_action(transaction.job, "pretix.plugins.banktransfer.transaction.discarded",
                   {"transaction": transaction.id, "amount": transaction.amount},
                   **actor_fields(actor))
