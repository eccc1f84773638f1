from __future__ import annotations

from decimal import Decimal

import pytest

from core.db import scopes_disabled
from core.i18n import I18nString
from core.models import Event
from core.settings import (
    SECRET_MASK,
    SettingScopeError,
    SettingValueError,
    UnknownSetting,
    settings_for,
)


def test_declared_default_applies_when_nothing_is_stored(event_settings):
    assert event_settings["reservation_time"] == 30
    assert event_settings.get("attendee_names_asked") is True
    assert event_settings["payment_term_last"] is None


def test_event_overrides_organizer_overrides_platform_overrides_default(
    event_settings, organizer_settings, platform_settings
):
    platform_settings.set("max_items_per_order", 20)
    assert event_settings["max_items_per_order"] == 20
    organizer_settings.set("max_items_per_order", 15)
    assert event_settings["max_items_per_order"] == 15
    assert platform_settings["max_items_per_order"] == 20
    event_settings.set("max_items_per_order", 5)
    assert event_settings["max_items_per_order"] == 5
    assert organizer_settings["max_items_per_order"] == 15
    event_settings.delete("max_items_per_order")
    assert event_settings["max_items_per_order"] == 15
    organizer_settings.delete("max_items_per_order")
    platform_settings.delete("max_items_per_order")
    assert event_settings["max_items_per_order"] == 10


def test_deployment_values_sit_between_platform_table_and_default(event_settings, platform_settings):
    assert event_settings["timezone"] == "Europe/Berlin"          # ini (ticketry.timezone)
    assert event_settings["mail_from"] == "shop@tickets.example"  # ini (ticketry.mail.from)
    acme = event_settings.plugin("acme")
    assert acme["api_url"] == "https://ini.example"                # ticketry.plugin.acme.api_url
    assert acme["retries"] == 5                                    # TICKETRY_PLUGIN_ACME_RETRIES
    platform_settings.set("timezone", "Europe/Vienna")
    assert event_settings["timezone"] == "Europe/Vienna"


def test_lower_levels_store_only_overrides(event_settings, organizer_settings):
    organizer_settings.set("reservation_time", 20)
    assert organizer_settings.is_overridden("reservation_time")
    assert not event_settings.is_overridden("reservation_time")


def test_events_of_one_organizer_do_not_share_values(db_session, event, event_settings, settings_registry):
    other = Event(organizer_id=event.organizer_id, slug="other", name=I18nString("Other"), date_from=event.date_from)
    with scopes_disabled():
        db_session.add(other)
        db_session.flush()
    event_settings.set("reservation_time", 5)
    assert settings_for(db_session, other, settings_registry)["reservation_time"] == 30


def test_undeclared_keys_are_rejected_on_read_and_write_with_close_matches(event_settings):
    with pytest.raises(UnknownSetting, match="did you mean 'reservation_time'"):
        event_settings.get("reservaton_time")
    with pytest.raises(UnknownSetting, match="unknown setting 'nonsense'"):
        event_settings.set("nonsense", 1)
    with pytest.raises(KeyError):
        event_settings.delete("nonsense")


def test_wrong_types_are_rejected_naming_the_key(event_settings):
    with pytest.raises(SettingValueError, match="setting 'reservation_time': expected a whole number"):
        event_settings.set("reservation_time", "30")
    with pytest.raises(SettingValueError, match="must be at least 1"):
        event_settings.set("max_items_per_order", 0)
    with pytest.raises(SettingValueError, match="not one of the allowed values"):
        event_settings.set("tax_rounding", "whatever")
    assert event_settings["reservation_time"] == 30


def test_settings_can_only_be_stored_at_their_levels(event_settings, organizer_settings, platform_settings):
    with pytest.raises(SettingScopeError, match="organizer setting and cannot be stored on the event"):
        event_settings.set("giftcard_length", 16)
    with pytest.raises(SettingScopeError, match="platform setting"):
        organizer_settings.plugin("acme").set("retries", 1)
    organizer_settings.set("giftcard_length", 16)
    assert event_settings["giftcard_length"] == 16
    platform_settings.plugin("acme").set("retries", 9)
    assert event_settings.plugin("acme")["retries"] == 9


def test_plugin_keys_are_namespaced_and_attributed(event_settings, settings_registry):
    schema = settings_registry.settings_schema
    assert "plugin.acme.fee" in schema
    assert "fee" not in schema
    assert {s.owner for s in schema.of_plugin("acme")} == {"acme"}
    assert schema["reservation_time"].owner == "core"
    acme = event_settings.plugin("acme")
    acme.set("fee", Decimal("1.25"))
    assert event_settings["plugin.acme.fee"] == Decimal("1.25")
    assert acme["greeting"].localize("de") == "Hallo"
    with pytest.raises(UnknownSetting, match=r"did you mean 'plugin\.acme\.fee'"):
        acme.get("fees")
    with pytest.raises(UnknownSetting):
        event_settings.plugin("other").get("fee")


def test_freeze_has_every_key_and_returns_copies(event_settings):
    event_settings.set("locales", ["en", "de"])
    frozen = event_settings.freeze()
    assert frozen["reservation_time"] == 30
    assert frozen["locales"] == ["en", "de"]
    assert frozen["plugin.acme.retries"] == 5
    frozen["locales"].append("fr")
    event_settings.get("mail_sales_channel_placed_paid").append("box")
    assert event_settings["locales"] == ["en", "de"]
    assert event_settings["mail_sales_channel_placed_paid"] == ["web"]
    assert event_settings.plugin("acme").freeze()["fee"] == Decimal("0.50")


def test_explain_leaves_out_secrets_and_computes_readonly(organizer_settings, event_settings):
    organizer_settings.set("smtp_password", "hunter2")
    organizer_settings.plugin("acme").set("api_key", "sk_live_123")
    explained = organizer_settings.explain(can_write=lambda permission: permission != "event.settings.tax:write")
    assert "smtp_password" not in explained
    assert "plugin.acme.api_key" not in explained
    assert "hunter2" not in repr(explained) and "sk_live_123" not in repr(explained)
    assert explained["reservation_time"] == {
        "value": 30, "label": "Reservation period", "help_text": "Minutes products stay reserved in a cart.",
        "readonly": False,
    }
    assert explained["tax_rounding"]["readonly"] is True
    assert explained["plugin.acme.fee"]["value"] == "0.50"
    assert "giftcard_length" in explained
    assert "giftcard_length" not in event_settings.explain()
    assert "plugin.acme.retries" not in event_settings.explain()
    assert organizer_settings.plugin("acme").explain()["greeting"]["value"] == {"en": "Hello", "de": "Hallo"}
    assert organizer_settings.plugin("acme")["api_key"] == "sk_live_123"
    assert SECRET_MASK not in repr(organizer_settings)


def test_explain_translates_labels(organizer_settings):
    class Upper:
        def translate(self, text):
            return text.upper()

    assert organizer_settings.explain(localizer=Upper(), keys=["reservation_time"])["reservation_time"]["label"] == (
        "RESERVATION PERIOD"
    )


def test_reading_fifty_keys_costs_one_query(event_settings, record_statements):
    keys = event_settings.schema.keys()[:50]
    assert len(keys) == 50
    with record_statements() as queries:
        for key in keys:
            event_settings.get(key)
        for key in keys:
            event_settings.get(key)
    assert len(queries) <= 2
    assert len(queries) == 1


def test_writes_update_the_cache(event_settings, record_statements):
    event_settings.get("reservation_time")
    event_settings.set("reservation_time", 12)
    with record_statements() as queries:
        assert event_settings["reservation_time"] == 12
    assert queries == []


def test_the_cache_is_per_session_and_dropped_at_commit(db_session, event, tm, settings_registry, record_statements):
    settings = settings_for(db_session, event, settings_registry)
    settings.set("reservation_time", 12)
    tm.commit()
    tm.begin()
    with record_statements() as queries:
        assert settings_for(db_session, event, settings_registry)["reservation_time"] == 12
    assert len([q for q in queries if not q.startswith("SAVEPOINT")]) == 1  # the test transaction's savepoint


def test_a_rolled_back_savepoint_does_not_leave_values_in_the_cache(db_session, event_settings):
    event_settings.set("reservation_time", 12)
    savepoint = db_session.begin_nested()
    event_settings.set("reservation_time", 99)
    savepoint.rollback()
    assert event_settings["reservation_time"] == 12


def test_platform_settings_need_no_tenant_scope(platform_settings, event_settings):
    platform_settings.set("reservation_time", 40)
    assert event_settings["reservation_time"] == 40


def test_unreadable_scope_is_a_type_error(db_session, settings_registry):
    with pytest.raises(TypeError, match="event, an organizer or None"):
        settings_for(db_session, "conf", settings_registry)


def test_settings_for_uses_the_current_registry(db_session, event, settings_registry):
    from pyramid.threadlocal import manager

    manager.push({"registry": settings_registry, "request": None})
    try:
        assert settings_for(db_session, event).schema is settings_registry.settings_schema
    finally:
        manager.pop()
