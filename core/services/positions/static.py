"""Static checks of one position: nothing counted, nothing locked (pretix's ``_check_position_constraints``).

Sales windows of the event, its dates and products use the time machine (``core.timemachine.now()``); voucher
expiry uses real time (pretix-behaviour.md pitfall 3). Each failure raises ``error`` (:class:`CartError` unless the
caller passes :class:`OrderError`, as order placement does) with pretix's key.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from core.models.channels import SalesChannel
from core.models.event import Event, SubEvent
from core.models.vouchers import Voucher
from core.services.errors import CartError, CommerceError
from core.services.positions.request import PositionRequest


def check_presale(event: Event, now: dt.datetime, subevent: SubEvent | None = None, *,
                  error: type[CommerceError] = CartError) -> None:
    """``not_started`` before the presale start, ``ended`` after its end (or, without one, after the event).

    For a date of a series the later start and the earlier end of date and event apply, and an inactive date is
    refused with ``inactive_subevent``.
    """
    if subevent is not None:
        if not subevent.active:
            raise error("inactive_subevent", f"The date {subevent.name} is not available for sale.",
                            subevent=subevent.id)
        start, end = subevent.effective_presale_start, subevent.effective_presale_end
        over = subevent.date_to or subevent.date_from
    else:
        start, end = event.presale_start, event.presale_end
        over = None if event.has_subevents else (event.date_to or event.date_from)
    if start is not None and now < start:
        raise error("not_started", "The booking period for this event has not yet started.",
                        start=start.isoformat())
    if end is not None and now > end:
        raise error("ended", "The booking period for this event has ended.", end=end.isoformat())
    if end is None and over is not None and now > over:
        raise error("ended", "The booking period for this event has ended: the event is over.")


def _unavailable(request: PositionRequest, why: str, error: type[CommerceError]) -> CommerceError:
    return error("unavailable", f"{request.name} is not available: {why}.", item=request.item.id)


def _check_window(request: PositionRequest, obj: Any, now: dt.datetime, error: type[CommerceError]) -> None:
    if obj is None:
        return
    if obj.available_from is not None and now < obj.available_from:
        raise _unavailable(request, "it is not on sale yet", error)
    if obj.available_until is not None and now > obj.available_until:
        raise _unavailable(request, "it is no longer on sale", error)


def check_product(
    request: PositionRequest,
    *,
    event: Event,
    channel: SalesChannel,
    now: dt.datetime,
    subevent_item: Any = None,
    subevent_variation: Any = None,
    error: type[CommerceError] = CartError,
) -> None:
    """The product, variation and date of ``request`` may be sold on ``channel`` at ``now``.

    ``subevent_item`` / ``subevent_variation`` are the per-date overrides (``SubEventItem`` ...), if any.
    Keys: ``unavailable``, ``subevent_required``, ``inactive_subevent``, ``not_started``, ``ended``,
    ``addon_only``, ``bundle_only``.
    """
    item, variation = request.item, request.variation
    if item.event_id != event.id:
        raise _unavailable(request, "it belongs to another event", error)
    if not event.is_sold_on(channel):
        raise error("unavailable", f"The event is not sold on the channel {channel.identifier}.")
    if not item.active or (variation is not None and not variation.active):
        raise _unavailable(request, "it is not active", error)
    if variation is None and item.variations:
        raise _unavailable(request, "choose one of its variations", error)
    if variation is not None and variation.item_id != item.id:
        raise _unavailable(request, "the variation belongs to another product", error)
    for obj in (item, variation, subevent_item, subevent_variation):
        _check_window(request, obj, now, error)
    if not item.is_sold_on(channel) or (variation is not None and not variation.is_sold_on(channel)):
        raise _unavailable(request, f"it is not sold on the channel {channel.identifier}", error)
    if (subevent_item is not None and subevent_item.disabled) or (
            subevent_variation is not None and subevent_variation.disabled):
        raise _unavailable(request, "it is not sold for this date", error)
    if event.has_subevents and request.subevent is None:
        raise error("subevent_required", "This event is a series: choose a date.")
    if request.subevent is not None:
        if request.subevent.event_id != event.id:
            raise error("subevent_required", "The chosen date belongs to another event.")
        check_presale(event, now, request.subevent, error=error)
    if request.is_top_level and item.is_addon_only:
        raise error("addon_only", f"{request.name} can only be bought as an add-on to another product.",
                        item=item.id)
    if item.require_bundling and not request.is_bundled:
        raise error("bundle_only", f"{request.name} can only be bought as part of a bundle.", item=item.id)


def check_voucher_requirement(request: PositionRequest, *, error: type[CommerceError] = CartError) -> None:
    """A product that requires a voucher (or is hidden without one) needs one; bundled positions are exempt."""
    if request.is_bundled or request.voucher is not None:
        return
    variation = request.variation
    if request.item.require_voucher or (variation is not None and variation.hide_without_voucher):
        raise error("voucher_required", f"{request.name} can only be bought with a voucher.",
                        item=request.item.id)


def check_voucher(request: PositionRequest, *, product_quota_ids: set[int], real_now: dt.datetime,
                  error: type[CommerceError] = CartError) -> None:
    """The voucher of ``request`` is valid (real time) and applies to its product and date.

    ``product_quota_ids`` are the quotas of the product on the position's date (for quota-bound vouchers).
    Keys: ``voucher_invalid``, ``voucher_expired``, ``voucher_redeemed``, ``voucher_invalid_item``,
    ``voucher_invalid_subevent``.
    """
    voucher = request.voucher
    if voucher is None:
        return
    code = voucher.code
    if voucher.event_id != request.item.event_id:
        raise error("voucher_invalid", f"The voucher code {code} is not known.", voucher=code)
    if voucher.is_expired(real_now):
        raise error("voucher_expired", f"The voucher code {code} has expired.", voucher=code)
    if voucher.redeemed >= voucher.max_usages:
        raise error("voucher_redeemed", f"The voucher code {code} has already been used the maximum number "
                        "of times allowed.", voucher=code)
    if not voucher_applies(voucher, request, product_quota_ids):
        raise error("voucher_invalid_item", f"The voucher code {code} is not valid for {request.name}.",
                        voucher=code, item=request.item.id)
    if voucher.subevent_id is not None and voucher.subevent_id != request.subevent_id:
        raise error("voucher_invalid_subevent", f"The voucher code {code} is not valid for this date.",
                        voucher=code)


def voucher_applies(voucher: Voucher, request: PositionRequest, product_quota_ids: set[int]) -> bool:
    """pretix's ``applies_to``: quota-bound -> the product is in the quota; item-bound -> same item (and variation
    if the voucher names one); unbound -> anything."""
    if voucher.quota_id is not None:
        return voucher.quota_id in product_quota_ids
    if voucher.item_id is not None:
        if voucher.item_id != request.item.id:
            return False
        return voucher.variation_id is None or (
            request.variation is not None and voucher.variation_id == request.variation.id)
    return True
