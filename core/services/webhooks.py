"""Webhooks of an organizer: create, change, delete, rotate the secret, re-send a delivery; each audit-logged.

Refused input raises :class:`WebhookError` naming the field (``target_url``, ``action_types``,
``limit_events``) before anything is written. Delivery itself lives in :mod:`core.webhooks`.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Sequence
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.db import scope
from core.logs import log_action
from core.models import Event, Organizer, User
from core.models.webhooks import Webhook, WebhookCall
from core.pluginhost import current_registry
from core.services.slugs import ValidationError
from core.tasks import enqueue_after_commit
from core.webhooks.delivery import deliver
from core.webhooks.events import registered_action_types

#: Fields :func:`update_webhook` accepts.
CHANGEABLE = ("enabled", "target_url", "all_events", "limit_events", "action_types", "comment")
URL_MAX_LENGTH = 255


class WebhookError(ValidationError):
    """Refused webhook input: ``field`` names what to fix, ``message`` says how (the API answers 400 with both)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(field, message)
        self.message = message


def new_secret() -> str:
    """A fresh signing secret (64 hex characters)."""
    return secrets.token_hex(32)


def check_target_url(url: str) -> str:
    """``url`` if it is an absolute http(s) URL of at most 255 characters, else :class:`WebhookError`."""
    if not isinstance(url, str) or not url.strip():
        raise WebhookError("target_url", "This field may not be blank.")
    url = url.strip()
    if len(url) > URL_MAX_LENGTH:
        raise WebhookError("target_url", f"Ensure this field has no more than {URL_MAX_LENGTH} characters.")
    try:
        parts = urlsplit(url)
    except ValueError:
        parts = None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
        raise WebhookError("target_url", "Enter a valid URL.")
    return url


def check_action_types(action_types: Iterable[str]) -> list[str]:
    """The distinct ``action_types`` in order if each names a registered webhook event, else :class:`WebhookError`."""
    known = registered_action_types(current_registry())
    result: list[str] = []
    for action_type in action_types:
        if action_type not in known:
            raise WebhookError("action_types", f'Invalid action type "{action_type}".')
        if action_type not in result:
            result.append(action_type)
    return result


def events_by_slug(session: Session, organizer: Organizer, slugs: Iterable[str]) -> list[Event]:
    """The organizer's events with these slugs, in order; :class:`WebhookError` for an unknown slug."""
    wanted = list(dict.fromkeys(slugs))
    with scope(organizer.id):
        found = {ev.slug: ev for ev in session.scalars(select(Event).where(Event.slug.in_(wanted)))}
    for slug in wanted:
        if slug not in found:
            raise WebhookError("limit_events", f"Object with slug={slug} does not exist.")
    return [found[slug] for slug in wanted]


def _events_of(organizer_id: int, events: Sequence[Event]) -> list[Event]:
    for ev in events:
        if ev.organizer_id != organizer_id:
            raise WebhookError("limit_events", f"Object with slug={ev.slug} does not exist.")
    return list(dict.fromkeys(events))


def describe(webhook: Webhook) -> dict[str, Any]:
    """The audit log data of ``webhook`` (never its secret)."""
    return {
        "enabled": webhook.enabled,
        "target_url": webhook.target_url,
        "all_events": webhook.all_events,
        "limit_events": sorted(ev.slug for ev in webhook.limit_events),
        "action_types": list(webhook.action_types),
        "comment": webhook.comment,
    }


def create_webhook(
    session: Session, organizer: Organizer, *, target_url: str, action_types: Iterable[str], enabled: bool = True,
    all_events: bool = True, limit_events: Sequence[Event] = (), comment: str | None = None, user: User | None = None,
    auth: Any = None,
) -> Webhook:
    """Create a webhook with a new secret (read it from ``webhook.secret`` now; it is not shown again)."""
    webhook = Webhook(
        organizer_id=organizer.id, enabled=bool(enabled), target_url=check_target_url(target_url),
        all_events=bool(all_events), action_types=check_action_types(action_types),
        limit_events=_events_of(organizer.id, limit_events), comment=comment or None, secret=new_secret(),
    )
    with scope(organizer.id):
        session.add(webhook)
        session.flush()
        log_action(webhook, "pretix.webhook.created", describe(webhook), user=user, auth=auth)
    return webhook


def update_webhook(
    session: Session, webhook: Webhook, *, user: User | None = None, auth: Any = None, **changes: Any,
) -> Webhook:
    """Change the fields in ``changes`` (any of :data:`CHANGEABLE`); logs ``pretix.webhook.changed`` if any changed."""
    unknown = set(changes) - set(CHANGEABLE)
    if unknown:
        raise TypeError(f"update_webhook() cannot change {sorted(unknown)}; changeable: {CHANGEABLE}")
    values = dict(changes)
    if "target_url" in values:
        values["target_url"] = check_target_url(values["target_url"])
    if "action_types" in values:
        values["action_types"] = check_action_types(values["action_types"])
    if "limit_events" in values:
        values["limit_events"] = _events_of(webhook.organizer_id, values["limit_events"])
    if "comment" in values:
        values["comment"] = values["comment"] or None
    for flag in ("enabled", "all_events"):
        if flag in values:
            values[flag] = bool(values[flag])
    before = describe(webhook)
    with scope(webhook.organizer_id):
        for key, value in values.items():
            setattr(webhook, key, value)
        session.flush()
        after = describe(webhook)
        changed = {key: value for key, value in after.items() if before[key] != value}
        if changed:
            log_action(webhook, "pretix.webhook.changed", changed, user=user, auth=auth)
    return webhook


def delete_webhook(session: Session, webhook: Webhook, *, user: User | None = None, auth: Any = None) -> None:
    """Delete ``webhook`` with its delivery log and pending retries."""
    with scope(webhook.organizer_id):
        log_action(webhook, "pretix.webhook.deleted", describe(webhook), user=user, auth=auth)
        session.delete(webhook)
        session.flush()


def rotate_secret(session: Session, webhook: Webhook, *, user: User | None = None, auth: Any = None) -> str:
    """Give ``webhook`` a new signing secret and return it (deliveries from now on use it)."""
    with scope(webhook.organizer_id):
        webhook.secret = new_secret()
        session.flush()
        log_action(webhook, "pretix.webhook.secret.rotated", {}, user=user, auth=auth)
    return webhook.secret


def resend_call(session: Session, call: WebhookCall) -> str:
    """Queue, after commit, one more delivery of ``call``'s payload to its webhook's current URL; return the task id.

    The new attempt is logged as a retry and is not retried automatically; a disabled webhook
    sends nothing.
    """
    return enqueue_after_commit(
        session, deliver, call.organizer_id, call.webhook_id, call.notification_id, call.action_type, call.payload,
        resend=True,
    )
