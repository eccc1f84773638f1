"""Reconciling the product usage counters with the orders they summarise.

:func:`reconcile_quota_usage` recounts the paid and pending positions of one event from ``order_position`` and
``orders`` (the truth), compares them with ``product_usage`` and, with ``fix=True``, rewrites the rows that drifted.
Tests run it after every life-cycle path; a periodic task can run it for every event. Drift means some code changed
orders or positions behind the session hook (bulk statements): the result names the products and numbers.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from core.models.event import Event
from core.models.orders import Order
from core.models.usage import Deltas, ProductKey, pending_usage, product_usage, usage_rows, write_usage


@dataclass(frozen=True, slots=True)
class UsageDrift:
    """One product whose counters differ from the orders: ``(paid, pending)`` stored and recounted."""

    product: ProductKey
    stored: tuple[int, int]
    actual: tuple[int, int]


def reconcile_quota_usage(session: Session, event: Event, *, fix: bool = False) -> list[UsageDrift]:
    """The products of ``event`` whose usage counters are wrong; ``fix`` rewrites them in the current transaction.

    The session's own unwritten changes are written first, so the comparison is against the whole transaction.
    """
    session.flush()
    write_usage(session)
    actual: dict[ProductKey, list[int]] = {}
    for item_id, variation_id, subevent_id, _event_id, status, number in usage_rows(session, event_id=event.id):
        entry = actual.setdefault((int(item_id), int(variation_id), int(subevent_id)), [0, 0])
        entry[0 if status == Order.STATUS_PAID else 1] += int(number)
    usage = product_usage
    stored = {
        (int(item_id), int(variation_id), int(subevent_id)): (int(paid), int(pending))
        for item_id, variation_id, subevent_id, paid, pending in session.connection().execute(
            select(usage.c.item_id, usage.c.variation_id, usage.c.subevent_id, usage.c.paid, usage.c.pending)
            .where(usage.c.event_id == event.id))
    }
    drift = []
    for product in sorted(set(actual) | set(stored)):
        have = stored.get(product, (0, 0))
        want = tuple(actual.get(product, (0, 0)))
        if have != want:
            drift.append(UsageDrift(product, have, (want[0], want[1])))
    if fix and drift:
        deltas: Deltas = {(d.product, event.id): [d.actual[0] - d.stored[0], d.actual[1] - d.stored[1]]
                          for d in drift}
        pending_usage(session).update(deltas)
        write_usage(session)
        session.connection().execute(delete(usage).where(usage.c.event_id == event.id, usage.c.paid == 0,
                                                         usage.c.pending == 0))
    return drift
