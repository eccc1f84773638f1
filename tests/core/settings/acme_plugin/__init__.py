"""A fake plugin package for settings tests: its configuration declares settings like the loader does."""

from __future__ import annotations

from decimal import Decimal

from pyramid.config import Configurator

from core.i18n import I18nString
from core.settings import File, Scope, Setting

SETTINGS = (
    Setting("api_url", str, "https://default.example", scope=Scope.ORGANIZER, label="API URL"),
    Setting("api_key", str, None, scope=Scope.ORGANIZER, secret=True, label="API key"),
    Setting("fee", Decimal, Decimal("0.50"), label="Fee"),
    Setting("greeting", I18nString, {"en": "Hello", "de": "Hallo"}, label="Greeting"),
    Setting("logo", File, label="Logo"),
    Setting("retries", int, 3, scope=Scope.PLATFORM, label="Retries"),
)


def includeme(config: Configurator) -> None:
    for setting in SETTINGS:
        config.add_setting(setting)
