"""Ticket validity of a new position: fixed dates of the item, or a window starting now (or at the chosen start).

Items with ``validity_mode`` ``fixed`` give every ticket ``validity_fixed_from`` .. ``validity_fixed_until``;
``dynamic`` ones start at the requested start (``requested_valid_from`` of a cart line, when the item lets the
buyer choose) or at placement and last the configured months, days, hours and minutes. An explicit
``valid_from`` / ``valid_until`` of a direct request wins.
"""

from __future__ import annotations

import calendar
import datetime as dt
import zoneinfo

from core.models.items import Item
from core.services.orders.placing.lines import Line


def validity_of(line: Line, moment: dt.datetime) -> tuple[dt.datetime | None, dt.datetime | None]:
    """``(valid_from, valid_until)`` for the position made from ``line`` at ``moment``."""
    item = line.item
    start, end = line.extra.pop("valid_from", None), line.extra.pop("valid_until", None)
    if start is not None or end is not None:
        return start, end
    if item.validity_mode == Item.VALIDITY_MODE_FIXED:
        return item.validity_fixed_from, item.validity_fixed_until
    if item.validity_mode != Item.VALIDITY_MODE_DYNAMIC:
        return None, None
    requested = line.cart.requested_valid_from if line.cart is not None else None
    begin = requested if requested is not None and item.validity_dynamic_start_choice else moment
    zone = zoneinfo.ZoneInfo(item.event.timezone or "UTC")
    local = begin.astimezone(zone)
    until = add_months(local, item.validity_dynamic_duration_months or 0) + dt.timedelta(
        days=item.validity_dynamic_duration_days or 0, hours=item.validity_dynamic_duration_hours or 0,
        minutes=item.validity_dynamic_duration_minutes or 0,
    )
    return begin, until.astimezone(dt.UTC)


def add_months(moment: dt.datetime, months: int) -> dt.datetime:
    """``moment`` plus ``months`` calendar months, the day clipped to the target month's length."""
    if not months:
        return moment
    index = moment.month - 1 + months
    year, month = moment.year + index // 12, index % 12 + 1
    last_day = calendar.monthrange(year, month)[1]
    return moment.replace(year=year, month=month, day=min(moment.day, last_day))
