"""Adding to a cart: checks, locks, capacity, prices, the ``ValidateCart`` signal, then the writes.

The steps follow pretix's cart manager (pretix-behaviour.md 2.2): presale window; product, date and channel rules
(time machine); voucher validity (real time); cart size, per-product limits and add-on rules; prices; the
``ValidateCart`` signal; then **locks** (the limited quotas the new positions use and their vouchers, exclusively;
the event shared) and, under them, voucher usages and quota capacity. Expired positions of the cart are
re-validated and reserved again in the same step. Every refusal raises :class:`CartError` before anything is
written. All positions of the cart end up with the same ``expires`` (now + ``reservation_time``, capped by the
cart's ``max_extend``).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence
from typing import Any

from sqlalchemy.orm import Session

from core import timemachine
from core.locking import lock_objects
from core.models.cart import CartPosition
from core.models.channels import SalesChannel
from core.models.event import Event
from core.pluginhost import send
from core.services.cart.load import (
    build_requests,
    cart_positions,
    check_cart_id,
    real_now,
    resolve_channel,
    settings_of,
)
from core.services.cart.prices import price_requests
from core.services.errors import CartError
from core.services.order_signals import ValidateCart
from core.services.positions import (
    Overrides,
    PositionRequest,
    check_addons,
    check_max_items,
    check_per_product,
    check_presale,
    check_product,
    check_voucher,
    check_voucher_min_usages,
    check_voucher_requirement,
    check_voucher_usage,
    expand_bundles,
    held_in_carts,
    overrides_for,
    plan_capacity,
)

#: How far a cart can be extended, in reservation periods.
MAX_EXTEND_FACTOR = 11


def request_of(position: CartPosition) -> PositionRequest:
    """A :class:`PositionRequest` describing an existing cart position (for re-validation)."""
    return PositionRequest(item=position.item, variation=position.variation, subevent=position.subevent,
                           voucher=position.voucher, addon_to=position.addon_to, is_bundled=position.is_bundled)


def new_expiry(valid: Sequence[CartPosition], now: dt.datetime, reservation: dt.timedelta
               ) -> tuple[dt.datetime, dt.datetime]:
    """``(expires, max_extend)`` for the whole cart: now + reservation, capped by the valid positions' window."""
    caps = [p.max_extend for p in valid if p.max_extend is not None]
    if not caps:
        return now + reservation, now + MAX_EXTEND_FACTOR * reservation
    cap = min(caps)
    return min(now + reservation, cap), cap


def _check_static(requests: Sequence[PositionRequest], event: Event, channel: SalesChannel, now: dt.datetime,
                  overrides: Overrides) -> None:
    for request in requests:
        sub_item, sub_variation = overrides[id(request)]
        check_product(request, event=event, channel=channel, now=now, subevent_item=sub_item,
                      subevent_variation=sub_variation)
        if not request.is_bundled:
            check_voucher_requirement(request)


def revalidate(
    session: Session,
    event: Event,
    cart_id: str,
    *,
    channel: SalesChannel,
    existing: Sequence[CartPosition],
    requests: Sequence[PositionRequest] = (),
    removed: Sequence[CartPosition] = (),
    require_addon_min: bool = False,
    now: dt.datetime,
) -> tuple[list[CartPosition], dt.datetime, dt.datetime]:
    """Check ``requests`` (new top-level or add-on positions) together with the cart, lock, check capacity.

    Expired positions of ``existing`` are re-validated and count as new demand; ``removed`` positions are left out
    of the cart view. Returns ``(new CartPositions, not yet added; expires; max_extend)``. Raises ``CartError``.
    """
    clock = timemachine.now()
    check_presale(event, clock)
    gone = {id(p) for p in removed}
    kept = [p for p in existing if id(p) not in gone]
    valid = [p for p in kept if p.expires >= now]
    expired = [p for p in kept if p.expires < now]
    bundled = [child for request in requests for child in expand_bundles(request)]
    new = [*requests, *bundled]
    revived = [request_of(p) for p in expired]
    overrides = overrides_for(session, [*new, *revived])
    _check_static([*new, *revived], event, channel, clock, overrides)
    reservation, max_items = settings_of(session, event)
    view = [*kept, *new]
    check_max_items(view, max_items)
    check_per_product(view, new_items=[r.item for r in requests])
    check_addons(view, require_min=require_addon_min)
    groups = [[r, *r.bundled] for r in requests] + [[r] for r in revived]
    plan = plan_capacity(session, event, groups)
    for request in [*requests, *revived]:
        check_voucher(request, product_quota_ids=plan.quota_ids_of(request), real_now=now)
    prices = price_requests(session, event, new, overrides)
    positions = _build(event, cart_id, new, prices)
    send(ValidateCart(event, [*kept, *positions]))
    vouchers = {r.voucher.id: r.voucher for r in [*requests, *revived] if r.voucher is not None}
    lock_objects(session, exclusive=[*plan.lockables(), *vouchers.values()], shared=[event])
    _check_vouchers(session, cart_id, vouchers, [*kept, *new], now)
    plan.check(session, now=now)
    expires, max_extend = new_expiry(valid, now, reservation)
    return positions, expires, max_extend


def _check_vouchers(session: Session, cart_id: str, vouchers: dict[int, Any], view: Sequence[Any],
                    now: dt.datetime) -> None:
    if not vouchers:
        return
    for voucher in vouchers.values():
        session.refresh(voucher, ["redeemed", "max_usages"])
    others = held_in_carts(session, set(vouchers), now=now, cart_id=cart_id)
    in_cart = Counter(p.voucher.id for p in view if p.voucher is not None)
    for voucher_id, voucher in vouchers.items():
        check_voucher_usage(voucher, in_this_cart=in_cart[voucher_id], in_other_carts=others[voucher_id])
        check_voucher_min_usages(voucher, in_cart[voucher_id])


def _build(event: Event, cart_id: str, new: Sequence[PositionRequest], prices: dict[int, Any]) -> list[CartPosition]:
    positions = []
    for request in new:
        position = CartPosition(
            event_id=event.id, organizer_id=event.organizer_id, cart_id=cart_id, item_id=request.item.id,
            variation_id=request.variation.id if request.variation is not None else None,
            subevent_id=request.subevent_id, voucher_id=request.voucher.id if request.voucher else None,
            is_bundled=request.is_bundled, custom_price_input_is_net=request.custom_price_is_net,
            requested_valid_from=request.requested_valid_from, expires=dt.datetime.now(dt.UTC), **request.meta,
        )
        prices[id(request)].apply(position)
        request.meta["_position"] = position
        positions.append(position)
    return positions


def write(session: Session, existing: Sequence[CartPosition], new: Sequence[CartPosition],
          requests: Sequence[PositionRequest], expires: dt.datetime, max_extend: dt.datetime) -> None:
    """Link new positions to their parents, add them and give the whole cart the same expiry."""
    created = {id(request): request.meta.pop("_position") for request in requests}
    for request in requests:
        position = created[id(request)]
        parent = request.addon_to
        if isinstance(parent, PositionRequest):
            position.addon_to = created[id(parent)]
        elif parent is not None:
            position.addon_to_id = parent.id
    session.add_all(new)
    for position in [*existing, *new]:
        position.expires = expires
        position.max_extend = max_extend
    session.flush()


def add_to_cart(
    session: Session,
    event: Event,
    cart_id: str,
    items: Sequence[dict[str, Any]],
    *,
    sales_channel: SalesChannel | str,
    now: dt.datetime | None = None,
) -> list[CartPosition]:
    """Add ``items`` to the cart ``cart_id`` and return the new positions (bundled ones included).

    ``items`` entries: see :func:`core.services.cart.load.build_requests`. ``now`` is the real time of the
    reservation (tests); sales windows use the time machine. Errors (:class:`CartError`): ``empty``,
    ``cart_id_invalid``, ``unknown_position``, ``voucher_invalid``, the static keys of
    :mod:`core.services.positions.static`, ``max_items``, ``max_items_per_product``, ``min_items_per_product``,
    ``addon_*``, ``price_too_high`` / ``price_not_a_number`` / ``price_too_low``, ``voucher_redeemed(_cart,
    _partial)``, ``voucher_min_usages``, ``unavailable``, ``in_part``; ``LockTimeout`` when busy.
    """
    moment = real_now(now)
    channel = resolve_channel(session, event, sales_channel)
    check_cart_id(cart_id, channel)
    if not items:
        raise CartError("empty", "Select at least one product to add to the cart.")
    existing = cart_positions(session, event, cart_id)
    requests = build_requests(session, event, items, existing)
    new, expires, max_extend = revalidate(session, event, cart_id, channel=channel, existing=existing,
                                          requests=requests, now=moment)
    all_requests = [*requests, *(child for r in requests for child in r.bundled)]
    write(session, existing, new, all_requests, expires, max_extend)
    return new
