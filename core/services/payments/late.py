"""The capacity re-check of a late payment: an expired order may only become paid while its quotas still fit.

An expired order no longer holds quota (availability counts pending and paid orders only) and its voucher budget
use no longer counts, so marking it paid takes capacity anew. :func:`check_late_payment` locks what it is about to
reduce (limited quotas, vouchers with a budget; the event shared) through :func:`core.locking.lock_objects`, then
checks with the shared :func:`core.services.positions.check_quota_demand` and
:func:`core.services.positions.budget_used`, so two concurrent late payments can never oversell.
"""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.locking import lock_objects
from core.models.orders import Order
from core.models.positions import OrderPosition
from core.models.vouchers import Voucher
from core.services.errors import QuotaExceeded
from core.services.positions import budget_used, check_quota_demand, quota_demand


def _counted(position: OrderPosition) -> bool:
    """Positions blocked with ``ignore_from_quota_while_blocked`` need no quota."""
    return not (position.ignore_from_quota_while_blocked and position.blocked)


def budget_vouchers(order: Order) -> dict[int, Decimal]:
    """``{voucher_id: budget use of this order}`` for the vouchers with a budget its active positions used."""
    use: dict[int, Decimal] = {}
    for position in order.positions:
        voucher = position.voucher
        if voucher is not None and voucher.budget is not None and position.voucher_budget_use:
            use[voucher.id] = use.get(voucher.id, Decimal("0")) + position.voucher_budget_use
    return use


def check_late_payment(session: Session, order: Order) -> None:
    """Lock and check that the expired ``order`` fits into its quotas and voucher budgets again.

    Must run in the transaction that then marks the order paid (the locks last until its end). Raises
    :class:`~core.services.errors.QuotaExceeded` (key ``quota`` or ``voucher_budget_used``) naming the first quota
    or voucher that no longer fits; nothing is written.
    """
    demand = quota_demand(session, order.event_id, [(p.item_id, p.variation_id, p.subevent_id)
                                                    for p in order.positions if _counted(p)])
    budgets = budget_vouchers(order)
    vouchers = list(session.scalars(select(Voucher).where(Voucher.id.in_(budgets)))) if budgets else []
    lock_objects(
        session,
        exclusive=[*sorted((q for q in demand if q.size is not None), key=lambda q: q.id), *vouchers],
        shared=[order.event],
    )
    check_quota_demand(session, demand, subject=f"Paying the expired order {order.code} late", error=QuotaExceeded)
    used = budget_used(session, [v.id for v in vouchers], exclude_order_id=order.id)
    for voucher in vouchers:
        if used.get(voucher.id, Decimal("0")) + budgets[voucher.id] > voucher.budget:
            raise QuotaExceeded(
                "voucher_budget_used",
                f"The order cannot be paid any more: the budget of voucher {voucher.code} is used up.",
                voucher=voucher.code,
            )
