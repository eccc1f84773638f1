"""The transaction journal: minimal difference rows, constant statement count, and the commit check."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pytest
import transaction
from sqlalchemy import Connection, event, select
from sqlalchemy.orm import Session

from core.db.tenancy import scope
from core.models import Order, OrderFee, OrderPosition, Transaction
from core.models.transactions import TransactionJournalError, journal_check_mode, set_journal_check
from core.services.transactions import create_transactions, create_transactions_bulk
from tests.core.models.test_orders import make_catalogue, make_order


@pytest.fixture
def catalogue(db_session: Session, event: Any) -> SimpleNamespace:
    return make_catalogue(db_session, event)


@pytest.fixture
def scoped(event: Any) -> Iterator[None]:
    with scope(event.organizer_id):
        yield


def _journal(session: Session, order: Order) -> list[tuple[Any, ...]]:
    rows = session.scalars(select(Transaction).where(Transaction.order_id == order.id).order_by(Transaction.id))
    return [(t.positionid, t.fee_type, t.price, t.count) for t in rows]


def _content(session: Session, order: Order) -> dict[tuple[Any, ...], int]:
    """The journal summed per (positionid, fee_type, price): the order's financial content it describes."""
    summed: dict[tuple[Any, ...], int] = {}
    for positionid, fee_type, price, count in _journal(session, order):
        key = (positionid, fee_type, price)
        summed[key] = summed.get(key, 0) + count
    return {k: v for k, v in summed.items() if v}


def _commit_and_reopen(tm: transaction.TransactionManager, session: Session, order: Order) -> Order:
    tm.commit()
    tm.begin()
    return session.get(Order, order.id)


@pytest.mark.usefixtures("scoped")
def test_forgetting_create_transactions_fails_the_commit(
    db_session: Session, tm: transaction.TransactionManager, event: Any, catalogue: SimpleNamespace
) -> None:
    order = make_order(db_session, event, catalogue, journal=False)
    with pytest.raises(TransactionJournalError, match=rf"orders {order.id} changed .*create_transactions"):
        tm.commit()
    tm.abort()


@pytest.mark.usefixtures("scoped")
def test_calling_create_transactions_lets_the_commit_pass(
    db_session: Session, tm: transaction.TransactionManager, event: Any, catalogue: SimpleNamespace
) -> None:
    order = make_order(db_session, event, catalogue, prices=("23.00", "10.00"))
    order = _commit_and_reopen(tm, db_session, order)
    assert _journal(db_session, order) == [(1, None, Decimal("23.00"), 1), (2, None, Decimal("10.00"), 1)]
    row = db_session.scalars(select(Transaction).where(Transaction.positionid == 1)).one()
    assert (row.item_id, row.tax_rule_id, row.tax_rate, row.tax_value) == (
        catalogue.ticket.id, catalogue.tax.id, Decimal("19"), Decimal("3.67")
    )
    assert row.organizer_id == event.organizer_id


@pytest.mark.usefixtures("scoped")
def test_price_change_writes_exactly_one_minus_and_one_plus_row(
    db_session: Session, tm: transaction.TransactionManager, event: Any, catalogue: SimpleNamespace
) -> None:
    order = _commit_and_reopen(tm, db_session, make_order(db_session, event, catalogue, prices=("23.00", "10.00")))
    order.all_positions[0].price = Decimal("20.00")
    with pytest.raises(TransactionJournalError):
        tm.commit()
    tm.abort()
    tm.begin()
    order = db_session.get(Order, order.id)
    order.all_positions[0].price = Decimal("20.00")
    assert create_transactions(db_session, order) == 2
    order = _commit_and_reopen(tm, db_session, order)
    assert _journal(db_session, order)[2:] == [(1, None, Decimal("23.00"), -1), (1, None, Decimal("20.00"), 1)]
    assert _content(db_session, order) == {(1, None, Decimal("20.00")): 1, (2, None, Decimal("10.00")): 1}


@pytest.mark.usefixtures("scoped")
def test_nothing_changed_writes_nothing(db_session: Session, event: Any, catalogue: SimpleNamespace) -> None:
    order = make_order(db_session, event, catalogue, prices=("23.00", "10.00"))
    assert create_transactions(db_session, order) == 0
    assert len(_journal(db_session, order)) == 2


@pytest.mark.usefixtures("scoped")
def test_cancel_writes_minus_rows_for_positions_and_fees(
    db_session: Session, tm: transaction.TransactionManager, event: Any, catalogue: SimpleNamespace
) -> None:
    order = make_order(db_session, event, catalogue, prices=("23.00", "10.00"))
    db_session.add(OrderFee(order=order, fee_type=OrderFee.FEE_TYPE_SERVICE, value=Decimal("1.50")))
    db_session.flush()
    assert create_transactions(db_session, order) == 1
    order = _commit_and_reopen(tm, db_session, order)
    order.status = Order.STATUS_CANCELED
    assert create_transactions(db_session, order) == 3
    order = _commit_and_reopen(tm, db_session, order)
    assert _journal(db_session, order)[3:] == [
        (None, "service", Decimal("1.50"), -1), (1, None, Decimal("23.00"), -1), (2, None, Decimal("10.00"), -1)
    ]
    assert _content(db_session, order) == {}


@pytest.mark.usefixtures("scoped")
def test_cancel_with_fee_keeps_only_the_fee(db_session: Session, event: Any, catalogue: SimpleNamespace) -> None:
    order = make_order(db_session, event, catalogue, prices=("23.00", "10.00"))
    for position in order.all_positions:
        position.canceled = True
    db_session.add(OrderFee(order=order, fee_type=OrderFee.FEE_TYPE_CANCELLATION, value=Decimal("5.00")))
    assert create_transactions(db_session, order) == 3
    assert _content(db_session, order) == {(None, "cancellation", Decimal("5.00")): 1}


@pytest.mark.usefixtures("scoped")
def test_status_change_within_pending_and_paid_needs_no_journal(
    db_session: Session, tm: transaction.TransactionManager, event: Any, catalogue: SimpleNamespace
) -> None:
    order = _commit_and_reopen(tm, db_session, make_order(db_session, event, catalogue))
    order.status = Order.STATUS_PAID
    order.email = "buyer@example.org"
    order.all_positions[0].attendee_email = "guest@example.org"
    tm.commit()


@pytest.mark.usefixtures("scoped")
def test_expiry_is_a_journal_change(
    db_session: Session, tm: transaction.TransactionManager, event: Any, catalogue: SimpleNamespace
) -> None:
    order = _commit_and_reopen(tm, db_session, make_order(db_session, event, catalogue))
    order.status = Order.STATUS_EXPIRED
    with pytest.raises(TransactionJournalError):
        tm.commit()
    tm.abort()


@pytest.mark.usefixtures("scoped")
def test_approval_brings_the_order_into_the_journal(
    db_session: Session, tm: transaction.TransactionManager, event: Any, catalogue: SimpleNamespace
) -> None:
    order = make_order(db_session, event, catalogue, require_approval=True)
    assert _journal(db_session, order) == []
    order = _commit_and_reopen(tm, db_session, order)
    order.require_approval = False
    with pytest.raises(TransactionJournalError):
        tm.commit()
    tm.abort()
    tm.begin()
    order = db_session.get(Order, order.id)
    order.require_approval = False
    assert create_transactions(db_session, order) == 1
    tm.commit()


@pytest.mark.usefixtures("scoped")
def test_moving_a_position_marks_both_orders(
    db_session: Session, tm: transaction.TransactionManager, event: Any, catalogue: SimpleNamespace
) -> None:
    source = make_order(db_session, event, catalogue, code="SRC01", prices=("23.00", "10.00"))
    target = make_order(db_session, event, catalogue, code="DST01", prices=())
    moved = source.all_positions[1]
    moved.order = target
    moved.positionid = 1
    create_transactions(db_session, target)
    with pytest.raises(TransactionJournalError, match=rf"orders {source.id} "):
        tm.commit()
    tm.abort()


@pytest.mark.usefixtures("scoped")
def test_split_journal(db_session: Session, event: Any, catalogue: SimpleNamespace) -> None:
    source = make_order(db_session, event, catalogue, code="SRC01", prices=("23.00", "10.00"))
    target = make_order(db_session, event, catalogue, code="DST01", prices=())
    moved = source.all_positions[1]
    moved.order = target
    moved.positionid = 1
    assert create_transactions_bulk(db_session, [source, target]) == 2
    assert _content(db_session, source) == {(1, None, Decimal("23.00")): 1}
    assert _content(db_session, target) == {(1, None, Decimal("10.00")): 1}


@pytest.mark.usefixtures("scoped")
def test_savepoint_rollback_undoes_the_journal_mark(
    db_session: Session, tm: transaction.TransactionManager, event: Any, catalogue: SimpleNamespace
) -> None:
    order = _commit_and_reopen(tm, db_session, make_order(db_session, event, catalogue))
    order.all_positions[0].price = Decimal("1.00")
    db_session.flush()
    savepoint = db_session.begin_nested()
    create_transactions(db_session, order)
    savepoint.rollback()
    with pytest.raises(TransactionJournalError):
        tm.commit()
    tm.abort()


@pytest.mark.usefixtures("scoped")
def test_log_mode_logs_instead_of_raising(
    db_session: Session, tm: transaction.TransactionManager, event: Any, catalogue: SimpleNamespace,
    caplog: pytest.LogCaptureFixture,
) -> None:
    make_order(db_session, event, catalogue, journal=False)
    set_journal_check("log")
    try:
        with caplog.at_level(logging.ERROR, logger="core.models.transactions"):
            tm.commit()
    finally:
        set_journal_check("raise")
    assert "create_transactions" in caplog.text
    assert journal_check_mode() == "raise"
    with pytest.raises(ValueError, match="'raise' or 'log'"):
        set_journal_check("ignore")


def _count_statements(connection: Connection, work: Any) -> int:
    statements: list[str] = []

    def count(*args: Any) -> None:
        statements.append(args[2])

    event.listen(connection, "before_cursor_execute", count)
    try:
        work()
    finally:
        event.remove(connection, "before_cursor_execute", count)
    return len(statements)


@pytest.mark.usefixtures("scoped")
@pytest.mark.parametrize("is_new", [False, True])
def test_statement_count_does_not_grow_with_positions(
    db_session: Session, connection: Connection, event: Any, catalogue: SimpleNamespace, is_new: bool
) -> None:
    counts = {}
    for size in (10, 100):
        order = make_order(db_session, event, catalogue, code=f"BULK{size}", prices=("5.00",) * size, journal=False)
        db_session.add(OrderFee(order=order, fee_type=OrderFee.FEE_TYPE_SHIPPING, value=Decimal("4.90")))
        db_session.flush()
        counts[size] = _count_statements(connection, lambda o=order: create_transactions(db_session, o, is_new=is_new))
        assert len(_journal(db_session, order)) == size + 1
    assert counts[10] == counts[100] <= (3 if is_new else 4)


@pytest.mark.usefixtures("scoped")
def test_canceled_orders_cost_one_select_and_one_insert(
    db_session: Session, connection: Connection, event: Any, catalogue: SimpleNamespace
) -> None:
    order = make_order(db_session, event, catalogue, prices=("5.00",) * 50)
    order.status = Order.STATUS_CANCELED
    db_session.flush()
    assert _count_statements(connection, lambda: create_transactions(db_session, order)) == 2
    assert _content(db_session, order) == {}


@pytest.mark.usefixtures("scoped")
def test_key_includes_tax_and_rounding(db_session: Session, event: Any, catalogue: SimpleNamespace) -> None:
    order = make_order(db_session, event, catalogue)
    position: OrderPosition = order.all_positions[0]
    position.tax_rate = Decimal("7")
    assert create_transactions(db_session, order) == 2
    position.price_includes_rounding_correction = Decimal("0.01")
    assert create_transactions(db_session, order) == 2
    position.tax_code = "S/reduced"
    assert create_transactions(db_session, order) == 2
    position.attendee_email = "x@example.org"
    assert create_transactions(db_session, order) == 0


@pytest.mark.usefixtures("scoped")
def test_fee_changes_and_deleted_positions_are_journal_changes(
    db_session: Session, tm: transaction.TransactionManager, event: Any, catalogue: SimpleNamespace
) -> None:
    order = make_order(db_session, event, catalogue, prices=("23.00", "10.00"))
    fee = OrderFee(order=order, fee_type=OrderFee.FEE_TYPE_PAYMENT, value=Decimal("2.00"), internal_type="manual")
    db_session.add(fee)
    create_transactions(db_session, order)
    order = _commit_and_reopen(tm, db_session, order)
    order.all_fees[0].value = Decimal("2.50")
    db_session.delete(order.all_positions[1])
    with pytest.raises(TransactionJournalError):
        tm.commit()
    tm.abort()
    tm.begin()
    order = db_session.get(Order, order.id)
    order.all_fees[0].value = Decimal("2.50")
    db_session.delete(order.all_positions[1])
    assert create_transactions(db_session, order) == 3
    assert _content(db_session, order) == {(1, None, Decimal("23.00")): 1, (None, "payment", Decimal("2.50")): 1}
    tm.commit()


@pytest.mark.usefixtures("scoped")
def test_rows_carry_the_given_time(db_session: Session, event: Any, catalogue: SimpleNamespace) -> None:
    stamp = datetime(2031, 5, 1, 12, 0, tzinfo=UTC)
    order = make_order(db_session, event, catalogue, journal=False)
    create_transactions(db_session, order, now=stamp)
    row = db_session.scalars(select(Transaction).where(Transaction.order_id == order.id)).one()
    assert row.datetime.replace(tzinfo=row.datetime.tzinfo or UTC) == stamp  # SQLite drops the zone
    assert row.count == 1 and row.migrated is False


def test_bulk_refuses_orders_of_several_organizers(db_session: Session) -> None:
    orders = [SimpleNamespace(organizer_id=1), SimpleNamespace(organizer_id=2)]
    with pytest.raises(ValueError, match="one organizer"):
        create_transactions_bulk(db_session, orders)  # type: ignore[arg-type]
    assert create_transactions_bulk(db_session, []) == 0
