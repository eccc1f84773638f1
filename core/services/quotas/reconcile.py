"""Reconciling the product usage counters with the orders they summarise.

:func:`reconcile_quota_usage` recounts the paid and pending positions of one event from ``order_position`` and
``orders`` (the truth), compares them with ``product_usage`` and, with ``fix=True``, rewrites the rows that drifted.
Tests run it after every life-cycle path; the nightly task :func:`reconcile_usage_nightly` runs it for every
event. Drift means some code changed
orders or positions behind the session hook (bulk statements): the result names the products and numbers.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from huey import crontab
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from core.db import scope, scopes_disabled
from core.models.event import Event
from core.models.orders import Order
from core.models.usage import Deltas, ProductKey, pending_usage, product_usage, usage_rows, write_usage
from core.tasks import periodic_task

log = logging.getLogger("ticketry.quotas")


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


def reconcile_all_events(session: Session) -> int:
    """Recount and fix the usage counters of every event; returns how many products had drifted.

    Drift is a bug (some code changed positions behind the session hook), so each event with drift is
    logged as an error naming the products, stored and recounted numbers.
    """
    with scopes_disabled():
        events = session.execute(select(Event.id, Event.organizer_id).order_by(Event.id)).all()
    drifted = 0
    for event_id, organizer_id in events:
        with scope(organizer_id):
            event = session.get(Event, event_id)
            if event is None:
                continue
            drift = reconcile_quota_usage(session, event, fix=True)
        if drift:
            drifted += len(drift)
            log.error("usage counters of event %s had drifted and were fixed: %s", event_id, drift)
    return drifted


@periodic_task(crontab(minute="41", hour="3"), name="core.services.quotas.reconcile")
def reconcile_usage_nightly(session: Session) -> int:
    """Nightly: :func:`reconcile_all_events` in its own unit of work."""
    return reconcile_all_events(session)
