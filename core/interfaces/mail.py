"""Extension points of outgoing mail: text placeholders, HTML renderers and the mail filter signal.

Both are providers (``config.add_provider``) at platform scope: the core looks them up for the
mail's event, organizer or the platform with :func:`core.pluginhost.providers_for`. A plugin's
providers are used only where the plugin is active.
"""

from __future__ import annotations

from zope.interface import Attribute, Interface, taggedValue

from core.interfaces.signals import IScopedSignal, Policy
from core.pluginhost.info import Level


class IPlaceholder(Interface):
    """A ``{name}`` that mail texts (subjects, bodies, signatures) may contain.

    Register with ``config.add_provider(IPlaceholder, "<plugin>_<name>", Factory)``. The factory
    gets the scope (event, organizer or None) and returns the placeholder. The provider name must
    be unique; the ``identifier`` need not be. Several placeholders may offer ``{url}`` for
    different contexts (event, order, position).

    **When:** :func:`core.mail.mail` renders a text and finds ``{identifier}`` in it.
    **Available:** only if every name in ``required_context`` is a key of the mail's context
    (``event``, ``organizer``, ``order``, ... as passed to ``mail()``). When several available
    placeholders share an identifier, the one with the longest ``required_context`` wins (the most
    specific), then the core's, then by provider name.
    **Failure policy:** an exception in :meth:`render` is logged with the plugin and placeholder,
    and the text shows ``(error)`` instead. The mail still goes out.
    """

    taggedValue("scope", Level.PLATFORM)

    identifier = Attribute(
        "The name inside the braces, e.g. ``event`` for ``{event}`` (matching ``[A-Za-z_][A-Za-z0-9_]*``)."
    )
    required_context = Attribute("Tuple of context keys that must all be present, e.g. ``('event',)``.")

    def render(context):  # type: ignore[no-untyped-def]
        """Return the text for ``{identifier}``.

        ``context`` is a mapping with the mail's context objects plus ``locale`` (the mail's
        language). Return plain text; it is escaped for the HTML part. Translated values
        (:class:`~core.i18n.I18nString`) must be localized to ``context["locale"]``.
        """


class IHtmlMailRenderer(Interface):
    """Turns the rendered plain text of a mail into its HTML part (an e-mail "design").

    Register with ``config.add_provider(IHtmlMailRenderer, "<identifier>", Factory)``. The factory
    gets the scope (event, organizer or None). The setting ``mail_html_renderer`` picks the
    renderer by name. If that renderer is unknown or its plugin is inactive, the core's
    ``simple`` renderer is used. The core ships ``plain`` (bare HTML, no styling) and ``simple``
    (a clean layout with the subject as heading and the signature apart).

    **When:** once per mail in :func:`core.mail.mail`, unless ``plain_text_only`` is set.
    **Failure policy:** an exception is logged with the plugin and renderer, and the mail goes out
    as plain text only.
    """

    taggedValue("scope", Level.PLATFORM)

    identifier = Attribute("Name stored in the ``mail_html_renderer`` setting.")
    verbose_name = Attribute("Human-readable name shown when choosing a design.")

    def render(plain_body, signature, subject, **kw):  # type: ignore[no-untyped-def]
        """Return a complete HTML document (str).

        :param plain_body: the mail text with placeholders filled in, without the signature.
        :param signature: the rendered signature text ('' if none).
        :param subject: the final subject line.
        :param kw: ``event``, ``organizer``, ``locale``, ``context`` (the mail's context mapping) and
            whatever later versions add. Accept and ignore what you do not use.

        Everything taken from the texts must be HTML-escaped; :func:`core.mail.renderers.text_to_html`
        does that and turns blank-line-separated paragraphs and URLs into HTML.
        """


class IMailFilter(IScopedSignal):
    """Sent by the send task just before each delivery attempt of an outgoing mail. Policy: CHAINED on ``message``.

    Handlers are called as ``handler(signal, message=<EmailMessage>, **kw)``. Each gets the
    previous handler's message and must return a message: the same one changed in place, or a new
    one. To stop the mail, raise :class:`core.mail.WithholdMail` with a reason. The mail's status
    becomes ``withheld`` and nothing is sent. Any other exception fails this delivery attempt like
    a connection error would, and the attempt is retried.

    ``scope`` is the mail's event, else its organizer, else None (platform mails). Only handlers of
    plugins active there run. Handlers run inside the send task's unit of work; they must not send
    mail themselves.
    """

    taggedValue("policy", Policy.CHAINED)
    taggedValue("chained", "message")

    message = Attribute("The :class:`email.message.EmailMessage` about to be sent.")
    mail = Attribute("The :class:`~core.models.OutgoingMail` row (read it; the core updates it).")
