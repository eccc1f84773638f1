"""Counting what uses each quota: one aggregate statement for every source and any number of quotas.

Positions of paid and pending orders are read from the ``product_usage`` counters (:mod:`core.models.usage`), a few
rows per quota whatever the number of orders, plus the changes of the current transaction not yet written to them
(one more query, only while there are such changes). Blocking vouchers, cart positions and waiting list entries are
counted with ``GROUP BY quota_id`` over the ``quota_item`` / ``quota_variation`` association tables. All sources
are parts of **one** ``UNION ALL`` statement, each row tagged with its source; the quotas are selected once, in a
common table expression (``quota.id IN (...)``), that every part joins. The statement is built once per variant
(with or without an ignored cart, with or without the waiting list) and only executed afterwards, so a call costs
one round trip and little Python. Nothing is loaded into the ORM; the statements use the tables directly, so the
quota ids (already scoped to one organizer) are the only filter needed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, bindparam, func, literal, literal_column, or_, select, union_all
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
_ORDERS, _VOUCHERS, _CARTS, _WAITING = range(4)
_STATEMENTS: dict[tuple[bool, bool], Any] = {}


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


def _matching(table: Any, wanted: Any) -> tuple[Select[Any], Select[Any]]:
    """Two selects of ``table`` rows joined to the wanted quotas they count for: by item (no variation) and by
    variation.

    ``table`` must have ``item_id``, ``variation_id``, ``subevent_id`` and ``event_id``; the quota's event and date
    must match.
    """
    same_date = and_(table.c.subevent_id.is_not_distinct_from(wanted.c.subevent_id),
                     table.c.event_id == wanted.c.event_id)
    by_item = select(_QI.c.quota_id.label("quota_id")).select_from(
        table.join(_QI, and_(_QI.c.item_id == table.c.item_id, table.c.variation_id.is_(None)))
        .join(wanted, wanted.c.id == _QI.c.quota_id)
    ).where(same_date)
    by_variation = select(_QV.c.quota_id.label("quota_id")).select_from(
        table.join(_QV, _QV.c.variation_id == table.c.variation_id).join(wanted, wanted.c.id == _QV.c.quota_id)
    ).where(same_date)
    return by_item, by_variation


def _tagged(source: int, branch: Select[Any], first: Any, second: Any = None) -> Select[Any]:
    """``(source, quota id, first, second)`` of ``branch``'s rows, grouped by quota: one part of the statement."""
    quota_id = branch.selected_columns.quota_id
    second = second if second is not None else literal_column("0")
    return branch.with_only_columns(literal_column(str(source)).label("source"), quota_id, first.label("a"),
                                    second.label("b")).group_by(quota_id)


def _usage_statement(ignore_cart: bool, waiting_list: bool) -> Any:
    """The one statement counting every source for the quotas ``:quota_ids`` at ``:now`` (see the module doc).

    Built once per variant and cached; ``:cart_id`` is the ignored cart when ``ignore_cart``.
    """
    key = (ignore_cart, waiting_list)
    statement = _STATEMENTS.get(key)
    if statement is not None:
        return statement
    wanted = select(_QUOTA.c.id, _QUOTA.c.event_id, _QUOTA.c.subevent_id) \
        .where(_QUOTA.c.id.in_(bindparam("quota_ids", expanding=True))).cte("wanted")
    now = bindparam("now", type_=_CART.c.expires.type)
    usage = product_usage
    on_date = and_(usage.c.subevent_id == func.coalesce(wanted.c.subevent_id, 0), usage.c.event_id == wanted.c.event_id)
    orders_by_item = select(_QI.c.quota_id.label("quota_id")).select_from(
        usage.join(_QI, and_(_QI.c.item_id == usage.c.item_id, usage.c.variation_id == 0))
        .join(wanted, wanted.c.id == _QI.c.quota_id)).where(on_date)
    orders_by_variation = select(_QV.c.quota_id.label("quota_id")).select_from(
        usage.join(_QV, _QV.c.variation_id == usage.c.variation_id).join(wanted, wanted.c.id == _QV.c.quota_id)
    ).where(on_date)
    parts = [_tagged(_ORDERS, branch, func.sum(usage.c.paid), func.sum(usage.c.pending))
             for branch in (orders_by_item, orders_by_variation)]
    left = _VOUCHER.c.max_usages - _VOUCHER.c.redeemed
    valid = and_(_valid_blocking(_VOUCHER, now), _VOUCHER.c.redeemed < _VOUCHER.c.max_usages)
    bound = select(_VOUCHER.c.quota_id.label("quota_id")).select_from(
        _VOUCHER.join(wanted, wanted.c.id == _VOUCHER.c.quota_id))
    parts += [_tagged(_VOUCHERS, branch.where(valid), func.sum(left))
              for branch in (bound, *_matching(_VOUCHER, wanted))]
    voucher = _VOUCHER.alias("cart_voucher")
    for branch in _matching(_CART, wanted):
        branch = branch.join_from(_CART, voucher, voucher.c.id == _CART.c.voucher_id, isouter=True).where(
            _CART.c.expires >= now, or_(voucher.c.id.is_(None), ~_valid_blocking(voucher, now)))
        if ignore_cart:
            branch = branch.where(_CART.c.cart_id != bindparam("cart_id"))
        parts.append(_tagged(_CARTS, branch, func.count()))
    table = Base.metadata.tables.get(WAITING_LIST_TABLE)
    if waiting_list and table is not None:
        parts += [_tagged(_WAITING, branch.where(table.c.voucher_id.is_(None)), func.count())
                  for branch in _matching(table, wanted)]
    statement = union_all(*parts)
    _STATEMENTS[key] = statement
    return statement


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


def count_usage(
    session: Session,
    quota_ids: Sequence[int],
    *,
    count_waitinglist: bool = True,
    ignore_cart_id: str | None = None,
    now: dt.datetime | None = None,
) -> dict[int, QuotaCounts]:
    """The usage of every quota by source, in one statement (plus one while this transaction has unwritten
    usage changes)."""
    counts = {quota_id: QuotaCounts() for quota_id in quota_ids}
    if not quota_ids:
        return counts
    ids = sorted(set(quota_ids))
    params: dict[str, Any] = {"quota_ids": ids, "now": _real_now(now)}
    if ignore_cart_id is not None:
        params["cart_id"] = ignore_cart_id
    statement = _usage_statement(ignore_cart_id is not None, count_waitinglist)
    for source, quota_id, first, second in session.connection().execute(statement, params):
        entry = counts[quota_id]
        if source == _ORDERS:
            entry.paid_orders += int(first or 0)
            entry.pending_orders += int(second or 0)
        elif source == _VOUCHERS:
            entry.blocking_vouchers += int(first or 0)
        elif source == _CARTS:
            entry.cart_positions += int(first)
        else:
            entry.waiting_list += int(first)
    unwritten = pending_usage(session)
    if unwritten:
        for quota_id, paid, pending in _unwritten_rows(session, ids, unwritten):
            counts[quota_id].paid_orders += paid
            counts[quota_id].pending_orders += pending
    return counts
