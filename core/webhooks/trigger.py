"""From committed audit log entries to webhook deliveries.

The log listener :func:`on_log_entries` runs after every commit that wrote audit log entries and
queues :func:`notify_webhooks` with their ids. That task finds, per entry, the webhook event the
action type belongs to (exact name or ``prefix.*`` wildcard), the organizer's enabled webhooks
listening to it (all events, or the entry's event among ``limit_events``), builds the payload
once and queues one :func:`~core.webhooks.delivery.deliver` per webhook after its commit.
"""

from __future__ import annotations

import json
import logging
from collections import defaultdict
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from core.db import scope, scopes_disabled
from core.interfaces.webhooks import IWebhookEvent
from core.models import Event, LogEntry, Organizer
from core.models.webhooks import Webhook
from core.pluginhost import current_registry, provider_for
from core.tasks import enqueue_after_commit, task
from core.webhooks.delivery import deliver
from core.webhooks.events import matching_action_type, registered_action_types

log = logging.getLogger("ticketry.webhooks")


def on_log_entries(entry_ids: tuple[int, ...], registry: Any) -> None:
    """Log listener: queue :func:`notify_webhooks` for the committed entries."""
    notify_webhooks(list(entry_ids))


def _listens(webhook: Webhook, action_type: str, event_id: int | None) -> bool:
    if action_type not in (webhook.action_types or ()):
        return False
    return webhook.all_events or any(ev.id == event_id for ev in webhook.limit_events)


@task(name="ticketry.webhooks.notify")
def notify_webhooks(session: Session, entry_ids: list[int]) -> None:
    """Queue the deliveries the audit log entries ``entry_ids`` call for."""
    registered = registered_action_types(current_registry())
    if not registered:
        return
    with scopes_disabled():
        entries = session.scalars(
            select(LogEntry).where(LogEntry.id.in_(entry_ids), LogEntry.organizer_id.is_not(None)).order_by(LogEntry.id)
        ).all()
    by_organizer: dict[int, list[tuple[LogEntry, str]]] = defaultdict(list)
    for entry in entries:
        name = matching_action_type(entry.action_type, registered)
        if name is not None:
            by_organizer[entry.organizer_id].append((entry, name))  # type: ignore[index]
    for organizer_id, matched in by_organizer.items():
        with scope(organizer_id):
            _notify_organizer(session, organizer_id, matched)


def _notify_organizer(session: Session, organizer_id: int, matched: list[tuple[LogEntry, str]]) -> None:
    webhooks = session.scalars(
        select(Webhook).where(Webhook.enabled.is_(True)).options(selectinload(Webhook.limit_events))
        .order_by(Webhook.id)
    ).all()
    if not webhooks:
        return
    for entry, name in matched:
        targets = [hook for hook in webhooks if _listens(hook, name, entry.event_id)]
        if not targets:
            continue
        payload = _payload(session, entry, name)
        if payload is None:
            continue
        for hook in targets:
            enqueue_after_commit(session, deliver, organizer_id, hook.id, entry.id, entry.action_type, payload)


def _payload(session: Session, entry: LogEntry, name: str) -> str | None:
    scope_obj = session.get(Event, entry.event_id) if entry.event_id is not None else None
    scope_obj = scope_obj or session.get(Organizer, entry.organizer_id)
    provider = provider_for(scope_obj, IWebhookEvent, name)
    if provider is None:
        return None
    try:
        payload = provider.build_payload(entry)
        return None if payload is None else json.dumps(payload)
    except Exception:  # a broken plugin payload must not stop the other entries
        log.exception("webhook event %r failed to build the payload of log entry %s", name, entry.id)
        return None
