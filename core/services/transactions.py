"""Writing the transaction journal: the difference between an order's financial content and its journal.

Call :func:`create_transactions` after every change of an order's status, approval flag, positions or fees, in the
same database transaction (the commit check in :mod:`core.models.transactions` fails commits that forget it).
It costs a constant number of statements however many positions the orders have: one select of positions, one of
fees, one aggregated select of the existing journal and one bulk insert; for an order just created with its
positions and fees at hand, only the insert.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from core.db.tenancy import scope
from core.models.orders import Order
from core.models.position_base import utcnow
from core.models.positions import OrderFee, OrderPosition
from core.models.transactions import Transaction, mark_journal_written

#: Journal key columns, in the order of the key tuples below.
KEY_COLUMNS = (
    "positionid", "item_id", "variation_id", "subevent_id", "price", "price_includes_rounding_correction",
    "tax_rate", "tax_rule_id", "tax_value", "tax_value_includes_rounding_correction", "fee_type", "internal_type",
    "tax_code",
)
_MONEY_COLUMNS = frozenset(
    {"price", "price_includes_rounding_correction", "tax_value", "tax_value_includes_rounding_correction"}
)
_CENT = Decimal("0.01")
_RATE = Decimal("0.0001")

Key = tuple[Any, ...]
#: ``{order id: (all its positions, all its fees)}`` known to the caller.
Contents = Mapping[int, tuple[Sequence[OrderPosition], Sequence[OrderFee]]]


def _normalise(column: str, value: Any) -> Any:
    if value is None:
        return None
    if column in _MONEY_COLUMNS:
        return Decimal(value).quantize(_CENT, rounding=ROUND_HALF_UP)
    if column == "tax_rate":
        return Decimal(value).quantize(_RATE, rounding=ROUND_HALF_UP)
    return value


def _key(values: Sequence[Any]) -> Key:
    return tuple(_normalise(c, v) for c, v in zip(KEY_COLUMNS, values, strict=True))


def position_key(position: OrderPosition) -> Key:
    """The journal key of a position: what it is, for which price and with which tax."""
    return _key((
        position.positionid, position.item_id, position.variation_id, position.subevent_id, position.price,
        position.price_includes_rounding_correction, position.tax_rate, position.tax_rule_id, position.tax_value,
        position.tax_value_includes_rounding_correction, None, None, position.tax_code,
    ))


def fee_key(fee: OrderFee) -> Key:
    """The journal key of a fee: its type, value and tax."""
    return _key((
        None, None, None, None, fee.value, fee.value_includes_rounding_correction, fee.tax_rate, fee.tax_rule_id,
        fee.tax_value, fee.tax_value_includes_rounding_correction, fee.fee_type, fee.internal_type, fee.tax_code,
    ))


def _sort_key(key: Key) -> tuple[Any, ...]:
    """Stable row order within removals and within additions: fees (no ``positionid``) first, then positions."""
    return tuple((value is not None, "" if value is None else value) for value in key)


def _targets(session: Session, orders: list[Order], contents: Contents | None) -> dict[int, Counter[Key]]:
    targets: dict[int, Counter[Key]] = {o.id: Counter() for o in orders}
    counting = [o.id for o in orders if o.counts_financially]
    if not counting:
        return targets
    if contents is not None:
        for order in orders:
            if order.counts_financially:
                positions, fees = contents[order.id]
                targets[order.id].update(position_key(p) for p in positions if not p.canceled)
                targets[order.id].update(fee_key(f) for f in fees if not f.canceled)
        return targets
    positions = session.scalars(
        select(OrderPosition).where(OrderPosition.order_id.in_(counting), OrderPosition.canceled.is_(False))
    )
    for position in positions:
        targets[position.order_id][position_key(position)] += 1
    fees = session.scalars(select(OrderFee).where(OrderFee.order_id.in_(counting), OrderFee.canceled.is_(False)))
    for fee in fees:
        targets[fee.order_id][fee_key(fee)] += 1
    return targets


def _journal(session: Session, order_ids: list[int]) -> dict[int, Counter[Key]]:
    columns = [getattr(Transaction, c) for c in KEY_COLUMNS]
    rows = session.execute(
        select(Transaction.order_id, *columns, func.sum(Transaction.count))
        .where(Transaction.order_id.in_(order_ids))
        .group_by(Transaction.order_id, *columns)
    )
    journal: dict[int, Counter[Key]] = {i: Counter() for i in order_ids}
    for order_id, *values, total in rows:
        if total:
            journal[order_id][_key(values)] += int(total)
    return journal


def create_transactions_bulk(
    session: Session, orders: Iterable[Order], *, now: dt.datetime | None = None, is_new: bool = False,
    contents: Contents | None = None,
) -> int:
    """Bring the journal of ``orders`` up to date; returns the number of rows written.

    For each order the target content is one entry per non-canceled position and fee if the order is pending or
    paid and not awaiting approval, else nothing. Every key whose target count differs from the journal's sum gets
    that many rows of ``count`` +1 or -1, dated ``now`` (default: the current real time). ``is_new=True`` (orders
    created in this transaction) skips reading the journal, which is empty then. ``contents`` maps each order id to
    all its ``(positions, fees)`` when the caller has them (an order it just created): they are not read back.
    """
    orders = list(orders)
    if not orders:
        return 0
    session.flush()
    stamp = now or utcnow()
    rows: list[dict[str, Any]] = []
    organizer_ids = {o.organizer_id for o in orders}
    if len(organizer_ids) != 1:
        raise ValueError("create_transactions_bulk needs orders of one organizer")
    with scope(organizer_ids.pop()):
        targets = _targets(session, orders, contents)
        ids = [o.id for o in orders]
        journal = {i: Counter() for i in ids} if is_new else _journal(session, ids)
        for order in orders:
            target, existing = targets[order.id], journal[order.id]
            deltas = [(target[key] - existing[key], key) for key in target.keys() | existing.keys()]
            for delta, key in sorted(deltas, key=lambda d: (d[0] > 0, _sort_key(d[1]))):
                sign = 1 if delta > 0 else -1
                row = dict(zip(KEY_COLUMNS, key, strict=True))
                row.update(order_id=order.id, organizer_id=order.organizer_id, datetime=stamp, created=stamp,
                           count=sign)
                rows.extend(dict(row) for _ in range(abs(delta)))
        if rows:
            session.execute(insert(Transaction.__table__), rows)
    mark_journal_written(session, [o.id for o in orders])
    return len(rows)


def create_transactions(
    session: Session, order: Order, *, now: dt.datetime | None = None, is_new: bool = False,
    contents: tuple[Sequence[OrderPosition], Sequence[OrderFee]] | None = None,
) -> int:
    """Bring the journal of one order up to date; see :func:`create_transactions_bulk` (``contents``: all the
    order's positions and fees, when the caller has them)."""
    return create_transactions_bulk(session, [order], now=now, is_new=is_new,
                                    contents=None if contents is None else {order.id: contents})
