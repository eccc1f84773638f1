"""Webhooks: audit log actions POSTed, signed, to organizer-registered URLs.

* :mod:`core.webhooks.events`: the core's :class:`~core.interfaces.webhooks.IWebhookEvent` providers
  (pretix's action types and thin payloads) and action type matching;
* :mod:`core.webhooks.trigger`: the log listener and the task that picks the webhooks of each entry;
* :mod:`core.webhooks.delivery`: signing, sending, the delivery log, retries, purging.

Webhooks themselves are created and changed through :mod:`core.services.webhooks`.
"""

from __future__ import annotations

from pyramid.config import Configurator

from core.webhooks.delivery import RequestsSender, sign, verify_signature
from core.webhooks.trigger import on_log_entries

__all__ = ["sign", "verify_signature"]

#: Audit action types of webhooks (pretix's names where pretix has them).
WEBHOOK_LOG_ENTRY_TYPES = {
    "pretix.webhook.created": "The webhook has been created.",
    "pretix.webhook.changed": "The webhook has been changed.",
    "pretix.webhook.deleted": "The webhook has been deleted.",
    "pretix.webhook.disabled": "The webhook has been disabled because {target_url} answered 410 Gone.",
    "pretix.webhook.secret.rotated": "The signing secret of the webhook has been replaced.",
}


def includeme(config: Configurator) -> None:
    config.registry.webhook_sender = RequestsSender()
    for action_type, text in WEBHOOK_LOG_ENTRY_TYPES.items():
        config.add_log_entry_type(action_type, text)
    config.include("core.webhooks.events")
    config.add_log_listener(on_log_entries, name="webhooks")
