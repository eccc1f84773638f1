"""Static checks of the lines of an order to be placed (no capacity involved, nothing locked).

Per line, in pretix's order (pretix-behaviour.md 2.2, "per-position static constraints", reused at checkout), through
the checks carts use (:mod:`core.services.positions.static`), raising :class:`OrderError`: the product, variation and
date may be sold on the channel now, with the date's product overrides (disabled for the date or outside its
per-date sales window is ``unavailable``, as in carts); a product that requires a voucher has one (bundled lines are
exempt); the voucher is valid (real time) and applies to the product and date; and the product is in at least one
quota of its date. ``force`` keeps only the product and date rules.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from core.services.errors import OrderError
from core.services.orders.placing.lines import Line
from core.services.positions import CapacityPlan, Overrides, check_product, check_voucher, check_voucher_requirement


def check_lines(event: Any, lines: Sequence[Line], plan: CapacityPlan, *, overrides: Overrides, channel: Any,
                now: dt.datetime, real_now: dt.datetime, force: bool) -> None:
    """Raise the first static refusal of any line; ``plan`` knows the quotas of every line's product and date,
    ``overrides`` the per-date product overrides (:func:`core.services.positions.overrides_for`)."""
    for line in lines:
        sub_item, sub_variation = overrides[id(line)]
        check_product(line, event=event, channel=channel, now=now, subevent_item=sub_item,
                      subevent_variation=sub_variation, error=OrderError)
        if force:
            continue
        check_voucher_requirement(line, error=OrderError)
        quota_ids = plan.quota_ids_of(line)
        check_voucher(line, product_quota_ids=quota_ids, real_now=real_now, error=OrderError)
        if not quota_ids:
            raise OrderError("unavailable", f"{line.name} is not available: it is in no quota.", item=line.item.id)
