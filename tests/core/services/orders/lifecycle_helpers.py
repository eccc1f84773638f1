"""Assertions shared by the life-cycle and change tests: the journal, the audit log, the journal invariant."""

from __future__ import annotations

import json
from collections import Counter
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.models import LogEntry, Order, Transaction


def journal(session: Session, order: Order) -> Counter[tuple[Any, ...]]:
    """Net journal content: ``(positionid or fee_type, price, tax_value)`` -> count, zero entries dropped."""
    session.flush()
    rows = session.scalars(select(Transaction).where(Transaction.order_id == order.id))
    content: Counter[tuple[Any, ...]] = Counter()
    for row in rows:
        content[(row.positionid if row.positionid is not None else row.fee_type, row.price, row.tax_value)] += row.count
    return +content


def journal_total(session: Session, order: Order) -> Decimal:
    return sum((key[1] * count for key, count in journal(session, order).items()), Decimal("0.00"))


def expected_journal(order: Order) -> Counter[tuple[Any, ...]]:
    """What the journal must hold for ``order`` now: its active lines if it counts financially, else nothing."""
    if not order.counts_financially:
        return Counter()
    content: Counter[tuple[Any, ...]] = Counter()
    for position in order.positions:
        content[(position.positionid, position.price, position.tax_value)] += 1
    for fee in order.fees:
        content[(fee.fee_type, fee.value, fee.tax_value)] += 1
    return content


def assert_journal_consistent(session: Session, *orders: Order) -> None:
    for order in orders:
        session.flush()
        session.expire(order)
        assert journal(session, order) == expected_journal(order), order.code


def actions(session: Session, order: Order) -> list[str]:
    session.flush()
    return list(session.scalars(
        select(LogEntry.action_type).where(LogEntry.object_type == "orders", LogEntry.object_id == order.id)
        .order_by(LogEntry.id)
    ))


def log_data(session: Session, order: Order, action_type: str) -> dict[str, Any]:
    session.flush()
    raw = session.scalars(
        select(LogEntry.data).where(LogEntry.object_type == "orders", LogEntry.object_id == order.id,
                                    LogEntry.action_type == action_type).order_by(LogEntry.id.desc())
    ).first()
    assert raw is not None, f"no {action_type} entry"
    return json.loads(raw)
