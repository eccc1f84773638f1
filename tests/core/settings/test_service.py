from __future__ import annotations

import json
from decimal import Decimal

import pytest
from sqlalchemy import select

from core.models import LogEntry
from core.settings import SECRET_MASK, FileUpload, SettingsValidationError, update_settings


@pytest.fixture
def logged(monkeypatch):
    """Records the audit entries update_settings writes through core.logs.log_action."""
    entries = []

    def log_action(obj, action_type, data=None, *, user=None, auth=None):
        entries.append((obj, action_type, data, user, auth))

    monkeypatch.setattr("core.logs.log_action", log_action, raising=False)
    return entries


def test_update_validates_everything_first_and_writes_nothing_on_error(
    db_session, event, event_settings, settings_registry, logged
):
    with pytest.raises(SettingsValidationError) as info:
        update_settings(db_session, event, {
            "reservation_time": 15,
            "max_items_per_order": "many",
            "giftcard_length": 20,
            "reservaton_time": 1,
        }, registry=settings_registry)
    errors = info.value.errors
    assert set(errors) == {"max_items_per_order", "giftcard_length", "reservaton_time"}
    assert "expected a whole number" in errors["max_items_per_order"]
    assert "organizer setting" in errors["giftcard_length"]
    assert "did you mean 'reservation_time'" in errors["reservaton_time"]
    assert "max_items_per_order: expected a whole number" in str(info.value)
    assert event_settings["reservation_time"] == 30
    assert logged == []


def test_update_writes_values_and_one_audit_entry_with_secrets_masked(
    db_session, organizer, organizer_settings, settings_registry, user, logged
):
    changed = update_settings(db_session, organizer, {
        "reservation_time": 15,
        "smtp_password": "hunter2",
        "plugin.acme.fee": "2.50",
        "plugin.acme.api_key": "sk_live_1",
    }, actor=user, registry=settings_registry)
    assert changed == {
        "reservation_time": 15, "smtp_password": SECRET_MASK, "plugin.acme.fee": "2.50",
        "plugin.acme.api_key": SECRET_MASK,
    }
    assert organizer_settings["plugin.acme.fee"] == Decimal("2.50")
    assert organizer_settings["smtp_password"] == "hunter2"
    ((obj, action, data, actor, auth),) = logged
    assert (obj, action, data, actor, auth) == (organizer, "pretix.organizer.settings", changed, user, None)
    assert "hunter2" not in repr(logged)


def test_update_logs_only_real_changes_and_resets_with_none(db_session, event, event_settings, settings_registry,
                                                            logged):
    token = object()
    update_settings(db_session, event, {"reservation_time": 15}, actor=token, registry=settings_registry)
    assert update_settings(db_session, event, {"reservation_time": 15}, registry=settings_registry) == {}
    assert update_settings(db_session, event, {"reservation_time": None}, registry=settings_registry) == {
        "reservation_time": None
    }
    assert update_settings(db_session, event, {"reservation_time": None}, registry=settings_registry) == {}
    assert event_settings["reservation_time"] == 30
    assert [(action, data, auth) for _obj, action, data, _user, auth in logged] == [
        ("pretix.event.settings", {"reservation_time": 15}, token),
        ("pretix.event.settings", {"reservation_time": None}, None),
    ]


def test_file_values_are_logged_as_urls(db_session, event, event_settings, settings_registry, logged):
    changed = update_settings(db_session, event, {"plugin.acme.logo": FileUpload("a.png", b"x")},
                              registry=settings_registry)
    assert changed["plugin.acme.logo"] == event_settings.plugin("acme")["logo"].url


def test_platform_updates_are_not_logged(db_session, platform_settings, settings_registry, logged):
    update_settings(db_session, None, {"plugin.acme.retries": 2}, registry=settings_registry)
    assert platform_settings.plugin("acme")["retries"] == 2
    assert logged == []


def test_update_writes_a_real_audit_log_entry(db_session, event, registry, user):
    update_settings(db_session, event, {"reservation_time": 15, "smtp_password": "hunter2"}, actor=user,
                    registry=registry)
    (entry,) = db_session.scalars(select(LogEntry).where(LogEntry.event_id == event.id)).all()
    assert entry.action_type == "pretix.event.settings"
    assert entry.user_id == user.id
    assert json.loads(entry.data) == {"reservation_time": 15, "smtp_password": SECRET_MASK}
