"""Voucher usage held elsewhere: uses in other carts and the budget spent by pending and paid orders.

Both are read under the voucher's lock by the caller (carts, order placement, the late-payment re-check).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Collection
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.models.cart import CartPosition
from core.models.orders import Order
from core.models.positions import OrderPosition


def held_in_carts(session: Session, voucher_ids: Collection[int], *, now: dt.datetime,
                  cart_id: str | None = None) -> Counter[int]:
    """Unexpired cart positions per voucher, leaving out the cart ``cart_id`` (one query; none without ids)."""
    if not voucher_ids:
        return Counter()
    query = select(CartPosition.voucher_id, func.count()).where(
        CartPosition.voucher_id.in_(voucher_ids), CartPosition.expires >= now).group_by(CartPosition.voucher_id)
    if cart_id is not None:
        query = query.where(CartPosition.cart_id != cart_id)
    return Counter(dict(session.execute(query).all()))


def budget_used(session: Session, voucher_ids: Collection[int], *,
                exclude_order_id: int | None = None) -> dict[int, Decimal]:
    """``{voucher id: sum of voucher_budget_use}`` of the non-canceled positions of pending and paid orders,
    leaving out the order ``exclude_order_id`` (one query; none without ids)."""
    if not voucher_ids:
        return {}
    query = (
        select(OrderPosition.voucher_id, func.coalesce(func.sum(OrderPosition.voucher_budget_use), 0))
        .join(Order, Order.id == OrderPosition.order_id)
        .where(OrderPosition.voucher_id.in_(voucher_ids), OrderPosition.canceled.is_(False),
               Order.status.in_((Order.STATUS_PENDING, Order.STATUS_PAID)))
        .group_by(OrderPosition.voucher_id)
    )
    if exclude_order_id is not None:
        query = query.where(Order.id != exclude_order_id)
    return {voucher_id: Decimal(used) for voucher_id, used in session.execute(query)}
