"""The core's sales channel types ``web`` and ``api`` (see :class:`core.interfaces.channels.ISalesChannelType`)."""

from __future__ import annotations

from typing import Any

from pyramid.config import Configurator
from zope.interface import implementer

from core.i18n import I18nString
from core.interfaces.channels import ISalesChannelType
from core.pluginhost.info import Level


@implementer(ISalesChannelType)
class WebChannelType:
    """The online shop."""

    identifier = "web"
    verbose_name = I18nString({"en": "Online shop", "de": "Online-Shop"})
    default_created = True
    multiple_allowed = False
    testmode_supported = True

    def __init__(self, scope: Any = None) -> None:
        self.scope = scope


@implementer(ISalesChannelType)
class ApiChannelType:
    """Sales through the REST API (resellers, custom front ends)."""

    identifier = "api"
    verbose_name = I18nString({"en": "API", "de": "API"})
    default_created = True
    multiple_allowed = True
    testmode_supported = True

    def __init__(self, scope: Any = None) -> None:
        self.scope = scope


def includeme(config: Configurator) -> None:
    for channel_type in (WebChannelType, ApiChannelType):
        config.add_provider(ISalesChannelType, channel_type.identifier, channel_type, scope=Level.PLATFORM)
