"""Matching statement lines to orders: order codes in the reference text, then booking the money.

**Finding the order.** The reference is searched for order codes (characters of the order code alphabet plus
the test-mode marker, 5 to 16 long): first right after an event slug (``DEMOCON-ABC12``, ``democon abc 12``,
``DEMOCONABC12``: case, spaces and dashes do not matter), then as words of their own, also two adjacent words
joined (``ABC 12``). The candidates are looked up among the orders of the job's event, or of every event of the
organizer where the plugin is active. Exactly one order must be found; several give ``nomatch`` with a comment.

**Booking.** See :func:`book_transaction`: canceled orders and other currencies give ``error``, paid orders
``already``; otherwise the order's open bank transfer payment (or a new one) gets the transferred amount and is
confirmed through :func:`core.services.payments.confirm_payment`, whatever the amount: a partial payment leaves
the order pending with the rest open, an overpayment marks it paid and overpaid. A refusal of the core (late
payment, capacity gone) gives ``error`` and leaves the payment ``pending`` for the organizer to decide.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, object_session

from core.db.tenancy import scope
from core.logs import log_action
from core.models import Event
from core.models.auth import User
from core.models.orders import Order
from core.models.payments import OrderPayment
from core.pluginhost import is_active
from core.services.codes import ORDER_CODE_CHARSET, ORDER_CODE_LENGTH, ORDER_CODE_MAX_LENGTH, TESTMODE_MARKER
from core.services.errors import OrderError
from core.services.money import currency_places
from core.services.payments import confirm_payment, create_payment
from core.services.payments.sums import pending_sum
from core.tasks import report_progress
from plugins.payment_banktransfer.models import BankImportJob, BankTransaction
from plugins.payment_banktransfer.provider import BankTransferProvider

PLUGIN = "banktransfer"
PROVIDER = BankTransferProvider.identifier
_TOKEN = re.compile(r"[A-Z0-9]+")
_SEPARATORS = r"[\s\-_/.:#]*"


def is_order_code(candidate: str) -> bool:
    """Whether ``candidate`` could be an order code: alphabet, length, test marker only as second character."""
    if not ORDER_CODE_LENGTH <= len(candidate) <= ORDER_CODE_MAX_LENGTH:
        return False
    rest = candidate[:1] + candidate[2:]
    return all(ch in ORDER_CODE_CHARSET for ch in rest) and candidate[1] in ORDER_CODE_CHARSET + TESTMODE_MARKER


def _slug_pattern(slug: str) -> re.Pattern[str]:
    parts = [re.escape(part) for part in re.split(r"[\-_]", slug.upper()) if part]
    return re.compile(_SEPARATORS.join(parts) + _SEPARATORS + r"([A-Z0-9][A-Z0-9\s\-]*)")


def code_candidates(reference: str, slugs: Iterable[str] = ()) -> list[str]:
    """Possible order codes in ``reference``, most likely first (see the module docstring)."""
    text = reference.upper()
    found: list[str] = []
    for slug in sorted(set(slugs), key=len, reverse=True):
        for match in _slug_pattern(slug).finditer(text):
            compact = re.sub(r"[\s\-]", "", match.group(1))
            found += [compact[:n] for n in range(ORDER_CODE_LENGTH, min(len(compact), ORDER_CODE_MAX_LENGTH) + 1)]
    tokens = _TOKEN.findall(text)
    for index, token in enumerate(tokens):
        found.append(token)
        if index + 1 < len(tokens):
            found.append(token + tokens[index + 1])
    return [code for code in dict.fromkeys(found) if is_order_code(code)]


def job_events(session: Session, job: BankImportJob) -> list[Event]:
    """The events whose orders ``job`` may pay: its event, or the organizer's events with the plugin active."""
    with scope(job.organizer_id):
        if job.event_id is not None:
            return [session.get(Event, job.event_id)]
        events = session.scalars(select(Event).where(Event.organizer_id == job.organizer_id).order_by(Event.id))
        return [event for event in events if is_active(session, PLUGIN, event)]


def find_orders(session: Session, organizer_id: int, reference: str, events: list[Event]) -> list[Order]:
    """The distinct orders of ``events`` whose code appears in ``reference``, most likely first."""
    candidates = code_candidates(reference, [event.slug for event in events])
    if not candidates or not events:
        return []
    with scope(organizer_id):
        rows = session.scalars(select(Order).where(
            Order.code.in_(candidates), Order.event_id.in_([event.id for event in events]),
        )).all()
    by_code = {order.code: order for order in rows}
    return list(dict.fromkeys(by_code[code] for code in candidates if code in by_code))


def actor_fields(actor: Any) -> dict[str, Any]:
    """``log_action`` keywords for ``actor``: a User, an identity or API token, or None (the system)."""
    if actor is None:
        return {}
    return {"user": actor} if isinstance(actor, User) else {"auth": actor}


def _open_payment(order: Order) -> OrderPayment | None:
    open_payments = [p for p in order.payments if p.provider == PROVIDER and p.state in OrderPayment.OPEN_STATES]
    return min(open_payments, key=lambda p: p.local_id) if open_payments else None


def _fail(transaction: BankTransaction, state: str, comment: str) -> str:
    transaction.state = state
    transaction.comment = comment
    return state


def book_transaction(transaction: BankTransaction, order: Order, *, actor: Any = None, manual: bool = False) -> str:
    """Book the money of ``transaction`` for ``order``; returns the transaction's new state.

    ``valid``: a bank transfer payment of the transferred amount was confirmed (comment notes partial and over
    payments). ``error``: the order is canceled, in another currency, or the core refused the payment (its message
    is the comment; the payment stays ``pending``). ``already``: the order is paid (automatic matching only; an
    organizer's ``manual`` assignment books the money anyway and the order shows as overpaid).
    """
    session = object_session(transaction)
    assert session is not None
    transaction.order = order
    amount = transaction.amount
    assert amount is not None
    if order.status == Order.STATUS_CANCELED:
        return _fail(transaction, BankTransaction.STATE_ERROR, f"Order {order.code} is canceled.")
    if order.event.currency != transaction.job.currency:
        return _fail(transaction, BankTransaction.STATE_ERROR,
                     f"Order {order.code} is in {order.event.currency}, the transfer in {transaction.job.currency}.")
    if order.status == Order.STATUS_PAID and not manual:
        return _fail(transaction, BankTransaction.STATE_ALREADY, f"Order {order.code} was already paid.")
    info = {"payer": transaction.payer, "iban": transaction.iban, "bic": transaction.bic,
            "reference": transaction.reference, "transaction": transaction.id, "date": transaction.date_text}
    payment = _open_payment(order)
    if payment is None:
        payment = create_payment(order, PROVIDER, amount, info=info)
    else:
        payment.amount = amount
        payment.info = {**(payment.info or {}), **info}
    transaction.payment = payment
    try:
        confirm_payment(payment, actor=actor)
    except OrderError as exc:
        payment.state = OrderPayment.PAYMENT_STATE_PENDING
        return _fail(transaction, BankTransaction.STATE_ERROR, exc.message)
    rest = pending_sum(order)
    transaction.state = BankTransaction.STATE_VALID
    transaction.comment = (f"Partial payment: {rest} {order.event.currency} still open." if rest > 0 else
                           f"Overpaid by {-rest} {order.event.currency}." if rest < 0 else "")
    action = "pretix.plugins.banktransfer.transaction.assigned" if manual else \
        "pretix.plugins.banktransfer.transaction.matched"
    log_action(order, action, {
        "transaction": transaction.id, "job": transaction.import_job_id, "amount": amount,
        "payment": payment.local_id, "pending": rest,
    }, **actor_fields(actor))
    return transaction.state


def check_line(transaction: BankTransaction) -> str | None:
    """Why ``transaction`` cannot be booked at all (no amount, outgoing or zero money), or None."""
    amount = transaction.amount
    if amount is None:
        return transaction.comment or "The amount could not be read."
    if amount <= 0:
        return "Outgoing or zero amount; only incoming transfers are matched."
    return None


def amount_problem(amount: Decimal | None, currency: str) -> str | None:
    """Why ``amount`` cannot be stored for ``currency``: more decimal places than the currency has, or None."""
    places = currency_places(currency)
    if amount is not None and amount != amount.quantize(Decimal(1).scaleb(-places)):
        return f"The amount {amount} has more than {places} decimal places."
    return None


def is_duplicate(session: Session, transaction: BankTransaction) -> bool:
    """Whether a line with the same checksum came with an earlier import of the organizer."""
    with scope(transaction.organizer_id):
        earlier = session.scalar(select(BankTransaction.id).where(
            BankTransaction.checksum == transaction.checksum,
            BankTransaction.id != transaction.id,
            BankTransaction.import_job_id != transaction.import_job_id,
            BankTransaction.state != BankTransaction.STATE_DUPLICATE,
        ).limit(1))
    return earlier is not None


def match_transaction(session: Session, transaction: BankTransaction, events: list[Event]) -> str:
    """Decide one imported line: duplicate, invalid, no match, or booked (see :func:`book_transaction`)."""
    if is_duplicate(session, transaction):
        return _fail(transaction, BankTransaction.STATE_DUPLICATE, "This transaction was imported before.")
    problem = check_line(transaction)
    if problem is not None:
        return _fail(transaction, BankTransaction.STATE_INVALID, problem)
    orders = find_orders(session, transaction.organizer_id, transaction.reference, events)
    if not orders:
        return _fail(transaction, BankTransaction.STATE_NOMATCH, "No order code found in the reference.")
    if len(orders) > 1:
        codes = ", ".join(order.code for order in orders)
        return _fail(transaction, BankTransaction.STATE_NOMATCH,
                     f"The reference names several orders ({codes}); assign the transfer by hand.")
    return book_transaction(transaction, orders[0])


def run_job(session: Session, job: BankImportJob) -> BankImportJob:
    """Match every ``imported`` line of ``job``, reporting progress, and fill in its counts."""
    with scope(job.organizer_id):
        job.state = BankImportJob.STATE_RUNNING
        session.flush()
        events = job_events(session, job)
        todo = [t for t in job.transactions if t.state == BankTransaction.STATE_IMPORTED]
        for done, transaction in enumerate(todo, start=1):
            match_transaction(session, transaction, events)
            session.flush()
            report_progress(100 * done / len(todo))
        states = [t.state for t in job.transactions]
        job.count_total = len(states)
        job.count_matched = states.count(BankTransaction.STATE_VALID)
        job.count_unmatched = states.count(BankTransaction.STATE_NOMATCH)
        job.count_error = sum(states.count(s) for s in (BankTransaction.STATE_ERROR, BankTransaction.STATE_INVALID))
        job.count_duplicate = states.count(BankTransaction.STATE_DUPLICATE)
        job.state = BankImportJob.STATE_COMPLETED
        log_action(job, "pretix.plugins.banktransfer.import.completed", {
            "total": job.count_total, "matched": job.count_matched, "unmatched": job.count_unmatched,
            "errors": job.count_error, "duplicates": job.count_duplicate,
        })
        session.flush()
    return job
