"""Capacity re-checks of the order life cycle: quotas and voucher usage taken anew, under locks.

Reactivating a canceled order, extending an expired one and changing an order so that it uses quotas it did not
use before all *reduce* capacity. :func:`check_capacity` takes the locks for exactly that (exclusive on limited
quotas and on vouchers, shared on the event, one :func:`core.locking.lock_objects` call) and then checks with the
quota service, without counting the waiting list (pretix does the same for these re-checks). It writes nothing.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.locking import lock_objects
from core.models.event import Event
from core.models.quotas import Quota, quota_items, quota_variations
from core.models.vouchers import Voucher
from core.services.errors import OrderError

#: What a position uses: ``(item_id, variation_id or None, subevent_id or None)``.
Usage = tuple[int, int | None, int | None]


def quotas_for(session: Session, event_id: int, usages: Iterable[Usage]) -> dict[Usage, list[Quota]]:
    """The quotas each usage counts against: its variation's quotas (or its item's), of its date only."""
    usages = set(usages)
    variation_ids = {v for _i, v, _s in usages if v is not None}
    item_ids = {i for i, v, _s in usages if v is None}
    by_variation: dict[int, set[int]] = {}
    by_item: dict[int, set[int]] = {}
    if variation_ids:
        for variation_id, quota_id in session.execute(select(
                quota_variations.c.variation_id, quota_variations.c.quota_id).where(
                quota_variations.c.variation_id.in_(variation_ids))):
            by_variation.setdefault(variation_id, set()).add(quota_id)
    if item_ids:
        for item_id, quota_id in session.execute(select(quota_items.c.item_id, quota_items.c.quota_id).where(
                quota_items.c.item_id.in_(item_ids))):
            by_item.setdefault(item_id, set()).add(quota_id)
    ids = set().union(*by_variation.values(), *by_item.values())
    quotas = {q.id: q for q in session.scalars(
        select(Quota).where(Quota.id.in_(ids), Quota.event_id == event_id))} if ids else {}
    result: dict[Usage, list[Quota]] = {}
    for usage in usages:
        item_id, variation_id, subevent_id = usage
        candidates = by_variation.get(variation_id, set()) if variation_id is not None else by_item.get(item_id, set())
        result[usage] = sorted(
            (quotas[q] for q in candidates if q in quotas and quotas[q].subevent_id == subevent_id),
            key=lambda q: q.id,
        )
    return result


def quota_demand(session: Session, event_id: int, usages: Iterable[Usage]) -> Counter[Quota]:
    """How many places of each quota ``usages`` (one entry per position) take."""
    usages = list(usages)
    lookup = quotas_for(session, event_id, usages)
    demand: Counter[Quota] = Counter()
    for usage in usages:
        for quota in lookup[usage]:
            demand[quota] += 1
    return demand


def check_capacity(
    session: Session,
    event: Event,
    quotas: Counter[Quota],
    vouchers: Counter[Voucher] | None = None,
    *,
    subject: str = "The order",
) -> None:
    """Lock and check that ``quotas`` (quota -> places needed) and ``vouchers`` (voucher -> uses) still fit.

    Raises :class:`~core.services.errors.OrderError` ``quota`` (naming the quota and what is left) or
    ``voucher_redeemed`` (the voucher has no uses left). Must run in the transaction that then writes the change:
    the locks last until its end.
    """
    from core.services import quotas as quota_service

    vouchers = vouchers or Counter()
    wanted = {q: n for q, n in quotas.items() if n > 0}
    used_vouchers = {v: n for v, n in vouchers.items() if n > 0}
    if not wanted and not used_vouchers:
        return
    lock_objects(
        session,
        exclusive=[*(q for q in sorted(wanted, key=lambda q: q.id) if q.size is not None),
                   *sorted(used_vouchers, key=lambda v: v.id)],
        shared=[event],
    )
    limited = [q for q in wanted if q.size is not None]
    if limited:
        results = quota_service.availability(session, limited, count_waitinglist=False)
        for quota in sorted(limited, key=lambda q: q.id):
            state, number = results[quota.id]
            left = number if state == Quota.AVAILABILITY_OK and number is not None else 0
            if state != Quota.AVAILABILITY_OK or (number is not None and number < wanted[quota]):
                raise OrderError(
                    "quota",
                    f"{subject} needs {wanted[quota]} place(s) of the quota {quota.name!r}, "
                    f"which has {max(left, 0)} left.",
                    quota=quota.id, needed=wanted[quota], available=max(left, 0),
                )
    for voucher in sorted(used_vouchers, key=lambda v: v.id):
        session.refresh(voucher, ["redeemed", "max_usages"])
        if voucher.redeemed + used_vouchers[voucher] > voucher.max_usages:
            raise OrderError(
                "voucher_redeemed",
                f"{subject} uses the voucher {voucher.code} {used_vouchers[voucher]} time(s), but it has only "
                f"{max(voucher.max_usages - voucher.redeemed, 0)} use(s) left.",
                voucher=voucher.code,
            )
