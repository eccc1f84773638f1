"""Bank imports end to end: each matching outcome, duplicates, manual assignment, the job and its audit log."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from core.db import tenancy
from core.models import LogEntry
from core.models.orders import Order
from core.models.payments import OrderPayment
from core.services.errors import CommerceError
from core.services.payments import create_payment
from core.settings import settings_for
from plugins.payment_banktransfer.importer import CsvMapping
from plugins.payment_banktransfer.matching import code_candidates, is_order_code
from plugins.payment_banktransfer.models import BankImportJob, BankTransaction
from plugins.payment_banktransfer.service import (
    assign_transaction,
    discard_transaction,
    start_import,
    unmatched_transactions,
)

pytestmark = pytest.mark.enabled_plugins("banktransfer")

MAPPING = CsvMapping(date=0, amount=3, reference=(1,), payer=(2,), has_header=False)


def _csv(*rows: tuple[str, str]) -> bytes:
    return "".join(f"2024-01-15,{ref},Jane Doe,{amount}\n" for ref, amount in rows).encode()


@pytest.fixture
def run_import(db_session, tm, huey_immediate, event, scoped):
    """``run_import(rows, scope=event)``: import a CSV, commit (the task runs), return the job's transactions."""

    def run(*rows: tuple[str, str], where=None, data: bytes | None = None, fmt: str = "csv"):
        job = start_import(db_session, where or event, data or _csv(*rows), MAPPING, file_format=fmt)
        job_id = job.id
        tm.commit()
        tm.begin()
        job = db_session.get(BankImportJob, job_id)
        db_session.refresh(job)
        return job

    return run


def _reload(db_session, order: Order) -> Order:
    db_session.expire_all()
    return db_session.get(Order, order.id)


@pytest.mark.parametrize(("reference", "slugs", "expected"), [
    ("CONF-HJKMN", ["conf"], "HJKMN"),
    ("conf hjkmn thanks", ["conf"], "HJKMN"),
    ("CONFHJKMN", ["conf"], "HJKMN"),
    ("Invoice HJK MN", [], "HJKMN"),
    ("order hjkmn", [], "HJKMN"),
    ("H0KMN", [], "H0KMN"),
])
def test_code_candidates(reference, slugs, expected):
    assert expected in code_candidates(reference, slugs)


def test_code_alphabet():
    assert is_order_code("HJKMN") and is_order_code("H0KMN")
    assert not is_order_code("HJKM") and not is_order_code("HJ1MN") and not is_order_code("0JKMN")


def test_exact_amount_confirms_the_open_payment_and_marks_paid(db_session, make_order, run_import):
    order = make_order("23.00")
    open_payment = create_payment(order, "banktransfer", order.total)
    job = run_import((f"CONF-{order.code}", "23,00"))
    assert job.state == BankImportJob.STATE_COMPLETED and (job.count_total, job.count_matched) == (1, 1)
    (transaction,) = job.transactions
    assert transaction.state == BankTransaction.STATE_VALID and transaction.order_id == order.id
    order = _reload(db_session, order)
    assert order.status == Order.STATUS_PAID
    payment = db_session.get(OrderPayment, open_payment.id)
    assert payment.state == OrderPayment.PAYMENT_STATE_CONFIRMED and payment.info["payer"] == "Jane Doe"
    actions = db_session.scalars(select(LogEntry.action_type).order_by(LogEntry.id)).all()
    assert "pretix.plugins.banktransfer.transaction.matched" in actions
    assert {"pretix.plugins.banktransfer.import.started", "pretix.plugins.banktransfer.import.completed"} <= set(
        actions)


def test_code_without_slug_and_new_payment(db_session, make_order, run_import):
    order = make_order("23.00")
    job = run_import((f"Payment {order.code.lower()}", "23.00"))
    assert job.transactions[0].state == BankTransaction.STATE_VALID
    order = _reload(db_session, order)
    assert order.status == Order.STATUS_PAID
    assert [(p.provider, p.amount, p.state) for p in order.payments] == [
        ("banktransfer", Decimal("23.00"), OrderPayment.PAYMENT_STATE_CONFIRMED)]


def test_partial_payment_keeps_the_order_pending(db_session, make_order, run_import):
    order = make_order("23.00")
    job = run_import((f"CONF-{order.code}", "10.00"))
    transaction = job.transactions[0]
    assert transaction.state == BankTransaction.STATE_VALID and "13.00 EUR still open" in transaction.comment
    order = _reload(db_session, order)
    assert order.status == Order.STATUS_PENDING
    assert [p.state for p in order.payments] == [OrderPayment.PAYMENT_STATE_CONFIRMED]
    job = run_import((f"CONF-{order.code} rest", "13.00"))
    assert _reload(db_session, order).status == Order.STATUS_PAID


def test_overpayment_marks_paid_and_overpaid(db_session, make_order, run_import):
    order = make_order("23.00")
    job = run_import((f"CONF-{order.code}", "30.00"))
    assert "Overpaid by 7.00 EUR" in job.transactions[0].comment
    assert _reload(db_session, order).status == Order.STATUS_PAID


def test_unknown_or_missing_code_is_unmatched(db_session, event, make_order, run_import):
    make_order("23.00")
    job = run_import(("CONF-QQQQQ", "23.00"), ("rent january", "23.00"))
    assert [t.state for t in job.transactions] == [BankTransaction.STATE_NOMATCH] * 2
    assert job.count_unmatched == 2
    assert {t.id for t in unmatched_transactions(db_session, event)} == {t.id for t in job.transactions}
    assert {t.id for t in unmatched_transactions(db_session, event.organizer)} == {t.id for t in job.transactions}


def test_duplicate_import(db_session, make_order, run_import):
    order = make_order("23.00")
    rows = ((f"CONF-{order.code}", "23.00"), ("unknown", "5.00"))
    run_import(*rows)
    again = run_import(*rows)
    assert [t.state for t in again.transactions] == [BankTransaction.STATE_DUPLICATE] * 2
    assert again.count_duplicate == 2
    assert len(_reload(db_session, order).payments) == 1


def test_canceled_order_is_an_error(db_session, make_order, run_import):
    order = make_order("23.00", status=Order.STATUS_CANCELED)
    transaction = run_import((f"CONF-{order.code}", "23.00")).transactions[0]
    assert transaction.state == BankTransaction.STATE_ERROR and "canceled" in transaction.comment
    assert _reload(db_session, order).payments == []


def test_paid_order_is_already(db_session, make_order, run_import):
    order = make_order("23.00", status=Order.STATUS_PAID)
    transaction = run_import((f"CONF-{order.code}", "23.00")).transactions[0]
    assert transaction.state == BankTransaction.STATE_ALREADY


def test_expired_order_without_late_payments_is_an_error_and_keeps_a_pending_payment(
        db_session, event, make_order, run_import):
    settings_for(db_session, event).set("payment_term_accept_late", False)
    order = make_order("23.00", status=Order.STATUS_EXPIRED)
    transaction = run_import((f"CONF-{order.code}", "23.00")).transactions[0]
    assert transaction.state == BankTransaction.STATE_ERROR and "late" in transaction.comment
    assert [p.state for p in _reload(db_session, order).payments] == [OrderPayment.PAYMENT_STATE_PENDING]


def test_invalid_lines(run_import):
    job = run_import(("refund", "-5.00"), ("odd", "0.123"), ("broken", "x"))
    assert [t.state for t in job.transactions] == [BankTransaction.STATE_INVALID] * 3
    assert "decimal places" in job.transactions[1].comment and "not an amount" in job.transactions[2].comment
    assert job.count_error == 3


def test_organizer_import_matches_across_active_events(db_session, organizer, make_order, run_import):
    order = make_order("23.00")
    job = run_import((f"CONF-{order.code}", "23.00"), where=organizer)
    assert job.event_id is None and job.transactions[0].state == BankTransaction.STATE_VALID
    assert settings_for(db_session, organizer).get("plugin.banktransfer.csvhint")["amount"] == 3


def test_manual_assignment_and_discard(db_session, make_order, run_import, user):
    order = make_order("23.00")
    job = run_import(("from Jane for the conference", "23.00"), ("spam", "1.00"))
    first, second = job.transactions
    assert assign_transaction(first, order, actor=user) == BankTransaction.STATE_VALID
    assert _reload(db_session, order).status == Order.STATUS_PAID
    with pytest.raises(CommerceError) as info:
        assign_transaction(first, order)
    assert info.value.key == "banktransfer_transaction_closed"
    discard_transaction(second, actor=user)
    assert second.state == BankTransaction.STATE_DISCARDED
    assert unmatched_transactions(db_session, order.event) == []


def test_unreadable_file_stores_nothing(db_session, event, scoped):
    with pytest.raises(CommerceError) as info:
        start_import(db_session, event, b"a;b\n", CsvMapping(date=0, amount="nope", reference=(1,)))
    assert info.value.key == "banktransfer_file_invalid"
    with pytest.raises(CommerceError, match="mt941") as info:
        start_import(db_session, event, b"x", None, file_format="mt941")
    with tenancy.scope(event.organizer_id):
        assert db_session.scalars(select(BankImportJob)).all() == []


def test_mt940_import(db_session, make_order, run_import):
    order = make_order("23.00")
    data = (":20:X\n:25:1/2\n:28C:1/1\n:60F:C240101EUR0,00\n:61:2401150115CR23,00NTRFNONREF//\n"
            f":86:166?00GUTSCHRIFT?20CONF-{order.code}?32JANE DOE\n:62F:C240116EUR23,00\n-\n").encode()
    job = run_import(data=data, fmt="mt940")
    assert job.file_format == "mt940" and job.transactions[0].state == BankTransaction.STATE_VALID
    assert job.transactions[0].payer == "JANE DOE"
