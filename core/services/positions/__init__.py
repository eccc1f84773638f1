"""Checks shared by carts and order placement (pretix-behaviour.md 2.2): pure functions over loaded rows.

* :mod:`.request`: :class:`PositionRequest` (a position about to be created) and bundle expansion;
* :mod:`.static`: presale windows, product/variation/date/channel rules, voucher validity and binding;
* :mod:`.limits`: cart size, per-product limits, add-on rules, voucher usages;
* :mod:`.capacity`: quota needs (bundles with multiplicity, voucher bypass), locks and the fit check.

Every refusal raises :class:`core.services.errors.CartError` with pretix's key and a readable message. Nothing
here writes; the capacity check reads availability and must run after :func:`core.locking.lock_objects`.
"""

from __future__ import annotations

from core.services.positions.capacity import CapacityPlan, plan_capacity
from core.services.positions.limits import (
    MAX_ORDER_SIZE,
    check_addons,
    check_max_items,
    check_per_product,
    check_voucher_min_usages,
    check_voucher_usage,
)
from core.services.positions.request import PositionRequest, expand_bundles
from core.services.positions.static import (
    check_presale,
    check_product,
    check_voucher,
    check_voucher_requirement,
    voucher_applies,
)

__all__ = [
    "MAX_ORDER_SIZE", "CapacityPlan", "PositionRequest", "check_addons", "check_max_items", "check_per_product",
    "check_presale", "check_product", "check_voucher", "check_voucher_min_usages", "check_voucher_requirement",
    "check_voucher_usage", "expand_bundles", "plan_capacity", "voucher_applies",
]
