"""The transaction journal and the commit check that keeps it complete.

:class:`Transaction` rows form an append-only financial journal of every order: one row per change of a
position or fee, with ``count`` +1 (now part of the order) or -1 (no longer part of it). Summing ``count`` per key
gives the order's current financial content at any point in time, which accounting exports rely on.

The journal is written by :func:`core.services.transactions.create_transactions`. Forgetting that call after a
money-relevant change is a bug that silently corrupts accounting, so a session hook watches every flush: when an
order enters or leaves the journal-relevant state (pending or paid, not awaiting approval) or a position's or fee's
journal key changes, the order is marked *journal-dirty*; ``create_transactions`` marks it clean. A commit with a
dirty order raises :class:`TransactionJournalError` (or, after ``set_journal_check("log")``, logs an error).

Bulk ``UPDATE`` statements bypass the ORM and therefore this check; code that changes orders in bulk must call
``create_transactions`` itself.
"""

from __future__ import annotations

import datetime as dt
import logging
from decimal import Decimal
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Integer, String, event, inspect
from sqlalchemy.orm import Mapped, Session, SessionTransaction, mapped_column

from core.db.base import Base, BigId, IdPK, TenantMixin
from core.models.orders import Order
from core.models.position_base import TaxRate, utcnow
from core.models.positions import OrderFee, OrderPosition

log = logging.getLogger(__name__)


class TransactionJournalError(RuntimeError):
    """A commit would leave orders whose journal-relevant data changed without new journal rows."""

    def __init__(self, order_ids: set[int]) -> None:
        self.order_ids = frozenset(order_ids)
        listed = ", ".join(str(i) for i in sorted(order_ids))
        super().__init__(
            f"orders {listed} changed status, approval, positions or fees but "
            "core.services.transactions.create_transactions(session, order) was not called afterwards in this "
            "database transaction"
        )


class Transaction(TenantMixin, Base):
    """One journal row: a position (``positionid`` set) or fee (``fee_type`` set) entering (+1) or leaving (-1)."""

    __tablename__ = "order_transaction"

    id: Mapped[IdPK]
    order_id: Mapped[int] = mapped_column(BigId, ForeignKey("orders.id"), index=True)
    created: Mapped[dt.datetime] = mapped_column(default=utcnow)
    datetime: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
    migrated: Mapped[bool] = mapped_column(Boolean, default=False)
    positionid: Mapped[int | None] = mapped_column(Integer)
    count: Mapped[int] = mapped_column(Integer)
    item_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("item.id"), index=True)
    variation_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("item_variation.id"), index=True)
    subevent_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("subevent.id"), index=True)
    price: Mapped[Decimal]
    price_includes_rounding_correction: Mapped[Decimal] = mapped_column(default=Decimal("0.00"))
    tax_rate: Mapped[Decimal] = mapped_column(TaxRate)
    tax_rule_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("tax_rule.id"), index=True)
    tax_value: Mapped[Decimal]
    tax_value_includes_rounding_correction: Mapped[Decimal] = mapped_column(default=Decimal("0.00"))
    fee_type: Mapped[str | None] = mapped_column(String(100))
    internal_type: Mapped[str | None] = mapped_column(String(255))
    tax_code: Mapped[str | None] = mapped_column(String(190))

    def __repr__(self) -> str:
        what = f"pos {self.positionid}" if self.positionid is not None else f"fee {self.fee_type}"
        return f"<Transaction order={self.order_id} {what} {self.count:+d} {self.price}>"


#: Position attributes whose change alters the journal (the key plus membership: ``canceled``, ``order_id``).
POSITION_JOURNAL_ATTRS = (
    "order_id", "positionid", "item_id", "variation_id", "subevent_id", "price", "price_includes_rounding_correction",
    "tax_rate", "tax_rule_id", "tax_value", "tax_value_includes_rounding_correction", "tax_code", "canceled",
)
FEE_JOURNAL_ATTRS = (
    "order_id", "fee_type", "internal_type", "value", "value_includes_rounding_correction", "tax_rate",
    "tax_rule_id", "tax_value", "tax_value_includes_rounding_correction", "tax_code", "canceled",
)

CHECK_RAISE = "raise"
CHECK_LOG = "log"
_check_mode = CHECK_RAISE

_DIRTY = "ticketry.journal_dirty"
_SNAPSHOTS = "ticketry.journal_snapshots"


def set_journal_check(mode: str) -> None:
    """``"raise"`` (default: tests and development) or ``"log"`` (production: log an error, let the commit pass)."""
    global _check_mode
    if mode not in (CHECK_RAISE, CHECK_LOG):
        raise ValueError(f"journal check mode must be {CHECK_RAISE!r} or {CHECK_LOG!r}, got {mode!r}")
    _check_mode = mode


def journal_check_mode() -> str:
    return _check_mode


def dirty_order_ids(session: Session) -> set[int]:
    """Ids of orders in ``session`` whose journal must still be written (a live set; do not modify)."""
    return session.info.setdefault(_DIRTY, set())


def mark_journal_written(session: Session, order_ids: set[int] | list[int]) -> None:
    """Record that the journal of ``order_ids`` is up to date; called by ``create_transactions`` only."""
    dirty_order_ids(session).difference_update(order_ids)


def _counts(status: str | None, require_approval: bool | None) -> bool:
    return status in (Order.STATUS_PENDING, Order.STATUS_PAID) and not require_approval


def _previous(obj: Any, attr: str) -> Any:
    history = inspect(obj).attrs[attr].history
    if history.deleted:
        return history.deleted[0]
    return getattr(obj, attr)


def _order_changed(order: Order) -> bool:
    state = inspect(order)
    if not (state.attrs.status.history.has_changes() or state.attrs.require_approval.history.has_changes()):
        return False
    before = _counts(_previous(order, "status"), _previous(order, "require_approval"))
    return before != order.counts_financially


def _affected_orders(obj: OrderPosition | OrderFee, attrs: tuple[str, ...]) -> set[int]:
    state = inspect(obj)
    if not any(state.attrs[a].history.has_changes() for a in attrs):
        return set()
    return {i for i in (obj.order_id, _previous(obj, "order_id")) if i is not None}


@event.listens_for(Session, "after_flush")
def _track_dirty_orders(session: Session, _context: Any) -> None:
    dirty = dirty_order_ids(session)
    for obj in session.new:
        if isinstance(obj, Order):
            if obj.counts_financially:
                dirty.add(obj.id)
        elif isinstance(obj, OrderPosition | OrderFee):
            dirty.add(obj.order_id)
    for obj in session.dirty:
        if isinstance(obj, Order):
            if _order_changed(obj):
                dirty.add(obj.id)
        elif isinstance(obj, OrderPosition):
            dirty |= _affected_orders(obj, POSITION_JOURNAL_ATTRS)
        elif isinstance(obj, OrderFee):
            dirty |= _affected_orders(obj, FEE_JOURNAL_ATTRS)
    for obj in session.deleted:
        if isinstance(obj, OrderPosition | OrderFee):
            dirty.add(obj.order_id)
        elif isinstance(obj, Order):
            dirty.discard(obj.id)


@event.listens_for(Session, "before_commit")
def _check_journal(session: Session) -> None:
    session.flush()
    dirty = dirty_order_ids(session)
    if not dirty:
        return
    if _check_mode == CHECK_RAISE:
        raise TransactionJournalError(dirty)
    log.error("%s", TransactionJournalError(dirty))


@event.listens_for(Session, "after_commit")
def _forget_after_commit(session: Session) -> None:
    session.info.pop(_DIRTY, None)
    session.info.pop(_SNAPSHOTS, None)


@event.listens_for(Session, "after_transaction_create")
def _snapshot_savepoint(session: Session, transaction: SessionTransaction) -> None:
    if transaction.nested:
        session.info.setdefault(_SNAPSHOTS, {})[id(transaction)] = set(dirty_order_ids(session))


@event.listens_for(Session, "after_soft_rollback")
def _restore_after_rollback(session: Session, previous: SessionTransaction) -> None:
    """A rolled-back savepoint also rolls back the journal rows written in it: restore the marks of its start."""
    if previous.nested:
        snapshot = session.info.get(_SNAPSHOTS, {}).pop(id(previous), None)
        if snapshot is not None:
            session.info[_DIRTY] = snapshot
    elif previous.parent is None:
        session.info.pop(_DIRTY, None)
        session.info.pop(_SNAPSHOTS, None)
