"""The core task behind AFTER_COMMIT signals: one queued delivery per handler, after the commit."""

from __future__ import annotations

import logging
from time import perf_counter
from typing import Any

from pyramid.path import DottedNameResolver
from sqlalchemy.orm import Session

from core.pluginhost.activity import is_active
from core.pluginhost.dispatch import route_for
from core.pluginhost.registry import current_registry
from core.tasks import enqueue_after_commit, task

log = logging.getLogger("ticketry.plugins")

#: Deliveries are retried (huey) when the handler raises: 3 more attempts, 30 s apart, doubling.
DELIVERY_RETRIES = 3


def queue_after_commit(session: Session, signal: Any, jobs: list[tuple[str, str]]) -> None:
    """Queue one :func:`deliver_signal` per ``(plugin, handler name)`` when ``session`` commits."""
    cls = type(signal)
    path = f"{cls.__module__}:{cls.__qualname__}"
    payload = signal.payload()
    organizer_id = getattr(signal.scope, "organizer_id", None)
    for plugin, handler in jobs:
        enqueue_after_commit(session, deliver_signal, path, payload, plugin, handler, organizer_id=organizer_id)


@task(retries=DELIVERY_RETRIES, retry_delay=30, retry_backoff=2, name="ticketry.plugins.deliver_signal")
def deliver_signal(session: Session, signal_path: str, payload: dict[str, Any], plugin: str, handler: str,
                   organizer_id: int | None = None) -> None:
    """Rebuild the signal from ``payload``, re-check that ``plugin`` is active, call its ``handler``.

    Runs in its own unit of work inside the organizer's tenant scope. A signal whose objects are
    gone, a handler that no longer exists and a plugin disabled since the commit are skipped.
    """
    registry = current_registry()
    cls = DottedNameResolver().resolve(signal_path)
    signal = cls.restore(session, payload)
    if signal is None:
        log.info("after-commit signal %s: its objects are gone (%r); nothing to deliver", signal_path, payload)
        return
    record = next((r for r in route_for(registry, cls).records if r.plugin == plugin and r.name == handler), None)
    if record is None:
        log.warning("after-commit signal %s: plugin %s has no handler %s any more", signal_path, plugin, handler)
        return
    if not is_active(session, plugin, signal.scope, registry):
        return
    start = perf_counter()
    try:
        record.func(signal)
    finally:
        registry.plugin_metrics.timed(plugin, perf_counter() - start)
