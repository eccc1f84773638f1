"""Quota availability: how many units of each quota are still for sale, for many quotas at once.

:func:`availability` follows pretix's algorithm (pretix-behaviour.md 2.1). For every quota:

1. ``closed`` -> ``(ORDERED, 0)``; unlimited (``size`` None) -> ``(OK, None)``; ``size == 0`` -> ``(GONE, 0)``.
2. Subtract positions of **paid** orders (exhausted -> ``GONE``), then of **pending** orders (-> ``ORDERED``).
   A position counts if it is not canceled, its date (sub-event) is the quota's, and its variation is in the
   quota's variations or, without a variation, its item is in the quota's items. Positions blocked with
   ``ignore_from_quota_while_blocked`` are not counted.
3. Subtract what valid **blocking vouchers** reserve: ``max_usages - redeemed`` (-> ``ORDERED``).
4. Subtract unexpired **cart** positions, except those using a valid blocking voucher (-> ``RESERVED``).
5. Subtract **waiting list** entries without a voucher, when counted (-> ``ORDERED``).
6. Otherwise ``(OK, number left)``.

The number is never negative. All sources are counted in **one** aggregate statement for all quotas
(:mod:`.counting`: ``GROUP BY`` over the ``quota_item`` / ``quota_variation`` association tables, one ``UNION ALL``
part per source), so the number of queries does not depend on the number of quotas and no position is ever loaded.
Voucher validity and cart expiry use real time (``now`` overrides it in tests), never the time machine.

Then the :class:`~core.interfaces.quotas.IQuotaAvailability` signal may rewrite the results, and quotas with
``close_when_sold_out`` that are no longer available are closed (``closed=True``, audit log
``pretix.event.quota.closed``). ``release_after_exit`` needs check-in data: without check-in lists every position
counts (``exited_orders`` is 0).

:func:`item_availability` gives the availability of products (the worst of their quotas, bundled products with
multiplicity); :func:`quota_details` the numbers of pretix's quota availability endpoint.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value
from zope.interface import implementer

from core.interfaces.quotas import IQuotaAvailability
from core.logs import log_action
from core.models.quotas import Quota
from core.pluginhost import send
from core.services.quotas.counting import QuotaCounts, count_usage

AVAILABILITY_GONE = Quota.AVAILABILITY_GONE
AVAILABILITY_ORDERED = Quota.AVAILABILITY_ORDERED
AVAILABILITY_RESERVED = Quota.AVAILABILITY_RESERVED
AVAILABILITY_OK = Quota.AVAILABILITY_OK

Result = tuple[int, int | None]

_QUOTA = Quota.__table__


@implementer(IQuotaAvailability)
@dataclass(frozen=True)
class QuotaAvailability:
    """The :class:`~core.interfaces.quotas.IQuotaAvailability` signal."""

    scope: Any
    quotas: list[Quota]
    count_waitinglist: bool
    results: dict[int, Result]


@dataclass(frozen=True, slots=True)
class QuotaDetails:
    """pretix's quota availability endpoint: usage by source, the result and the size (None = unlimited)."""

    paid_orders: int
    pending_orders: int
    exited_orders: int
    blocking_vouchers: int
    cart_positions: int
    waiting_list: int
    available_number: int | None
    available: bool
    total_size: int | None
    state: int = field(default=AVAILABILITY_OK)

    def as_dict(self) -> dict[str, Any]:
        """The endpoint's JSON fields."""
        return {
            "paid_orders": self.paid_orders, "pending_orders": self.pending_orders,
            "exited_orders": self.exited_orders, "blocking_vouchers": self.blocking_vouchers,
            "cart_positions": self.cart_positions, "waiting_list": self.waiting_list,
            "available_number": self.available_number, "available": self.available, "total_size": self.total_size,
        }


def evaluate(quota: Quota, counts: QuotaCounts, *, count_waitinglist: bool = True, ignore_closed: bool = False
             ) -> Result:
    """The ``(state, number)`` of one quota from its usage (pure; steps 1-6 of the module docstring)."""
    if quota.closed and not ignore_closed:
        return AVAILABILITY_ORDERED, 0
    if quota.size is None:
        return AVAILABILITY_OK, None
    if quota.size == 0:
        return AVAILABILITY_GONE, 0
    left = quota.size
    steps = [
        (counts.paid_orders, AVAILABILITY_GONE),
        (counts.pending_orders, AVAILABILITY_ORDERED),
        (counts.blocking_vouchers, AVAILABILITY_ORDERED),
        (counts.cart_positions, AVAILABILITY_RESERVED),
    ]
    if count_waitinglist:
        steps.append((counts.waiting_list, AVAILABILITY_ORDERED))
    for used, state in steps:
        left -= used
        if left <= 0:
            return state, 0
    return AVAILABILITY_OK, left


def availability(
    session: Session,
    quotas: Iterable[Quota],
    *,
    count_waitinglist: bool = True,
    ignore_cart_id: str | None = None,
    ignore_closed: bool = False,
    now: dt.datetime | None = None,
) -> dict[int, Result]:
    """``{quota id: (state, number or None)}`` for ``quotas`` in a constant number of queries.

    :param count_waitinglist: subtract waiting list entries (off for re-checks of existing orders).
    :param ignore_cart_id: do not count this cart's positions (re-checking a cart against the rest).
    :param ignore_closed: compute closed quotas as if they were open.
    :param now: the real time for cart expiry and voucher validity (tests); default ``datetime.now(UTC)``.

    Closed, unlimited and zero-size quotas are decided without any query. Quotas with ``close_when_sold_out``
    whose result is ``ORDERED`` or worse are closed and audit-logged (in the caller's transaction).
    """
    quotas = list({quota.id: quota for quota in quotas}.values())
    counted = [
        q.id for q in quotas if q.size is not None and q.size > 0 and (ignore_closed or not q.closed)
    ]
    counts = count_usage(session, counted, count_waitinglist=count_waitinglist, ignore_cart_id=ignore_cart_id,
                         now=now)
    results = {
        quota.id: evaluate(quota, counts.get(quota.id, QuotaCounts()), count_waitinglist=count_waitinglist,
                           ignore_closed=ignore_closed)
        for quota in quotas
    }
    results = _plugin_results(quotas, results, count_waitinglist)
    _close_sold_out(session, quotas, results)
    return results


def _plugin_results(quotas: list[Quota], results: dict[int, Result], count_waitinglist: bool) -> dict[int, Result]:
    by_event: dict[int, list[Quota]] = {}
    for quota in quotas:
        by_event.setdefault(quota.event_id, []).append(quota)
    merged = dict(results)
    for event_quotas in by_event.values():
        own = {quota.id: results[quota.id] for quota in event_quotas}
        changed = send(QuotaAvailability(event_quotas[0].event, event_quotas, count_waitinglist, own))
        merged.update(changed if changed is not None else own)
    return merged


def _close_sold_out(session: Session, quotas: list[Quota], results: dict[int, Result]) -> None:
    """Close quotas with ``close_when_sold_out`` that are no longer available; each is logged once."""
    for quota in quotas:
        state, _ = results[quota.id]
        if not quota.close_when_sold_out or quota.closed or state > AVAILABILITY_ORDERED:
            continue
        changed = session.execute(
            update(_QUOTA).where(_QUOTA.c.id == quota.id, _QUOTA.c.closed.is_(False)).values(closed=True)
        ).rowcount
        if changed:
            set_committed_value(quota, "closed", True)
            log_action(quota, "pretix.event.quota.closed")


def quota_details(
    session: Session, quotas: Iterable[Quota], *, count_waitinglist: bool = True, now: dt.datetime | None = None
) -> dict[int, QuotaDetails]:
    """pretix's availability endpoint numbers for every quota (also closed and unlimited ones), same queries.

    ``waiting_list`` is the number of waiting list entries without a voucher (pretix reports the pending orders
    counter there by mistake; this reports the real one).
    """
    quotas = list({quota.id: quota for quota in quotas}.values())
    counts = count_usage(session, [q.id for q in quotas], count_waitinglist=count_waitinglist, now=now)
    results = {
        q.id: evaluate(q, counts[q.id], count_waitinglist=count_waitinglist) for q in quotas
    }
    results = _plugin_results(quotas, results, count_waitinglist)
    _close_sold_out(session, quotas, results)
    details = {}
    for quota in quotas:
        usage, (state, number) = counts[quota.id], results[quota.id]
        details[quota.id] = QuotaDetails(
            paid_orders=usage.paid_orders, pending_orders=usage.pending_orders, exited_orders=usage.exited_orders,
            blocking_vouchers=usage.blocking_vouchers, cart_positions=usage.cart_positions,
            waiting_list=usage.waiting_list, available_number=number, available=state == AVAILABILITY_OK,
            total_size=quota.size, state=state,
        )
    return details
