"""Static checks of the lines of an order to be placed (no capacity involved, nothing locked).

Per line, in pretix's order (pretix-behaviour.md 2.2, "per-position static constraints"): the product and
variation are active, inside their availability window and sold on the channel; a variation is given exactly when
the product has variations; the date of a series is given, active and in its presale window; add-on-only products
are not bought on their own; the voucher applies to the product and date and has not expired (real time); a
product that requires a voucher has one (bundled lines are exempt); and the product is in at least one quota of
its date. Keys: ``unavailable``, ``not_started``, ``ended``, ``voucher_expired``, ``voucher_invalid_item``,
``voucher_invalid_subevent``, ``voucher_required``, ``addon_only``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from core.models.quotas import Quota
from core.services.errors import OrderError
from core.services.orders.placing.lines import Line


def _unavailable(line: Line, why: str) -> OrderError:
    return OrderError("unavailable", f"The product {line.item.name} is not available: {why}.", item=line.item.id)


def _check_product(line: Line, channel: Any, now: dt.datetime) -> None:
    item, variation = line.item, line.variation
    if not item.active or (variation is not None and not variation.active):
        raise _unavailable(line, "it is not active")
    for product in (item, variation):
        if product is None:
            continue
        if product.available_from is not None and now < product.available_from:
            raise _unavailable(line, "it is not on sale yet")
        if product.available_until is not None and now > product.available_until:
            raise _unavailable(line, "it is no longer on sale")
        if not product.is_sold_on(channel):
            raise _unavailable(line, f"it is not sold on the channel {channel.identifier}")
    if variation is None and item.variations:
        raise _unavailable(line, "please choose a variation")
    if variation is not None and variation.item_id != item.id:
        raise _unavailable(line, "the variation belongs to another product")
    if line.addon_to is None and item.is_addon_only:
        raise OrderError("addon_only", f"The product {item.name} can only be bought as an add-on.", item=item.id)
    if item.require_bundling and not line.is_bundled:
        raise _unavailable(line, "it is only sold as part of a bundle")


def _check_date(line: Line, event: Any, now: dt.datetime) -> None:
    subevent = line.subevent
    if event.has_subevents and subevent is None:
        raise _unavailable(line, "please choose a date")
    if subevent is None:
        return
    if not subevent.active:
        raise _unavailable(line, "the date is not active")
    start, end = subevent.effective_presale_start, subevent.effective_presale_end
    if start is not None and now < start:
        raise OrderError("not_started", "The booking period for this date has not yet started.",
                         subevent=subevent.id)
    if end is not None and now > end:
        raise OrderError("ended", "The booking period for this date has ended.", subevent=subevent.id)


def _check_voucher(line: Line, quotas: list[Quota], real_now: dt.datetime) -> None:
    voucher = line.voucher
    if voucher is None:
        if (line.item.require_voucher or (line.variation is not None and line.variation.hide_without_voucher)) \
                and not line.is_bundled:
            raise OrderError("voucher_required", f"The product {line.item.name} can only be bought with a voucher.",
                             item=line.item.id)
        return
    if voucher.is_expired(real_now):
        raise OrderError("voucher_expired", f"The voucher {voucher.code} has expired.", voucher=voucher.code)
    if voucher.quota_id is not None:
        applies = any(q.id == voucher.quota_id for q in quotas)
    elif voucher.item_id is not None:
        applies = voucher.item_id == line.item.id and (
            voucher.variation_id is None or voucher.variation_id == (line.variation.id if line.variation else None))
    else:
        applies = True
    if not applies:
        raise OrderError("voucher_invalid_item", f"The voucher {voucher.code} is not valid for this product.",
                         voucher=voucher.code, item=line.item.id)
    if voucher.subevent_id is not None and voucher.subevent_id != line.subevent_id:
        raise OrderError("voucher_invalid_subevent", f"The voucher {voucher.code} is not valid for this date.",
                         voucher=voucher.code)


def check_lines(event: Any, lines: Sequence[Line], quotas: dict[int, list[Quota]], *, channel: Any,
                now: dt.datetime, real_now: dt.datetime, force: bool) -> None:
    """Raise the first static refusal of any line; ``force`` keeps only the structural checks (product, date)."""
    for index, line in enumerate(lines):
        _check_product(line, channel, now)
        _check_date(line, event, now)
        if force:
            continue
        _check_voucher(line, quotas[index], real_now)
        if not quotas[index]:
            raise _unavailable(line, "it is in no quota")
