"""Capacity of an order to be placed: the shared plan of :mod:`core.services.positions`, locked and checked.

Only what shrinks is locked (pretix-behaviour.md 2.3), in one :func:`core.locking.lock_objects` call. Capacity is
taken anew when the order has a direct line or a cart line whose reservation ends within
:data:`~core.services.positions.LOCK_TRUST_WINDOW`; then the limited quotas of the lines (less what their vouchers
bypass, see :func:`~core.services.positions.plan_capacity`) and the lines' vouchers (their usage) are locked and
checked. A checkout whose cart lines are all valid for longer needs neither. Vouchers with a budget are locked
always (carts do not guarantee budgets). ``force`` skips the quota and usage locks and checks.

After the locks every check reads fresh rows: quota availability ignoring the order's own cart (each line with its
bundled lines fits as a whole, ``unavailable`` / ``in_part``), voucher usage as ``max_usages - redeemed - uses in
other unexpired carts``, and budgets from pending and paid orders.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.locking import lock_objects
from core.models.vouchers import Voucher
from core.services.errors import OrderError
from core.services.orders.placing.lines import Line
from core.services.positions import (
    budget_used,
    check_voucher_min_usages,
    check_voucher_usage,
    held_in_carts,
    needs_recheck,
    plan_capacity,
)


def _groups(lines: Sequence[Line]) -> list[list[Line]]:
    """Each line followed by its bundled lines (a bundle fits as a whole or not at all)."""
    bundled: dict[int, list[Line]] = {}
    for line in lines:
        if line.is_bundled and line.addon_to is not None:
            bundled.setdefault(line.addon_to, []).append(line)
    return [[line, *bundled.get(index, [])] for index, line in enumerate(lines)
            if not (line.is_bundled and line.addon_to is not None)]


class OrderCapacity:
    """What an order takes: the shared :class:`~core.services.positions.CapacityPlan` and its vouchers."""

    def __init__(self, session: Session, event: Any, lines: Sequence[Line], now: dt.datetime, *,
                 force: bool) -> None:
        self.plan = plan_capacity(session, event, _groups(lines))
        self.recheck = not force and any(
            needs_recheck(line.cart.expires if line.cart is not None else None, now) for line in lines)
        vouchers = {line.voucher.id: line.voucher for line in lines if line.voucher is not None}
        self.vouchers = [vouchers[i] for i in sorted(vouchers)]
        self.usage_vouchers = self.vouchers if self.recheck else []
        self.budget_vouchers = [v for v in self.vouchers if v.budget is not None]
        self.voucher_uses: Counter[int] = Counter(line.voucher.id for line in lines if line.voucher is not None)

    def lock(self, session: Session) -> None:
        """Take the exclusive locks of everything this order reduces (no call at all if nothing shrinks)."""
        exclusive: list[object] = list(self.plan.lockables()) if self.recheck else []
        exclusive.extend({v.id: v for v in (*self.usage_vouchers, *self.budget_vouchers)}.values())
        if exclusive:
            lock_objects(session, exclusive=exclusive)

    def refresh_vouchers(self, session: Session) -> None:
        """Re-read the locked vouchers (another transaction may have redeemed them meanwhile)."""
        ids = {v.id for v in (*self.usage_vouchers, *self.budget_vouchers)}
        if ids:
            list(session.scalars(select(Voucher).where(Voucher.id.in_(ids))
                                 .execution_options(populate_existing=True)))

    def check_voucher_usage(self, session: Session, cart_id: str | None, now: dt.datetime) -> None:
        """``voucher_redeemed`` (``_cart``, ``_partial``) if a checked voucher has fewer uses left than needed."""
        held = held_in_carts(session, [v.id for v in self.usage_vouchers], now=now, cart_id=cart_id)
        for voucher in self.usage_vouchers:
            check_voucher_usage(voucher, in_this_cart=self.voucher_uses[voucher.id], in_other_carts=held[voucher.id],
                                error=OrderError)

    def check_quotas(self, session: Session, cart_id: str | None) -> None:
        """``unavailable`` (nothing fits) or ``in_part`` (only some lines do) when capacity is taken anew."""
        if self.recheck:
            self.plan.check(session, ignore_cart_id=cart_id, error=OrderError)

    def check_min_usages(self) -> None:
        """``voucher_min_usages``: every voucher is used at least as often as its minimum still requires."""
        for voucher in self.vouchers:
            check_voucher_min_usages(voucher, self.voucher_uses[voucher.id], error=OrderError)

    def budget_left(self, session: Session) -> dict[int, Decimal]:
        """``{voucher id: unused budget}`` of the budget vouchers, from pending and paid orders (one query)."""
        used = budget_used(session, [v.id for v in self.budget_vouchers])
        return {v.id: v.budget - used.get(v.id, Decimal("0")) for v in self.budget_vouchers}
