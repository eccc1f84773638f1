"""Webhook fixture: ``webhook_sender``, a fake HTTP client that records deliveries instead of sending them."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from zope.interface import implementer

from core.interfaces.webhooks import IWebhookSender
from core.webhooks.delivery import WebhookResponse, WebhookTransportError


@dataclass(frozen=True)
class SentWebhook:
    """One recorded POST."""

    url: str
    body: bytes
    headers: dict[str, str]
    timeout: float

    @property
    def json(self) -> Any:
        return json.loads(self.body)


@implementer(IWebhookSender)
@dataclass
class FakeWebhookSender:
    """Records every POST in :attr:`sent` and answers from :attr:`answers` (then :attr:`default`).

    An answer is an HTTP status (int), a ``(status, body)`` pair, or an exception instance to raise
    (e.g. ``WebhookTransportError("timeout")`` for "no answer").
    """

    sent: list[SentWebhook] = field(default_factory=list)
    answers: list[Any] = field(default_factory=list)
    default: Any = 200

    def send(self, url: str, body: bytes, headers: dict[str, str], timeout: float) -> WebhookResponse:
        self.sent.append(SentWebhook(url, body, dict(headers), timeout))
        answer = self.answers.pop(0) if self.answers else self.default
        if isinstance(answer, BaseException):
            raise answer
        status, text = answer if isinstance(answer, tuple) else (answer, "")
        return WebhookResponse(status, text)


@pytest.fixture
def webhook_sender(registry: Any) -> Iterator[FakeWebhookSender]:
    """Install a :class:`FakeWebhookSender` as ``registry.webhook_sender`` for this test."""
    previous = registry.webhook_sender
    fake = FakeWebhookSender()
    registry.webhook_sender = fake
    try:
        yield fake
    finally:
        registry.webhook_sender = previous


__all__ = ["FakeWebhookSender", "SentWebhook", "WebhookTransportError", "webhook_sender"]
