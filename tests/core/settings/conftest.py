from __future__ import annotations

from typing import Any

import pytest
from pyramid.config import Configurator

from core.settings import settings_for

ACME_PACKAGE = "tests.core.settings.acme_plugin"


@pytest.fixture
def settings_registry(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    """A registry with the core settings and the fake plugin ``acme`` (ini and env values set)."""
    monkeypatch.setenv("TICKETRY_PLUGIN_ACME_RETRIES", "5")
    config = Configurator(settings={
        "ticketry.var_dir": str(tmp_path),
        "ticketry.site_url": "http://tickets.example",
        "ticketry.timezone": "Europe/Berlin",
        "ticketry.default_locale": "en",
        "ticketry.mail.from": "shop@tickets.example",
        "ticketry.plugin.acme.api_url": "https://ini.example",
    })
    config.include("core.config.settings")
    config.registry.plugin_for_package = {ACME_PACKAGE: "acme"}
    config.include("core.settings")
    config.include(ACME_PACKAGE)
    config.commit()
    return config.registry


@pytest.fixture
def event_settings(db_session: Any, event: Any, settings_registry: Any) -> Any:
    return settings_for(db_session, event, settings_registry)


@pytest.fixture
def organizer_settings(db_session: Any, organizer: Any, settings_registry: Any) -> Any:
    return settings_for(db_session, organizer, settings_registry)


@pytest.fixture
def platform_settings(db_session: Any, settings_registry: Any) -> Any:
    return settings_for(db_session, None, settings_registry)
