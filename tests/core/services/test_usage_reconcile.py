"""The nightly reconciliation of the product usage counters."""

from __future__ import annotations

import logging

from sqlalchemy import update

from core.models.usage import product_usage, write_usage
from core.services.quotas import reconcile_all_events, reconcile_quota_usage


def test_nothing_to_fix_when_counters_match(db_session, order_factory, event) -> None:
    order_factory(status="p")
    order_factory(status="n")
    assert reconcile_all_events(db_session) == 0


def test_drift_is_fixed_and_logged(db_session, order_factory, catalogue, event, caplog) -> None:
    order_factory(status="p")
    db_session.flush()
    write_usage(db_session)
    db_session.connection().execute(
        update(product_usage).where(product_usage.c.event_id == event.id).values(paid=product_usage.c.paid + 5)
    )
    assert reconcile_quota_usage(db_session, event)
    with caplog.at_level(logging.ERROR, logger="ticketry.quotas"):
        assert reconcile_all_events(db_session) == 1
    assert f"usage counters of event {event.id} had drifted" in caplog.text
    assert reconcile_quota_usage(db_session, event) == []
