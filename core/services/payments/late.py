"""The capacity re-check of a late payment: an expired order may only become paid while its quotas still fit.

An expired order no longer holds quota (availability counts pending and paid orders only) and its voucher budget
use no longer counts, so marking it paid takes capacity anew. :func:`check_late_payment` locks what it is about to
reduce (limited quotas, vouchers with a budget; the event shared) through :func:`core.locking.lock_objects`, then
checks with the quota service, so two concurrent late payments can never oversell.
"""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.locking import lock_objects
from core.models.orders import Order
from core.models.positions import OrderPosition
from core.models.quotas import Quota, quota_items, quota_variations
from core.models.vouchers import Voucher
from core.services import quotas as quota_service
from core.services.errors import QuotaExceeded


def _counted(position: OrderPosition) -> bool:
    return not (position.ignore_from_quota_while_blocked and position.blocked)


def needed_quotas(session: Session, order: Order) -> tuple[list[Quota], Counter[int]]:
    """The quotas the order's active positions use and how many positions each one needs.

    A position with a variation uses the quotas of its variation, one without uses the quotas of its item; only
    quotas of the position's date (sub-event) count. Positions blocked with ``ignore_from_quota_while_blocked``
    need no quota.
    """
    positions = [p for p in order.positions if _counted(p)]
    variation_ids = {p.variation_id for p in positions if p.variation_id is not None}
    item_ids = {p.item_id for p in positions if p.variation_id is None}
    by_variation: dict[int, list[int]] = {}
    by_item: dict[int, list[int]] = {}
    if variation_ids:
        rows = session.execute(select(quota_variations.c.variation_id, quota_variations.c.quota_id).where(
            quota_variations.c.variation_id.in_(variation_ids)))
        for variation_id, quota_id in rows:
            by_variation.setdefault(variation_id, []).append(quota_id)
    if item_ids:
        rows = session.execute(select(quota_items.c.item_id, quota_items.c.quota_id).where(
            quota_items.c.item_id.in_(item_ids)))
        for item_id, quota_id in rows:
            by_item.setdefault(item_id, []).append(quota_id)
    candidate_ids = {q for ids in (*by_variation.values(), *by_item.values()) for q in ids}
    quotas = {
        q.id: q for q in session.scalars(select(Quota).where(Quota.id.in_(candidate_ids), Quota.event_id ==
                                                            order.event_id))
    } if candidate_ids else {}
    needed: Counter[int] = Counter()
    for position in positions:
        ids = by_variation.get(position.variation_id, []) if position.variation_id is not None else by_item.get(
            position.item_id, [])
        for quota_id in ids:
            quota = quotas.get(quota_id)
            if quota is not None and quota.subevent_id == position.subevent_id:
                needed[quota_id] += 1
    return [quotas[i] for i in sorted(needed)], needed


def budget_vouchers(order: Order) -> dict[int, Decimal]:
    """``{voucher_id: budget use of this order}`` for the vouchers with a budget its active positions used."""
    use: dict[int, Decimal] = {}
    for position in order.positions:
        voucher = position.voucher
        if voucher is not None and voucher.budget is not None and position.voucher_budget_use:
            use[voucher.id] = use.get(voucher.id, Decimal("0")) + position.voucher_budget_use
    return use


def _budget_used(session: Session, voucher_ids: list[int], exclude_order: int) -> dict[int, Decimal]:
    rows = session.execute(
        select(OrderPosition.voucher_id, func.coalesce(func.sum(OrderPosition.voucher_budget_use), 0))
        .join(Order, Order.id == OrderPosition.order_id)
        .where(
            OrderPosition.voucher_id.in_(voucher_ids),
            OrderPosition.canceled.is_(False),
            Order.status.in_((Order.STATUS_PENDING, Order.STATUS_PAID)),
            Order.id != exclude_order,
        )
        .group_by(OrderPosition.voucher_id)
    )
    return {voucher_id: Decimal(used) for voucher_id, used in rows}


def check_late_payment(session: Session, order: Order) -> None:
    """Lock and check that the expired ``order`` fits into its quotas and voucher budgets again.

    Must run in the transaction that then marks the order paid (the locks last until its end). Raises
    :class:`~core.services.errors.QuotaExceeded` (key ``quota``) naming the first quota or voucher that no longer
    fits; nothing is written.
    """
    quotas, needed = needed_quotas(session, order)
    budgets = budget_vouchers(order)
    vouchers = list(session.scalars(select(Voucher).where(Voucher.id.in_(budgets)))) if budgets else []
    lock_objects(
        session,
        exclusive=[*(q for q in quotas if q.size is not None), *vouchers],
        shared=[order.event],
    )
    if quotas:
        results = quota_service.availability(session, quotas, count_waitinglist=False)
        for quota in quotas:
            state, number = results[quota.id]
            if state != quota_service.AVAILABILITY_OK or (number is not None and number < needed[quota.id]):
                raise QuotaExceeded(
                    "quota",
                    f"The order cannot be paid any more: the quota {quota.name!r} has only "
                    f"{max(number or 0, 0) if state == quota_service.AVAILABILITY_OK else 0} place(s) left and the "
                    f"order needs {needed[quota.id]}.",
                    quota=quota.id, needed=needed[quota.id],
                )
    if vouchers:
        used = _budget_used(session, [v.id for v in vouchers], order.id)
        for voucher in vouchers:
            if used.get(voucher.id, Decimal("0")) + budgets[voucher.id] > voucher.budget:
                raise QuotaExceeded(
                    "voucher_budget_used",
                    f"The order cannot be paid any more: the budget of voucher {voucher.code} is used up.",
                    voucher=voucher.code,
                )
