"""Outgoing mail: ``mail(...)`` renders and stores a message, a task sends it after commit.

Public API: :func:`mail`, :class:`WithholdMail`, :func:`~core.mail.renderers.text_to_html`.
Extension points (:mod:`core.interfaces.mail`): :class:`~core.interfaces.mail.IPlaceholder`,
:class:`~core.interfaces.mail.IHtmlMailRenderer` (providers) and the
:class:`~core.interfaces.mail.IMailFilter` signal. The backend (``ticketry.mail.backend``) lives
on ``registry.mail_backend``.
"""

from __future__ import annotations

from pyramid.config import Configurator

from core.interfaces.mail import IHtmlMailRenderer, IPlaceholder
from core.mail.backends import backend_from_settings
from core.mail.compose import mail
from core.mail.filters import WithholdMail
from core.mail.placeholders import CORE_PLACEHOLDERS, placeholder_factory
from core.mail.renderers import PlainRenderer, SimpleRenderer, text_to_html

__all__ = ["WithholdMail", "mail", "text_to_html"]


def includeme(config: Configurator) -> None:
    config.registry.mail_backend = backend_from_settings(config.get_settings())
    for name in CORE_PLACEHOLDERS:
        config.add_provider(IPlaceholder, name, placeholder_factory(name))
    config.add_provider(IHtmlMailRenderer, "plain", PlainRenderer)
    config.add_provider(IHtmlMailRenderer, "simple", SimpleRenderer)
