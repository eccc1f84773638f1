"""Settings fixtures: the settings proxies of the test event, organizer and platform on the test session."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.orm import Session

from core.settings import SettingsProxy, settings_for


@pytest.fixture
def event_settings(db_session: Session, event: Any, registry: Any) -> SettingsProxy:
    """``settings_for(db_session, event)``; a plugin reads its keys with ``event_settings.plugin("name")``."""
    return settings_for(db_session, event, registry)


@pytest.fixture
def organizer_settings(db_session: Session, organizer: Any, registry: Any) -> SettingsProxy:
    """``settings_for(db_session, organizer)``: values here are the defaults of the organizer's events."""
    return settings_for(db_session, organizer, registry)


@pytest.fixture
def platform_settings(db_session: Session, registry: Any) -> SettingsProxy:
    """``settings_for(db_session, None)``: platform-wide values (staff only in the UI and API)."""
    return settings_for(db_session, None, registry)
