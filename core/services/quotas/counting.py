"""Counting what uses each quota: one aggregate query per source for any number of quotas.

Positions of paid and pending orders are read from the ``product_usage`` counters (:mod:`core.models.usage`), a few
rows per quota whatever the number of orders, plus the changes of the current transaction not yet written to them.
Blocking vouchers, cart positions and waiting list entries are counted with ``GROUP BY quota_id``
over the ``quota_item`` / ``quota_variation`` association tables (``quota_id IN (...)``). Nothing is loaded into
the ORM; the statements use the tables directly, so the quota ids (already scoped to one organizer) are the only
filter needed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, func, literal, or_, select, union_all
from sqlalchemy.orm import Session
from sqlalchemy.sql import ColumnElement, Select

from core.db.base import Base
from core.models.cart import CartPosition
from core.models.quotas import Quota, quota_items, quota_variations
from core.models.usage import Deltas, pending_usage, product_usage
from core.models.vouchers import Voucher

#: The table of waiting list entries, counted once a model defines it.
WAITING_LIST_TABLE = "waiting_list_entry"

_CART = CartPosition.__table__
_QUOTA = Quota.__table__
_VOUCHER = Voucher.__table__
_QI = quota_items
_QV = quota_variations


@dataclass(slots=True)
class QuotaCounts:
    """What uses one quota: the inputs of the availability computation."""

    paid_orders: int = 0
    pending_orders: int = 0
    exited_orders: int = 0
    blocking_vouchers: int = 0
    cart_positions: int = 0
    waiting_list: int = 0


def _real_now(now: dt.datetime | None) -> dt.datetime:
    return now if now is not None else dt.datetime.now(dt.UTC)


def _matching(table: Any, quota_ids: Sequence[int]) -> tuple[Select[Any], Select[Any]]:
    """Two selects of ``table`` rows joined to the quotas they count for: by item (no variation) and by variation.

    ``table`` must have ``item_id``, ``variation_id`` and ``subevent_id``; the quota's date must match.
    """
    by_item = select(_QI.c.quota_id.label("quota_id")).select_from(
        table.join(_QI, and_(_QI.c.item_id == table.c.item_id, table.c.variation_id.is_(None)))
        .join(_QUOTA, _QUOTA.c.id == _QI.c.quota_id)
    ).where(_QI.c.quota_id.in_(quota_ids), table.c.subevent_id.is_not_distinct_from(_QUOTA.c.subevent_id))
    by_variation = select(_QV.c.quota_id.label("quota_id")).select_from(
        table.join(_QV, _QV.c.variation_id == table.c.variation_id).join(_QUOTA, _QUOTA.c.id == _QV.c.quota_id)
    ).where(_QV.c.quota_id.in_(quota_ids), table.c.subevent_id.is_not_distinct_from(_QUOTA.c.subevent_id))
    return by_item, by_variation


def _order_rows(session: Session, quota_ids: Sequence[int]) -> Iterable[tuple[int, int, int]]:
    """``(quota id, paid, pending)`` from the product usage counters, plus this transaction's unwritten changes."""
    usage = product_usage
    subevent = func.coalesce(_QUOTA.c.subevent_id, 0)
    by_item = select(_QI.c.quota_id, func.sum(usage.c.paid), func.sum(usage.c.pending)).select_from(
        usage.join(_QI, and_(_QI.c.item_id == usage.c.item_id, usage.c.variation_id == 0))
        .join(_QUOTA, _QUOTA.c.id == _QI.c.quota_id)
    ).where(_QI.c.quota_id.in_(quota_ids), usage.c.subevent_id == subevent, usage.c.event_id == _QUOTA.c.event_id) \
        .group_by(_QI.c.quota_id)
    by_variation = select(_QV.c.quota_id, func.sum(usage.c.paid), func.sum(usage.c.pending)).select_from(
        usage.join(_QV, _QV.c.variation_id == usage.c.variation_id).join(_QUOTA, _QUOTA.c.id == _QV.c.quota_id)
    ).where(_QV.c.quota_id.in_(quota_ids), usage.c.subevent_id == subevent, usage.c.event_id == _QUOTA.c.event_id) \
        .group_by(_QV.c.quota_id)
    rows: list[tuple[int, int, int]] = [tuple(row) for row in session.execute(union_all(by_item, by_variation))]
    unwritten = pending_usage(session)
    if unwritten:
        rows.extend(_unwritten_rows(session, quota_ids, unwritten))
    return rows


def _unwritten_rows(session: Session, quota_ids: Sequence[int], unwritten: Deltas
                    ) -> Iterable[tuple[int, int, int]]:
    """This transaction's usage changes not yet in the counters, per quota (one query for the quotas' products)."""
    ids = list(quota_ids)
    subevent = func.coalesce(_QUOTA.c.subevent_id, 0)
    items = select(_QI.c.quota_id, _QI.c.item_id, literal(0).label("variation_id"), subevent.label("subevent_id"),
                   _QUOTA.c.event_id).join(_QUOTA, _QUOTA.c.id == _QI.c.quota_id).where(_QI.c.quota_id.in_(ids))
    variations = select(_QV.c.quota_id, literal(0).label("item_id"), _QV.c.variation_id,
                        subevent.label("subevent_id"), _QUOTA.c.event_id) \
        .join(_QUOTA, _QUOTA.c.id == _QV.c.quota_id).where(_QV.c.quota_id.in_(ids))
    by_item: dict[int, list[tuple[int, int, int]]] = {}
    by_variation: dict[int, list[tuple[int, int, int]]] = {}
    for quota_id, item_id, variation_id, subevent_id, event_id in session.execute(union_all(items, variations)):
        target = by_variation.setdefault(variation_id, []) if variation_id else by_item.setdefault(item_id, [])
        target.append((quota_id, subevent_id, event_id))
    for ((item_id, variation_id, subevent_id), event_id), (paid, pending) in unwritten.items():
        targets = by_variation.get(variation_id, []) if variation_id else by_item.get(item_id, [])
        for quota_id, quota_subevent, quota_event in targets:
            if (quota_subevent, quota_event) == (subevent_id, event_id):
                yield quota_id, paid, pending


def _valid_blocking(voucher: Any, now: dt.datetime) -> ColumnElement[bool]:
    return and_(voucher.c.block_quota.is_(True), or_(voucher.c.valid_until.is_(None), voucher.c.valid_until >= now))


def _voucher_rows(session: Session, quota_ids: Sequence[int], now: dt.datetime) -> Iterable[tuple[int, int]]:
    left = _VOUCHER.c.max_usages - _VOUCHER.c.redeemed
    valid = and_(_valid_blocking(_VOUCHER, now), _VOUCHER.c.redeemed < _VOUCHER.c.max_usages)
    by_quota = (
        select(_VOUCHER.c.quota_id.label("quota_id"), func.sum(left).label("n"))
        .where(_VOUCHER.c.quota_id.in_(quota_ids), valid)
        .group_by(_VOUCHER.c.quota_id)
    )
    by_item, by_variation = _matching(_VOUCHER, quota_ids)
    by_item = by_item.add_columns(func.sum(left).label("n")).where(
        valid, _VOUCHER.c.event_id == _QUOTA.c.event_id
    ).group_by(_QI.c.quota_id)
    by_variation = by_variation.add_columns(func.sum(left).label("n")).where(
        valid, _VOUCHER.c.event_id == _QUOTA.c.event_id
    ).group_by(_QV.c.quota_id)
    return session.execute(union_all(by_quota, by_item, by_variation)).all()


def _cart_rows(
    session: Session, quota_ids: Sequence[int], now: dt.datetime, ignore_cart_id: str | None
) -> Iterable[tuple[int, int]]:
    voucher = _VOUCHER.alias("cart_voucher")
    parts = []
    for branch in _matching(_CART, quota_ids):
        query = (
            branch.add_columns(func.count().label("n"))
            .join_from(_CART, voucher, voucher.c.id == _CART.c.voucher_id, isouter=True)
            .where(
                _CART.c.expires >= now,
                _CART.c.event_id == _QUOTA.c.event_id,
                or_(voucher.c.id.is_(None), ~_valid_blocking(voucher, now)),
            )
            .group_by(branch.selected_columns.quota_id)
        )
        if ignore_cart_id is not None:
            query = query.where(_CART.c.cart_id != ignore_cart_id)
        parts.append(query)
    return session.execute(union_all(*parts)).all()


def _waiting_list_rows(session: Session, quota_ids: Sequence[int]) -> Iterable[tuple[int, int]]:
    table = Base.metadata.tables.get(WAITING_LIST_TABLE)
    if table is None:
        return ()
    parts = [
        branch.add_columns(func.count().label("n"))
        .where(table.c.voucher_id.is_(None), table.c.event_id == _QUOTA.c.event_id)
        .group_by(branch.selected_columns.quota_id)
        for branch in _matching(table, quota_ids)
    ]
    return session.execute(union_all(*parts)).all()


def count_usage(
    session: Session,
    quota_ids: Sequence[int],
    *,
    count_waitinglist: bool = True,
    ignore_cart_id: str | None = None,
    now: dt.datetime | None = None,
) -> dict[int, QuotaCounts]:
    """The usage of every quota by source, in one query per source (three or four queries in total)."""
    counts = {quota_id: QuotaCounts() for quota_id in quota_ids}
    if not quota_ids:
        return counts
    ids = sorted(set(quota_ids))
    moment = _real_now(now)
    for quota_id, paid, pending in _order_rows(session, ids):
        counts[quota_id].paid_orders += int(paid or 0)
        counts[quota_id].pending_orders += int(pending or 0)
    for quota_id, n in _voucher_rows(session, ids, moment):
        counts[quota_id].blocking_vouchers += int(n or 0)
    for quota_id, n in _cart_rows(session, ids, moment, ignore_cart_id):
        counts[quota_id].cart_positions += int(n)
    if count_waitinglist:
        for quota_id, n in _waiting_list_rows(session, ids):
            counts[quota_id].waiting_list += int(n)
    return counts
