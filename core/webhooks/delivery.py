"""Delivering webhook calls: signed POSTs, the delivery log, retries with pretix's back-off, purging.

One attempt (:func:`deliver`, a huey task):

* the JSON body is POSTed to the webhook's URL with ``Content-Type: application/json`` and
  ``X-Ticketry-Signature: sha256=<hex>``, the HMAC-SHA256 of the raw body keyed with the webhook's
  secret; redirects are not followed; the timeout is :data:`TIMEOUT` seconds;
* every attempt is stored as a :class:`~core.models.webhooks.WebhookCall`; a 2xx answer is success;
* an HTTP 410 answer disables the webhook (audit action ``pretix.webhook.disabled``), no retry;
* any other failure is retried after the next delay of :data:`RETRY_DELAYS` (about 2.5 days in all):
  delays under :data:`QUEUE_DIRECTLY_BELOW` seconds are scheduled on the task queue, longer ones
  wait as a :class:`~core.models.webhooks.WebhookRetry` row for the periodic :func:`retry_due` task.

The HTTP client is ``registry.webhook_sender`` (an :class:`~core.interfaces.webhooks.IWebhookSender`, by default
:class:`RequestsSender`); tests put a fake there.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import requests
from huey import crontab
from sqlalchemy import delete, select
from sqlalchemy.orm import Session
from zope.interface import implementer

from core.db import scopes_disabled
from core.interfaces.webhooks import IWebhookSender
from core.logs import log_action
from core.models.webhooks import Webhook, WebhookCall, WebhookRetry
from core.pluginhost import current_registry
from core.tasks import after_commit, enqueue_after_commit, periodic_task, task

log = logging.getLogger("ticketry.webhooks")

#: Seconds to wait before each further attempt after a failed one (pretix's schedule).
RETRY_DELAYS: tuple[int, ...] = (5, 30, 60, 300, 1200, 3600, 14400, 21600, 43200, 43200, 86400)
#: Retries sooner than this many seconds go straight onto the task queue's schedule.
QUEUE_DIRECTLY_BELOW = 300
#: Seconds to wait for the receiver's answer.
TIMEOUT = 30
#: Days a delivery log entry is kept.
KEEP_CALLS_DAYS = 30
SIGNATURE_HEADER = "X-Ticketry-Signature"
USER_AGENT = "Ticketry webhooks"


def sign(secret: str, body: bytes) -> str:
    """The signature header value for ``body``: ``sha256=`` and the hex HMAC-SHA256 keyed with ``secret``."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def verify_signature(secret: str, body: bytes, header: str) -> bool:
    """Whether ``header`` is the signature of ``body`` under ``secret`` (constant-time comparison)."""
    return hmac.compare_digest(sign(secret, body), header or "")


@dataclass(frozen=True)
class WebhookResponse:
    """What the receiver answered: HTTP ``status`` and the start of the body."""

    status: int
    body: str


class WebhookTransportError(Exception):
    """No HTTP answer: connection refused, DNS failure, timeout, TLS error, ..."""


@implementer(IWebhookSender)
class RequestsSender:
    """The production sender on ``requests``; reads at most 64 KiB of the answer."""

    READ_LIMIT = 65536

    def send(self, url: str, body: bytes, headers: dict[str, str], timeout: float) -> WebhookResponse:
        try:
            with requests.post(url, data=body, headers=headers, timeout=timeout, allow_redirects=False,
                               stream=True) as response:
                raw = response.raw.read(self.READ_LIMIT, decode_content=True) or b""
                return WebhookResponse(response.status_code, raw.decode(response.encoding or "utf-8", "replace"))
        except (requests.RequestException, OSError) as exc:
            raise WebhookTransportError(f"{type(exc).__name__}: {exc}") from exc


def _detach_transaction(session: Session) -> None:
    """Commit what the task read so far and go on in a new transaction (no transaction open during the POST)."""
    manager = session.info["tm"]
    manager.commit()
    manager.begin()


def _post(url: str, secret: str, payload: str) -> tuple[int, str, float]:
    body = payload.encode()
    headers = {"Content-Type": "application/json", "User-Agent": USER_AGENT, SIGNATURE_HEADER: sign(secret, body)}
    started = time.perf_counter()
    try:
        response = current_registry().webhook_sender.send(url, body, headers, TIMEOUT)
        status, text = response.status, response.body
    except WebhookTransportError as exc:
        status, text = 0, str(exc)
    return status, text, time.perf_counter() - started


@task(name="ticketry.webhooks.deliver")
def deliver(session: Session, organizer_id: int, webhook_id: int, notification_id: int | None, action_type: str,
            payload: str, attempt: int = 0, resend: bool = False) -> None:
    """Make one delivery attempt of ``payload``; ``attempt`` counts the attempts made before this one.

    A ``resend`` (see :func:`core.services.webhooks.resend_call`) is a single attempt without retries.
    Disabled or deleted webhooks are skipped.
    """
    webhook = session.get(Webhook, webhook_id)
    if webhook is None or not webhook.enabled:
        return
    url, secret = webhook.target_url, webhook.secret
    _detach_transaction(session)
    status, text, elapsed = _post(url, secret, payload)
    success = 200 <= status < 300
    session.add(WebhookCall(
        organizer_id=organizer_id, webhook_id=webhook_id, target_url=url, action_type=action_type,
        notification_id=notification_id, payload=payload, is_retry=attempt > 0 or resend, execution_time=elapsed,
        return_code=status, success=success, response_body=text[:WebhookCall.RESPONSE_BODY_LIMIT],
    ))
    if success:
        return
    if status == 410:
        webhook = session.get(Webhook, webhook_id)
        if webhook is not None and webhook.enabled:
            webhook.enabled = False
            log_action(webhook, "pretix.webhook.disabled", {"target_url": url, "return_code": status})
        log.warning("webhook %s disabled: %s answered 410 Gone", webhook_id, url)
        return
    if resend or attempt >= len(RETRY_DELAYS):
        log.warning("webhook %s: giving up on %s after %s attempt(s) (last answer %s)", webhook_id, action_type,
                    attempt + 1, status)
        return
    schedule_retry(session, organizer_id, webhook_id, notification_id, action_type, payload, attempt + 1)


def schedule_retry(session: Session, organizer_id: int, webhook_id: int, notification_id: int | None,
                   action_type: str, payload: str, attempt: int) -> None:
    """Plan attempt number ``attempt + 1`` (``attempt`` made so far) after ``RETRY_DELAYS[attempt - 1]`` seconds."""
    delay = RETRY_DELAYS[attempt - 1]
    if delay < QUEUE_DIRECTLY_BELOW:
        args = (organizer_id, webhook_id, notification_id, action_type, payload, attempt)
        after_commit(session, lambda: deliver.schedule(args=args, delay=delay))
        return
    session.add(WebhookRetry(
        organizer_id=organizer_id, webhook_id=webhook_id, notification_id=notification_id, action_type=action_type,
        payload=payload, attempt=attempt, retry_not_before=datetime.now(UTC) + timedelta(seconds=delay),
    ))


def run_due_retries(session: Session, now: datetime, limit: int = 1000) -> int:
    """Queue (after commit) the stored retries due by ``now`` and delete their rows; return how many."""
    with scopes_disabled():
        due = session.scalars(
            select(WebhookRetry).where(WebhookRetry.retry_not_before <= now)
            .order_by(WebhookRetry.retry_not_before).limit(limit).with_for_update(skip_locked=True)
        ).all()
        for retry in due:
            enqueue_after_commit(session, deliver, retry.organizer_id, retry.webhook_id, retry.notification_id,
                                 retry.action_type, retry.payload, retry.attempt)
            session.delete(retry)
        session.flush()
    return len(due)


def purge_calls(session: Session, now: datetime) -> int:
    """Delete delivery log entries older than :data:`KEEP_CALLS_DAYS` days before ``now``; return how many."""
    with scopes_disabled():
        result: Any = session.execute(
            delete(WebhookCall).where(WebhookCall.datetime < now - timedelta(days=KEEP_CALLS_DAYS))
            .execution_options(synchronize_session=False)
        )
    return int(result.rowcount or 0)


@periodic_task(crontab(minute="*"), name="ticketry.webhooks.retry_due")
def retry_due(session: Session) -> None:
    """Every minute: queue the stored webhook retries that are due."""
    run_due_retries(session, datetime.now(UTC))


@periodic_task(crontab(minute="13", hour="4"), name="ticketry.webhooks.purge_calls")
def purge_old_calls(session: Session) -> None:
    """Nightly: delete webhook delivery log entries older than 30 days."""
    purge_calls(session, datetime.now(UTC))
