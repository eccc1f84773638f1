"""Removing, clearing, extending carts, applying a voucher and choosing add-ons."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence
from typing import Any

from sqlalchemy import delete
from sqlalchemy.orm import Session

from core.locking import lock_objects
from core.models.cart import CartPosition
from core.models.channels import SalesChannel
from core.models.event import Event
from core.services.cart.add import request_of, revalidate, write
from core.services.cart.load import build_requests, cart_positions, find_voucher, real_now, resolve_channel
from core.services.cart.prices import price_requests
from core.services.errors import CartError
from core.services.positions import held_in_carts, overrides_for, plan_capacity, voucher_applies


def remove_from_cart(session: Session, event: Event, cart_id: str, position_id: int) -> None:
    """Delete one position and its add-ons and bundled positions (frees capacity: no lock).

    ``unknown_position`` if it is not in the cart; ``bundled_position`` for a bundled position (remove its
    parent instead).
    """
    position = next((p for p in cart_positions(session, event, cart_id) if p.id == position_id), None)
    if position is None:
        raise CartError("unknown_position", f"Position {position_id} is not in this cart.", position=position_id)
    if position.is_bundled:
        raise CartError("bundled_position", "A bundled product is removed together with the product it belongs to.")
    session.delete(position)
    session.flush()


def clear_cart(session: Session, event: Event, cart_id: str) -> int:
    """Delete every position of the cart; returns how many were deleted."""
    table = CartPosition.__table__
    count = session.execute(
        delete(table).where(table.c.event_id == event.id, table.c.cart_id == cart_id)
    ).rowcount or 0
    session.expire_all()
    return count


def extend_cart(
    session: Session, event: Event, cart_id: str, *, sales_channel: SalesChannel | str,
    now: dt.datetime | None = None,
) -> dt.datetime:
    """Extend the reservation of the whole cart and return the new expiry.

    Valid positions move to now + ``reservation_time``, capped by ``max_extend`` (at most 11 reservation periods
    after the cart was started). Expired positions are re-checked (product rules, vouchers, capacity under locks)
    and reserved again; once everything had expired, a fresh 11x window starts. ``empty`` for an empty cart.
    """
    moment = real_now(now)
    existing = cart_positions(session, event, cart_id)
    if not existing:
        raise CartError("empty", "The cart is empty.")
    channel = resolve_channel(session, event, sales_channel)
    _, expires, max_extend = revalidate(session, event, cart_id, channel=channel, existing=existing, now=moment)
    write(session, existing, [], [], expires, max_extend)
    return expires


def apply_voucher_to_cart(
    session: Session, event: Event, cart_id: str, code: str, *, now: dt.datetime | None = None,
) -> list[CartPosition]:
    """Redeem voucher ``code`` on the valid positions without voucher it applies to, as often as it has uses left.

    Returns the changed positions (their prices recomputed). Errors: ``voucher_invalid``, ``voucher_expired``,
    ``voucher_redeemed``, ``voucher_redeemed_cart``, ``voucher_invalid_item`` (it applies to nothing here).
    """
    moment = real_now(now)
    voucher = find_voucher(session, event, code)
    assert voucher is not None
    if voucher.is_expired(moment):
        raise CartError("voucher_expired", f"The voucher code {voucher.code} has expired.", voucher=voucher.code)
    existing = [p for p in cart_positions(session, event, cart_id) if p.expires >= moment]
    candidates = [p for p in existing if p.voucher_id is None and not p.is_bundled and p.addon_to_id is None
                  and (voucher.subevent_id is None or voucher.subevent_id == p.subevent_id)]
    requests = [request_of(p) for p in candidates]
    plan = plan_capacity(session, event, [[r] for r in requests])
    matching = [(p, r) for p, r in zip(candidates, requests, strict=True)
                if voucher_applies(voucher, r, plan.quota_ids_of(r))]
    if not matching:
        raise CartError("voucher_invalid_item", f"The voucher code {voucher.code} is not valid for any product in "
                        "your cart.", voucher=voucher.code)
    lock_objects(session, exclusive=[voucher], shared=[event])
    session.refresh(voucher, ["redeemed", "max_usages"])
    held = held_in_carts(session, {voucher.id}, now=moment, cart_id=cart_id)
    left = voucher.max_usages - voucher.redeemed - held[voucher.id]
    left -= sum(1 for p in existing if p.voucher_id == voucher.id)
    if left <= 0:
        key = "voucher_redeemed" if voucher.redeemed >= voucher.max_usages else "voucher_redeemed_cart"
        raise CartError(key, f"The voucher code {voucher.code} has no use left.", voucher=voucher.code)
    chosen = matching[:left]
    for _, request in chosen:
        request.voucher = voucher
    chosen_requests = [r for _, r in chosen]
    prices = price_requests(session, event, chosen_requests, overrides_for(session, chosen_requests))
    for position, request in chosen:
        position.voucher_id = voucher.id
        prices[id(request)].apply(position)
    session.flush()
    return [p for p, _ in chosen]


def set_cart_addons(
    session: Session, event: Event, cart_id: str, addons: Sequence[dict[str, Any]], *,
    sales_channel: SalesChannel | str, now: dt.datetime | None = None,
) -> list[CartPosition]:
    """Make the chosen add-ons of the named parents exactly ``addons`` (entries need ``addon_to``).

    Add-ons already in the cart stay (keeping their price guarantee), missing ones are added, others removed.
    Parents named by no entry keep their add-ons. The add-on rules are checked including ``addon_min_count``.
    Returns the new positions.
    """
    moment = real_now(now)
    channel = resolve_channel(session, event, sales_channel)
    existing = cart_positions(session, event, cart_id)
    wanted = build_requests(session, event, addons, existing)
    if any(r.addon_to is None for r in wanted):
        raise CartError("addon_invalid_base", "Every add-on needs the position it belongs to (addon_to).")
    parents = {id(r.addon_to) for r in wanted}
    want = Counter((id(r.addon_to), *r.product) for r in wanted)
    removed = []
    for position in existing:
        if position.is_bundled or position.addon_to is None or id(position.addon_to) not in parents:
            continue
        key = (id(position.addon_to), position.item_id, position.variation_id)
        if want[key] > 0:
            want[key] -= 1
        else:
            removed.append(position)
    requests = []
    for request in wanted:
        key = (id(request.addon_to), *request.product)
        if want[key] > 0:
            requests.append(request)
            want[key] -= 1
    new, expires, max_extend = revalidate(session, event, cart_id, channel=channel, existing=existing,
                                          requests=requests, removed=removed, require_addon_min=True, now=moment)
    for position in removed:
        session.delete(position)
    kept = [p for p in existing if p not in removed]
    write(session, kept, new, [*requests, *(c for r in requests for c in r.bundled)], expires, max_extend)
    return new
