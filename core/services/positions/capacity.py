"""Capacity of new positions: which quotas they use, what to lock, and whether they all fit.

Plan first (:func:`plan_capacity`, no locks), lock :meth:`CapacityPlan.lockables` through
:func:`core.locking.lock_objects` together with the vouchers and the event, then :meth:`CapacityPlan.check`.
A *group* is a position with its bundled positions: it fits as a whole or not at all. A voucher with
``allow_ignore_quota`` skips all quotas; one with ``block_quota`` skips its own quota (all quotas if it is not
bound to a quota), because it reserved them already. Cart positions valid for longer than
:data:`LOCK_TRUST_WINDOW` hold their capacity: placing their order needs no capacity lock or check
(:func:`needs_recheck`).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from core.models.quotas import Quota
from core.services.errors import CartError, CommerceError
from core.services.quotas import AVAILABILITY_OK, availability, product_quotas

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


def plan_capacity(session: Session, event: Any, groups: Sequence[Sequence[Any]]) -> CapacityPlan:
    """The quota needs of ``groups`` (each a position followed by its bundled positions).

    Positions need ``item``, ``variation``, ``subevent_id`` and ``voucher``. Two queries per distinct date.
    """
    by_date: dict[int | None, set[tuple[int, int | None]]] = {}
    for group in groups:
        for position in group:
            by_date.setdefault(position.subevent_id, set()).add(_key(position))
    mapping: dict[tuple[int | None, int, int | None], list[int]] = {}
    quotas: dict[int, Quota] = {}
    for subevent_id, keys in by_date.items():
        found, loaded = product_quotas(session, event.id, keys, subevent_id)
        quotas.update(loaded)
        for key, ids in found.items():
            mapping[(subevent_id, *key)] = ids
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
