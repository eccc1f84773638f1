"""Extension point of webhooks: the audit log actions an organizer's webhooks can subscribe to."""

from __future__ import annotations

from zope.interface import Attribute, Interface, taggedValue

from core.pluginhost.info import Level


class IWebhookEvent(Interface):
    """A kind of audit log action that webhooks can listen to, and the thin JSON payload sent for it.

    Register with ``config.add_provider(IWebhookEvent, "<action type>", factory)``; the provider
    name must equal its :attr:`action_type`. The core declares pretix's webhook events
    (``pretix.event.order.placed``, ``pretix.event.order.changed.*``, ``pretix.voucher.added``, ...);
    a plugin adds events for its own action types (``pretix.plugins.<plugin>.…`` or
    ``<plugin>.…``). The registered names are the values a webhook's ``action_types`` may hold.

    **When:** after a transaction that wrote audit log entries has committed, a background task
    looks, for each entry, for the provider named like the entry's action type, else for a
    wildcard provider found by walking up the dotted name (``a.b.c.d`` tries ``a.b.c.d``,
    ``a.b.c.*``, ``a.b.*``, ``a.*``). If an enabled webhook of the entry's organizer lists that
    provider's action type (and covers the entry's event), :meth:`build_payload` is called once
    and its result is delivered to every such webhook.

    **With what:** the factory is called with the entry's Event, or with its Organizer for entries
    without an event; a plugin's provider is only used where the plugin is active for that scope.

    **Returns:** see :meth:`build_payload`.

    **Failure policy:** an exception in :meth:`build_payload` is logged (logger
    ``ticketry.webhooks``) and that entry is not delivered; other entries go on.

    **Scope:** platform-wide registration, built per Event or Organizer. Instances must be
    stateless; they may be shared between scopes.
    """

    taggedValue("scope", Level.PLATFORM)

    action_type = Attribute(
        "The action type listened to, equal to the provider name: an exact type such as "
        "``pretix.event.order.paid`` or a wildcard ending in ``.*`` such as ``pretix.event.order.changed.*``."
    )
    verbose_name = Attribute("Human-readable name shown when choosing the action types of a webhook.")

    def build_payload(entry):  # type: ignore[no-untyped-def]
        """Return the JSON object to send for the audit log entry ``entry``, or None to send nothing.

        ``entry`` is a :class:`~core.models.LogEntry` attached to a session inside the tenant scope of
        its organizer, so the provider may load the entry's object (one or two queries). The payload
        should be thin, as pretix's: ids and codes the receiver uses to fetch details through the
        REST API, always with ``notification_id`` (the entry id), ``organizer`` (slug) and
        ``action`` (the entry's action type). Return None when the object no longer exists. The
        result must be JSON-serialisable (str, int, float, bool, None, lists, dicts).
        """


class IWebhookSender(Interface):
    """The HTTP client that delivers webhook calls: ``registry.webhook_sender``.

    **When:** once per delivery attempt, from the delivery task, outside any database transaction.

    **With what:** the target URL, the raw JSON body (bytes), the headers (content type, user agent,
    ``X-Ticketry-Signature``) and the timeout in seconds.

    **Returns:** a :class:`~core.webhooks.delivery.WebhookResponse` for any HTTP answer, whatever
    its status.

    **Failure policy:** raise :class:`~core.webhooks.delivery.WebhookTransportError` when no answer
    arrived (connection error, timeout); the attempt is then logged with return code 0 and retried.
    Any other exception fails the delivery task without a log entry or retry.

    **Scope:** platform; one instance serves every organizer and thread. The core installs a sender
    on ``requests`` that follows no redirects; tests install a fake (``sdk.testing`` fixture
    ``webhook_sender``).
    """

    def send(url, body, headers, timeout):  # type: ignore[no-untyped-def]
        """POST ``body`` with ``headers`` to ``url`` without following redirects and return the answer."""
