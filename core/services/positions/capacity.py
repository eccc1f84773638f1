"""Capacity of new positions: which quotas they use, what to lock, and whether they all fit.

Plan first (:func:`plan_capacity`, no locks), lock :meth:`CapacityPlan.lockables` through
:func:`core.locking.lock_objects` together with the vouchers and the event, then :meth:`CapacityPlan.check`.
A *group* is a position with its bundled positions: it fits as a whole or not at all. A voucher with
``allow_ignore_quota`` skips all quotas; one with ``block_quota`` skips its own quota (all quotas if it is not
bound to a quota), because it reserved them already. Cart positions valid for longer than
:data:`LOCK_TRUST_WINDOW` hold their capacity: placing their order needs no capacity lock or check
(:func:`needs_recheck`).

Existing orders that take capacity anew (reactivation, extension, changes, late payment) count their positions with
:func:`quota_demand` and check it per quota with :func:`check_quota_demand` (key ``quota``), after locking.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from core.models.quotas import Quota
from core.services.errors import CartError, CommerceError
from core.services.quotas import AVAILABILITY_OK, availability, product_quotas

#: What a position uses: ``(item_id, variation_id or None, subevent_id or None)``.
Usage = tuple[int, int | None, int | None]

#: Cart positions valid for longer than this need no capacity lock or check at checkout (pretix's value).
LOCK_TRUST_WINDOW = dt.timedelta(seconds=120)


def needs_recheck(expires: dt.datetime | None, now: dt.datetime) -> bool:
    """Whether capacity held until ``expires`` (None: not held at all) must be locked and checked anew."""
    return expires is None or expires <= now + LOCK_TRUST_WINDOW


def _key(position: Any) -> tuple[int, int | None]:
    variation = position.variation
    return position.item.id, variation.id if variation is not None else None


def _skipped(position: Any, quota_ids: list[int]) -> set[int]:
    voucher = position.voucher
    if voucher is None:
        return set()
    if voucher.allow_ignore_quota:
        return set(quota_ids)
    if voucher.block_quota:
        return {voucher.quota_id} if voucher.quota_id is not None else set(quota_ids)
    return set()


@dataclass
class CapacityPlan:
    """The quotas every group of new positions needs (``needs``; None = a product without quota)."""

    groups: list[list[Any]]
    needs: list[Counter[int] | None]
    quotas: dict[int, Quota]
    product_quota_ids: dict[tuple[int | None, int, int | None], list[int]] = field(default_factory=dict)

    def quota_ids_of(self, position: Any) -> set[int]:
        """The quotas of a position's product on its date (for quota-bound vouchers)."""
        return set(self.product_quota_ids.get((position.subevent_id, *_key(position)), []))

    def lockables(self) -> list[Quota]:
        """The limited quotas whose capacity the new positions reduce (to lock exclusively)."""
        used = {quota_id for need in self.needs if need for quota_id in need}
        return [self.quotas[q] for q in sorted(used) if self.quotas[q].size is not None]

    def check(self, session: Session, *, now: dt.datetime | None = None, ignore_cart_id: str | None = None,
              error: type[CommerceError] = CartError) -> None:
        """Raise ``error`` ``unavailable`` if no group fits, ``in_part`` if only some do (nothing is added then)."""
        used = {quota_id for need in self.needs if need for quota_id in need}
        results = availability(session, [self.quotas[q] for q in used], ignore_cart_id=ignore_cart_id, now=now)
        left = {
            quota_id: (None if number is None else number) if state == AVAILABILITY_OK else 0
            for quota_id, (state, number) in results.items()
        }
        fitting = 0
        for need in self.needs:
            if need is None:
                continue
            if all(left[q] is None or left[q] >= n for q, n in need.items()):
                fitting += 1
                for quota_id, n in need.items():
                    if left[quota_id] is not None:
                        left[quota_id] -= n
        if fitting == len(self.groups):
            return
        names = sorted({str(group[0].item.name) for group in self.groups})
        if fitting == 0:
            raise error("unavailable", f"{', '.join(names)} is sold out or not available any more.",
                        requested=len(self.groups))
        raise error("in_part", f"Only {fitting} of the {len(self.groups)} requested products are available; "
                    "nothing was taken. Choose fewer.", available=fitting, requested=len(self.groups))


def _product_quotas(session: Session, event_id: int, usages: Iterable[Usage]
                    ) -> tuple[dict[tuple[int | None, int, int | None], list[int]], dict[int, Quota]]:
    """``({(subevent_id, item_id, variation_id): [quota ids]}, {quota id: Quota})``; two queries per date."""
    by_date: dict[int | None, set[tuple[int, int | None]]] = {}
    for item_id, variation_id, subevent_id in usages:
        by_date.setdefault(subevent_id, set()).add((item_id, variation_id))
    mapping: dict[tuple[int | None, int, int | None], list[int]] = {}
    quotas: dict[int, Quota] = {}
    for subevent_id, keys in by_date.items():
        found, loaded = product_quotas(session, event_id, keys, subevent_id)
        quotas.update(loaded)
        for key, ids in found.items():
            mapping[(subevent_id, *key)] = ids
    return mapping, quotas


def quotas_for(session: Session, event_id: int, usages: Iterable[Usage]) -> dict[Usage, list[Quota]]:
    """The quotas each usage counts against (its variation's, or its item's; of its date only), sorted by id."""
    usages = set(usages)
    mapping, quotas = _product_quotas(session, event_id, usages)
    return {(i, v, s): sorted((quotas[q] for q in mapping[(s, i, v)]), key=lambda q: q.id) for i, v, s in usages}


def quota_demand(session: Session, event_id: int, usages: Iterable[Usage]) -> Counter[Quota]:
    """How many places of each quota ``usages`` (one entry per position) take."""
    usages = list(usages)
    lookup = quotas_for(session, event_id, usages)
    demand: Counter[Quota] = Counter()
    for usage in usages:
        demand.update(lookup[usage])
    return demand


def check_quota_demand(session: Session, demand: Mapping[Quota, int], *, subject: str,
                       error: type[CommerceError]) -> None:
    """Raise ``error`` ``quota`` for the first limited quota (by id) with fewer places left than ``demand`` needs.

    The waiting list is not counted (pretix's re-checks of existing orders). ``subject`` starts the message
    ("The order", "Extending order ABC12"). Run it under the exclusive locks of the limited quotas.
    """
    limited = sorted((q for q, n in demand.items() if n > 0 and q.size is not None), key=lambda q: q.id)
    if not limited:
        return
    results = availability(session, limited, count_waitinglist=False)
    for quota in limited:
        state, number = results[quota.id]
        left = max(number or 0, 0) if state == AVAILABILITY_OK else 0
        if state != AVAILABILITY_OK or (number is not None and number < demand[quota]):
            raise error("quota", f"{subject} needs {demand[quota]} place(s) of the quota {quota.name!r}, which has "
                        f"{left} left.", quota=quota.id, needed=demand[quota], available=left)


def plan_capacity(session: Session, event: Any, groups: Sequence[Sequence[Any]]) -> CapacityPlan:
    """The quota needs of ``groups`` (each a position followed by its bundled positions).

    Positions need ``item``, ``variation``, ``subevent_id`` and ``voucher``. Two queries per distinct date.
    """
    mapping, quotas = _product_quotas(session, event.id, ((*_key(p), p.subevent_id) for g in groups for p in g))
    needs: list[Counter[int] | None] = []
    for group in groups:
        need: Counter[int] | None = Counter()
        for position in group:
            ids = mapping[(position.subevent_id, *_key(position))]
            if not ids:
                need = None
                break
            skipped = _skipped(position, ids)
            need.update(q for q in ids if q not in skipped)
        needs.append(need)
    return CapacityPlan([list(g) for g in groups], needs, quotas, mapping)
