"""Usage counters: how many order positions of each product (item, variation, date) are paid and pending.

Quota availability needs, for every quota, the number of positions of paid and of pending orders that count for it.
Counting them with aggregates over all orders costs time proportional to the number of orders; the table
``product_usage`` keeps the two numbers per *product key* instead, so :mod:`core.services.quotas.counting` reads a
handful of rows whatever the number of orders. The key is the product, not the quota: which products a quota holds
can change at any time without touching the counters.

A position counts (:func:`counted_positions`) when its order is paid or pending, it is not canceled, and it is not
blocked with ``ignore_from_quota_while_blocked``. Its key is ``(item_id, variation_id or 0, subevent_id or 0)`` plus
the order's event.

**Maintenance.** A session hook recomputes the contribution of every order whose counting-relevant data a flush
changes (new, changed or deleted orders and positions): one aggregate query of the order's rows before the flush
and one after it, so the difference is exact whatever the ORM knew of the old values. Orders the flush inserts need
no query: their positions in that flush are new too, and their contribution is read from the objects. The
differences collect in ``session.info`` and are written just before the commit in **one** statement of atomic
increments (``paid = paid + :d``, keys sorted), so the counter rows are locked only for the commit itself and never
before a capacity lock. Until then :func:`pending_usage` gives them to readers in the same transaction. Savepoint
rollbacks restore the differences of the savepoint's start.

Rows written without a flush (:mod:`core.db.direct_insert`, for placed orders) are counted by their writer with
:func:`count_inserted`, from the objects, as the hook counts new orders.

Bulk ``UPDATE``/``DELETE`` statements on orders or positions bypass the hook; code doing that must call
:func:`core.services.quotas.reconcile_quota_usage` for the event afterwards.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    cast,
    event,
    func,
    inspect,
    or_,
    select,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, SessionTransaction
from sqlalchemy.sql import ColumnElement

from core.db.base import Base, BigId
from core.models.orders import Order
from core.models.positions import OrderPosition

#: ``(item_id, variation_id or 0, subevent_id or 0)``.
ProductKey = tuple[int, int, int]
#: ``{(product key, event id): [paid, pending]}`` differences not yet written.
Deltas = dict[tuple[ProductKey, int], list[int]]

product_usage = Table(
    "product_usage",
    Base.metadata,
    Column("item_id", BigId, ForeignKey("item.id", ondelete="CASCADE"), primary_key=True),
    Column("variation_id", BigInteger, primary_key=True, default=0),
    Column("subevent_id", BigInteger, primary_key=True, default=0),
    Column("event_id", BigId, ForeignKey("event.id", ondelete="CASCADE"), primary_key=True),
    Column("paid", Integer, nullable=False, default=0),
    Column("pending", Integer, nullable=False, default=0),
    Index("ix_product_usage_event", "event_id"),
)

_OP = OrderPosition.__table__
_ORDER = Order.__table__
_PENDING = "ticketry.product_usage.pending"
_BEFORE = "ticketry.product_usage.before"
_SNAPSHOTS = "ticketry.product_usage.snapshots"
_ORDER_ATTRS = ("status",)
_POSITION_ATTRS = ("order_id", "order", "item_id", "item", "variation_id", "variation", "subevent_id", "subevent",
                   "canceled", "blocked", "ignore_from_quota_while_blocked")


def counted_positions() -> ColumnElement[bool]:
    """The condition on ``order_position`` joined to ``orders`` for positions that use capacity."""
    blocked_text = func.coalesce(cast(_OP.c.blocked, String), "null")
    return (
        _ORDER.c.status.in_((Order.STATUS_PAID, Order.STATUS_PENDING))
        & _OP.c.canceled.is_(False)
        & or_(_OP.c.ignore_from_quota_while_blocked.is_(False), blocked_text.in_(("null", "[]")))
    )


def usage_rows(session: Session, *, order_ids: Iterable[int] | None = None, event_id: int | None = None
               ) -> list[tuple[int, int, int, int, str, int]]:
    """``(item, variation or 0, date or 0, event, status, count)`` of counted positions, from the database."""
    query = (
        select(_OP.c.item_id, func.coalesce(_OP.c.variation_id, 0), func.coalesce(_OP.c.subevent_id, 0),
               _ORDER.c.event_id, _ORDER.c.status, func.count())
        .select_from(_OP.join(_ORDER, _ORDER.c.id == _OP.c.order_id))
        .where(counted_positions())
        .group_by(_OP.c.item_id, _OP.c.variation_id, _OP.c.subevent_id, _ORDER.c.event_id, _ORDER.c.status)
    )
    if order_ids is not None:
        query = query.where(_OP.c.order_id.in_(sorted(order_ids)))
    if event_id is not None:
        query = query.where(_ORDER.c.event_id == event_id)
    return [tuple(row) for row in session.connection().execute(query)]  # type: ignore[misc]


def _tally(rows: Iterable[tuple[int, int, int, int, str, int]], sign: int, into: Deltas) -> None:
    for item_id, variation_id, subevent_id, event_id, status, number in rows:
        entry = into.setdefault(((int(item_id), int(variation_id), int(subevent_id)), int(event_id)), [0, 0])
        entry[0 if status == Order.STATUS_PAID else 1] += sign * int(number)


def pending_usage(session: Session) -> Deltas:
    """The differences this session's transaction has made but not written yet (a live mapping)."""
    return session.info.setdefault(_PENDING, {})


@contextmanager
def usage_set_apart(session: Session) -> Iterator[Deltas]:
    """Collect the usage changes of the flushes inside the block apart: readers (:func:`pending_usage`, quota
    availability) do not see them until the caller hands them over with :func:`add_usage` (or drops them, e.g.
    after rolling back the savepoint the rows were written in). Yields the mapping that fills up.

    For writing an order's rows before its capacity check, which must not count the order itself. Nothing inside
    the block may commit a savepoint (that would write the counters, own changes included).
    """
    outer = session.info.pop(_PENDING, None)
    apart: Deltas = {}
    session.info[_PENDING] = apart
    try:
        yield apart
    finally:
        if outer is None:
            session.info.pop(_PENDING, None)
        else:
            session.info[_PENDING] = outer


def add_usage(session: Session, deltas: Deltas) -> None:
    """Add usage changes collected by :func:`usage_set_apart` to the transaction's unwritten ones."""
    pending = pending_usage(session)
    for key, (paid, unpaid) in deltas.items():
        entry = pending.setdefault(key, [0, 0])
        entry[0] += paid
        entry[1] += unpaid
        if not entry[0] and not entry[1]:
            del pending[key]


def _changed(state: Any, attrs: tuple[str, ...]) -> bool:
    return any(state.attrs[attr].history.has_changes() for attr in attrs)


def _order_id_of(position: OrderPosition) -> int | None:
    if position.order_id is not None:
        return position.order_id
    order = position.order
    return order.id if order is not None else None


def _touched_orders(session: Session) -> set[int]:
    """Ids of already stored orders whose counted positions this flush may change."""
    touched: set[int] = set()
    for obj in session.new:
        if isinstance(obj, OrderPosition):
            touched.add(_order_id_of(obj))  # type: ignore[arg-type]
    for obj in session.dirty:
        if isinstance(obj, Order) and _changed(inspect(obj), _ORDER_ATTRS):
            touched.add(obj.id)
        elif isinstance(obj, OrderPosition) and _changed(inspect(obj), _POSITION_ATTRS):
            state = inspect(obj)
            touched.update(state.attrs.order_id.history.deleted)
            touched.update(getattr(order, "id", None) for order in state.attrs.order.history.deleted)
            touched.update((obj.order_id, getattr(obj.order, "id", None)))
    for obj in session.deleted:
        if isinstance(obj, OrderPosition):
            touched.add(obj.order_id)
        elif isinstance(obj, Order):
            touched.add(obj.id)
    touched.discard(None)  # type: ignore[arg-type]
    return touched


@event.listens_for(Session, "before_flush")
def _before_flush(session: Session, _context: Any, _instances: Any) -> None:
    existing = _touched_orders(session)
    session.info[_BEFORE] = (existing, usage_rows(session, order_ids=existing) if existing else [])


def _row_of(order: Order, position: OrderPosition) -> tuple[int, int, int, int, str, int] | bool | None:
    """The :func:`usage_rows` row of a new position from the objects: the row, ``None`` when it does not count,
    ``False`` when the values in memory do not tell."""
    values, status = inspect(position).dict, inspect(order).dict.get("status")
    if status is None or "canceled" not in values or "ignore_from_quota_while_blocked" not in values:
        return False
    blocked = values["ignore_from_quota_while_blocked"] and values.get("blocked") not in (None, [])
    if status in (Order.STATUS_PAID, Order.STATUS_PENDING) and not values["canceled"] and not blocked:
        return (values["item_id"], values.get("variation_id") or 0, values.get("subevent_id") or 0, order.event_id,
                status, 1)
    return None


def _new_order_rows(session: Session, orders: dict[int, Order]) -> tuple[list[tuple[int, int, int, int, str, int]],
                                                                         set[int]]:
    """The :func:`usage_rows` of ``orders`` (all inserted by this flush, so all their positions are new too), from
    the objects themselves; plus the ids of orders whose values are not all known in memory (to be queried)."""
    rows: list[tuple[int, int, int, int, str, int]] = []
    unknown: set[int] = set()
    for obj in session.new:
        if not isinstance(obj, OrderPosition) or obj.order_id not in orders:
            continue
        order = orders[obj.order_id]
        row = _row_of(order, obj)
        if row is False:
            unknown.add(order.id)
        elif row is not None:
            rows.append(row)  # type: ignore[arg-type]
    return rows, unknown


def count_inserted(session: Session, order: Order, positions: Iterable[OrderPosition]) -> None:
    """Count a new order that was written without a flush (:func:`core.db.direct_insert.insert_new`), as the flush
    hook counts a flushed one: its positions' usage joins the transaction's unwritten differences."""
    rows = [_row_of(order, position) for position in positions]
    if any(row is False for row in rows):
        rows = usage_rows(session, order_ids=[order.id])  # type: ignore[assignment]
    _tally([row for row in rows if row], 1, pending_usage(session))  # type: ignore[misc]


@event.listens_for(Session, "after_flush")
def _after_flush(session: Session, _context: Any) -> None:
    before_ids, before_rows = session.info.pop(_BEFORE, (set(), []))
    orders = set(before_ids)
    new_orders = {obj.id: obj for obj in session.new if isinstance(obj, Order)}
    for obj in session.new:
        if isinstance(obj, OrderPosition) and obj.order_id not in new_orders:
            orders.add(obj.order_id)
    if not orders and not new_orders:
        return
    deltas = pending_usage(session)
    _tally(before_rows, -1, deltas)
    rows, unknown = _new_order_rows(session, new_orders)
    _tally(rows, 1, deltas)
    orders |= unknown
    if orders:
        _tally(usage_rows(session, order_ids=orders), 1, deltas)
    for key in [key for key, (paid, pending) in deltas.items() if not paid and not pending]:
        del deltas[key]


@lru_cache(maxsize=4)
def _upsert(dialect: str) -> Any:
    """The counter upsert of ``dialect``, built once (it is written in the locked section of every order)."""
    module = postgresql if dialect == "postgresql" else sqlite
    statement = module.insert(product_usage)
    return statement.on_conflict_do_update(
        index_elements=["item_id", "variation_id", "subevent_id", "event_id"],
        set_={"paid": product_usage.c.paid + statement.excluded.paid,
              "pending": product_usage.c.pending + statement.excluded.pending},
    )


def write_usage(session: Session) -> None:
    """Write the pending differences (one statement, sorted keys) and forget them."""
    deltas = session.info.pop(_PENDING, None)
    if not deltas:
        return
    rows = [
        {"item_id": key[0], "variation_id": key[1], "subevent_id": key[2], "event_id": event_id, "paid": paid,
         "pending": pending}
        for (key, event_id), (paid, pending) in sorted(deltas.items())
    ]
    connection = session.connection()
    connection.execute(_upsert(connection.dialect.name), rows)


@event.listens_for(Session, "before_commit")
def _write_before_commit(session: Session) -> None:
    session.flush()
    write_usage(session)


@event.listens_for(Session, "after_transaction_create")
def _snapshot_savepoint(session: Session, transaction: SessionTransaction) -> None:
    if transaction.nested:
        snapshot = {key: list(value) for key, value in pending_usage(session).items()}
        session.info.setdefault(_SNAPSHOTS, {})[id(transaction)] = snapshot


@event.listens_for(Session, "after_soft_rollback")
def _restore_after_rollback(session: Session, previous: SessionTransaction) -> None:
    """A rolled-back savepoint rolls back its positions too: restore the differences of its start."""
    if previous.nested:
        snapshot = session.info.get(_SNAPSHOTS, {}).pop(id(previous), None)
        if snapshot is not None:
            session.info[_PENDING] = snapshot
    elif previous.parent is None:
        session.info.pop(_PENDING, None)
        session.info.pop(_SNAPSHOTS, None)


@event.listens_for(Session, "after_commit")
def _forget_after_commit(session: Session) -> None:
    session.info.pop(_PENDING, None)
    session.info.pop(_SNAPSHOTS, None)

