"""Checks shared by carts and order placement (pretix-behaviour.md 2.2): pure functions over loaded rows.

* :mod:`.request`: :class:`PositionRequest` (a position about to be created) and bundle expansion;
* :mod:`.static`: presale windows, product/variation/date/channel rules, voucher validity and binding;
* :mod:`.limits`: cart size, per-product limits, add-on rules, voucher usages;
* :mod:`.capacity`: quota needs (bundles with multiplicity, voucher bypass), locks, the fit check and the lock
  trust window of cart checkouts;
* :mod:`.overrides`: the per-date product overrides (sales rules and price) of positions;
* :mod:`.usage`: voucher uses held by other carts and voucher budget spent by orders.

Every refusal raises :class:`core.services.errors.CartError` with pretix's key and a readable message, or the error
class the caller passes as ``error`` (order placement passes :class:`~core.services.errors.OrderError`). Nothing
here writes; the capacity and usage checks read fresh rows and must run after :func:`core.locking.lock_objects`.
"""

from __future__ import annotations

from core.services.positions.capacity import (
    LOCK_TRUST_WINDOW,
    CapacityPlan,
    Usage,
    check_quota_demand,
    needs_recheck,
    plan_capacity,
    quota_demand,
    quotas_for,
)
from core.services.positions.limits import (
    MAX_ORDER_SIZE,
    check_addons,
    check_max_items,
    check_order_size,
    check_per_product,
    check_voucher_min_usages,
    check_voucher_usage,
)
from core.services.positions.overrides import NO_OVERRIDE, Overrides, overrides_for
from core.services.positions.request import PositionRequest, expand_bundles
from core.services.positions.static import (
    check_presale,
    check_product,
    check_voucher,
    check_voucher_requirement,
    voucher_applies,
)
from core.services.positions.usage import budget_used, held_in_carts

__all__ = [
    "LOCK_TRUST_WINDOW", "MAX_ORDER_SIZE", "NO_OVERRIDE", "CapacityPlan", "Overrides", "PositionRequest", "Usage",
    "budget_used",
    "check_addons", "check_max_items", "check_order_size", "check_per_product", "check_presale", "check_product",
    "check_quota_demand", "check_voucher", "check_voucher_min_usages", "check_voucher_requirement",
    "check_voucher_usage", "expand_bundles", "held_in_carts", "needs_recheck", "overrides_for", "plan_capacity",
    "quota_demand", "quotas_for", "voucher_applies",
]
