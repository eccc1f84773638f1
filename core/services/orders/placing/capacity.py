"""Capacity of an order to be placed: which quotas and vouchers it takes, locking them, checking them.

Only what shrinks is locked (pretix-behaviour.md 2.3), in one :func:`core.locking.lock_objects` call:

* the limited quotas of every line that needs a quota check: direct lines always; cart lines whose reservation
  ends within :data:`LOCK_TRUST_WINDOW` (a reservation that is still valid for longer holds its capacity, and the
  transaction ends long before it runs out). Lines with an ``allow_ignore_quota`` voucher skip quotas; lines with
  a ``block_quota`` voucher skip the voucher's quota (all quotas if the voucher is not bound to one), since the
  voucher already reserved that place;
* the vouchers of those lines (their usage), and every voucher with a budget (carts do not guarantee budgets).

After the locks every check reads fresh rows: quota availability through :func:`core.services.quotas.availability`
(ignoring the order's own cart; a checked quota must fit *all* lines of the order that use it), voucher usage as
``max_usages - redeemed - uses in other unexpired carts``, and budgets as the sum of ``voucher_budget_use`` of
pending and paid orders.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.locking import lock_objects
from core.models.cart import CartPosition
from core.models.orders import Order
from core.models.positions import OrderPosition
from core.models.quotas import Quota, quota_items, quota_variations
from core.models.vouchers import Voucher
from core.services import quotas as quota_service
from core.services.errors import OrderError
from core.services.orders.placing.lines import Line

#: Cart lines valid for longer than this need no capacity lock or check (pretix's ``LOCK_TRUST_WINDOW``).
LOCK_TRUST_WINDOW = dt.timedelta(seconds=120)


def quotas_of_lines(session: Session, lines: Sequence[Line]) -> dict[int, list[Quota]]:
    """``{line index: quotas}``: the quotas of each line's item (or variation) for its date (one or two queries)."""
    item_ids = {line.item.id for line in lines if line.variation is None}
    variation_ids = {line.variation.id for line in lines if line.variation is not None}
    by_item: dict[int, list[Quota]] = {}
    by_variation: dict[int, list[Quota]] = {}
    if item_ids:
        for quota, item_id in session.execute(
                select(Quota, quota_items.c.item_id).join(quota_items, quota_items.c.quota_id == Quota.id)
                .where(quota_items.c.item_id.in_(item_ids))):
            by_item.setdefault(item_id, []).append(quota)
    if variation_ids:
        for quota, variation_id in session.execute(
                select(Quota, quota_variations.c.variation_id)
                .join(quota_variations, quota_variations.c.quota_id == Quota.id)
                .where(quota_variations.c.variation_id.in_(variation_ids))):
            by_variation.setdefault(variation_id, []).append(quota)
    result: dict[int, list[Quota]] = {}
    for index, line in enumerate(lines):
        found = by_variation.get(line.variation.id, []) if line.variation is not None else by_item.get(
            line.item.id, [])
        result[index] = [q for q in found if q.subevent_id == line.subevent_id]
    return result


def counted_quotas(line: Line, quotas: list[Quota]) -> list[Quota]:
    """The quotas a line consumes beyond what its voucher already reserved."""
    voucher = line.voucher
    if voucher is None:
        return quotas
    if voucher.allow_ignore_quota:
        return []
    if voucher.block_quota:
        return [] if voucher.quota_id is None else [q for q in quotas if q.id != voucher.quota_id]
    return quotas


class CapacityPlan:
    """What an order takes: quotas to check (with the number of lines each needs) and vouchers to check."""

    def __init__(self, lines: Sequence[Line], quotas: dict[int, list[Quota]], now: dt.datetime, *,
                 force: bool) -> None:
        self.lines = lines
        horizon = now + LOCK_TRUST_WINDOW
        checked = [i for i, line in enumerate(lines) if line.expired(horizon)]
        needed: Counter[int] = Counter()
        by_id: dict[int, Quota] = {}
        for index, line in enumerate(lines):
            for quota in counted_quotas(line, quotas[index]):
                needed[quota.id] += 1
                by_id[quota.id] = quota
        touched = {q.id for i in checked for q in counted_quotas(lines[i], quotas[i])}
        self.quotas = [] if force else [by_id[i] for i in sorted(touched)]
        self.needed = needed
        vouchers = {line.voucher.id: line.voucher for line in lines if line.voucher is not None}
        usage_checked = {lines[i].voucher.id for i in checked if lines[i].voucher is not None}
        self.usage_vouchers = [] if force else [vouchers[i] for i in sorted(usage_checked)]
        self.budget_vouchers = [vouchers[i] for i in sorted(vouchers) if vouchers[i].budget is not None]
        self.voucher_uses: Counter[int] = Counter(line.voucher.id for line in lines if line.voucher is not None)

    def lock(self, session: Session) -> None:
        """Take the exclusive locks of everything this order reduces (no call at all if nothing shrinks)."""
        exclusive: list[object] = [q for q in self.quotas if q.size is not None]
        exclusive.extend({v.id: v for v in (*self.usage_vouchers, *self.budget_vouchers)}.values())
        if exclusive:
            lock_objects(session, exclusive=exclusive)

    def refresh_vouchers(self, session: Session) -> None:
        """Re-read the locked vouchers (another transaction may have redeemed them meanwhile)."""
        ids = {v.id for v in (*self.usage_vouchers, *self.budget_vouchers)}
        if ids:
            list(session.scalars(select(Voucher).where(Voucher.id.in_(ids))
                                 .execution_options(populate_existing=True)))

    def check_quotas(self, session: Session, cart_id: str | None) -> None:
        """Raise ``unavailable`` (nothing fits) or ``in_part`` (only some) if a checked quota is too small."""
        if not self.quotas:
            return
        results = quota_service.availability(session, self.quotas, ignore_cart_id=cart_id)
        for quota in self.quotas:
            state, number = results[quota.id]
            needed = self.needed[quota.id]
            if state == quota_service.AVAILABILITY_OK and (number is None or number >= needed):
                continue
            left = max(number or 0, 0) if state == quota_service.AVAILABILITY_OK else 0
            if left:
                raise OrderError(
                    "in_part",
                    f"Only {left} of the {needed} products you selected from {quota.name!r} are still available.",
                    quota=quota.id, available=left, requested=needed)
            raise OrderError("unavailable", "Some of the products you selected are no longer available.",
                             quota=quota.id)

    def check_voucher_usage(self, session: Session, cart_id: str | None, now: dt.datetime) -> None:
        """Raise ``voucher_redeemed`` if a checked voucher has fewer uses left than the order needs."""
        if not self.usage_vouchers:
            return
        ids = [v.id for v in self.usage_vouchers]
        in_carts = select(CartPosition.voucher_id, func.count()).where(
            CartPosition.voucher_id.in_(ids), CartPosition.expires > now).group_by(CartPosition.voucher_id)
        if cart_id is not None:
            in_carts = in_carts.where(CartPosition.cart_id != cart_id)
        held = {voucher_id: number for voucher_id, number in session.execute(in_carts)}
        for voucher in self.usage_vouchers:
            left = voucher.max_usages - voucher.redeemed - held.get(voucher.id, 0)
            if left < self.voucher_uses[voucher.id]:
                raise OrderError(
                    "voucher_redeemed",
                    f"The voucher {voucher.code} has already been used the maximum number of times.",
                    voucher=voucher.code)

    def budget_left(self, session: Session) -> dict[int, Decimal]:
        """``{voucher id: unused budget}`` of the budget vouchers, from pending and paid orders (one query)."""
        if not self.budget_vouchers:
            return {}
        ids = [v.id for v in self.budget_vouchers]
        rows = session.execute(
            select(OrderPosition.voucher_id, func.coalesce(func.sum(OrderPosition.voucher_budget_use), 0))
            .join(Order, Order.id == OrderPosition.order_id)
            .where(OrderPosition.voucher_id.in_(ids), OrderPosition.canceled.is_(False),
                   Order.status.in_((Order.STATUS_PENDING, Order.STATUS_PAID)))
            .group_by(OrderPosition.voucher_id))
        used = {voucher_id: Decimal(value) for voucher_id, value in rows}
        return {v.id: v.budget - used.get(v.id, Decimal("0")) for v in self.budget_vouchers}
