from __future__ import annotations

import pytest
from pyramid.config import Configurator
from pyramid.exceptions import ConfigurationError, ConfigurationExecutionError

from core.security.permissions import (
    LEGACY_CHECK,
    LEGACY_GRANTS,
    InvalidPermissions,
    PermissionCatalogue,
    PermissionGroup,
    UnknownPermission,
)

CORE_EVENT = {
    "event.settings.general:write", "event.settings.payment:write", "event.settings.tax:write",
    "event.settings.invoicing:write", "event.subevents:write", "event.items:write", "event.orders:read",
    "event.orders:write", "event.orders:checkin", "event.vouchers:read", "event.vouchers:write", "event:cancel",
}
CORE_ORGANIZER = {
    "organizer.events:create", "organizer.settings.general:write", "organizer.teams:write",
    "organizer.giftcards:read", "organizer.giftcards:write", "organizer.customers:read", "organizer.customers:write",
    "organizer.reusablemedia:read", "organizer.reusablemedia:write", "organizer.devices:read",
    "organizer.devices:write", "organizer.seatingplans:write", "organizer.outgoingmails:read",
}


def test_core_catalogue_has_pretix_permission_strings_exactly():
    catalogue = PermissionCatalogue.with_core_groups()
    assert catalogue.permissions("event") == CORE_EVENT
    assert catalogue.permissions("organizer") == CORE_ORGANIZER


@pytest.mark.parametrize("permission", ["event.order:read", "event.orders:delete", "orders", "", 5, {}, ("x:y",), ()])
def test_unknown_permission_raises(permission):
    with pytest.raises(UnknownPermission):
        PermissionCatalogue.with_core_groups().validate(permission)


@pytest.mark.parametrize("permission", [None, "member", "staff", "event.orders:read", ("event:cancel", "member"),
                                        "can_view_orders", "can_change_settings"])
def test_known_permissions_validate(permission):
    assert PermissionCatalogue.with_core_groups().validate(permission) == permission


def test_legacy_maps_only_name_known_permissions():
    catalogue = PermissionCatalogue.with_core_groups()
    for mapping in (LEGACY_CHECK, LEGACY_GRANTS):
        for required in mapping.values():
            for permission in required:
                catalogue.level_of(permission)
    assert LEGACY_CHECK["can_change_event_settings"] == ("event.settings.general:write",)
    assert set(LEGACY_CHECK["can_manage_gift_cards"]) == {"organizer.giftcards:read", "organizer.giftcards:write"}
    assert set(LEGACY_GRANTS["can_change_orders"]) == {"event.orders:write", "event:cancel"}


def test_team_input_expands_legacy_names():
    event, organizer = PermissionCatalogue.with_core_groups().from_input(
        ["can_change_event_settings", "can_change_organizer_settings", "event.orders:read"]
    )
    assert event == {
        "event.settings.general:write": True, "event.settings.payment:write": True, "event.settings.tax:write": True,
        "event.settings.invoicing:write": True, "event.subevents:write": True, "event.orders:read": True,
    }
    assert organizer == {
        "organizer.settings.general:write": True, "organizer.devices:read": True, "organizer.devices:write": True,
        "organizer.seatingplans:write": True, "organizer.outgoingmails:read": True,
    }


@pytest.mark.parametrize(
    ("grants", "level"),
    [
        (["event.orders:read"], "event"),
        ({"event.orders:read": "yes"}, "event"),
        ({"event.orders:read": False}, "event"),
        ({"event.orders:nope": True}, "event"),
        ({"organizer.teams:write": True}, "event"),
    ],
)
def test_grant_dicts_must_be_known_permissions_mapped_to_true(grants, level):
    with pytest.raises(InvalidPermissions):
        PermissionCatalogue.with_core_groups().validate_grants(grants, level)


def test_permission_group_rejects_bad_declarations():
    with pytest.raises(ValueError, match="dotted lowercase"):
        PermissionGroup("Event Orders", "x", ("read",))
    with pytest.raises(ValueError, match="at least one action"):
        PermissionGroup("event.x", "x", ())
    with pytest.raises(ValueError, match="unknown actions"):
        PermissionGroup("event.x", "x", ("read",), options=(("write",),))


def _plugin_config(registry_package: str, plugin: str) -> Configurator:
    config = Configurator(settings={})
    config.include("core.config.permissions")
    config.registry.plugin_for_package = {registry_package: plugin}
    return config.with_package(registry_package)


def test_plugin_adds_a_namespaced_group_with_attribution():
    config = _plugin_config("tests.core.security", "acme")
    config.add_permission_group(PermissionGroup("event.plugin.acme", "Acme", ("read", "write")), level="event")
    config.add_permission_group(PermissionGroup("organizer.plugin.acme.keys", "Keys", ("write",)), level="organizer")
    config.commit()
    catalogue = config.registry.permission_catalogue
    assert catalogue.level_of("event.plugin.acme:write") == "event"
    assert catalogue.level_of("organizer.plugin.acme.keys:write") == "organizer"
    assert catalogue.entries["event.plugin.acme"].owner == "acme"
    intr = config.registry.introspector.get("permission groups", "event.plugin.acme")
    assert intr["plugin"] == "acme"


@pytest.mark.parametrize(
    ("name", "level"),
    [("event.acme", "event"), ("event.plugin.other", "event"), ("organizer.plugin.acme", "event")],
)
def test_plugin_groups_outside_the_plugin_namespace_are_refused(name, level):
    config = _plugin_config("tests.core.security", "acme")
    config.add_permission_group(PermissionGroup(name, "x", ("read",)), level=level)
    with pytest.raises(ConfigurationExecutionError, match="must"):
        config.commit()


def test_duplicate_group_is_a_conflict():
    config = _plugin_config("tests.core.security", "acme")
    config.add_permission_group(PermissionGroup("event.plugin.acme", "A", ("read",)), level="event")
    config.add_permission_group(PermissionGroup("event.plugin.acme", "B", ("read",)), level="event")
    with pytest.raises(ConfigurationError):
        config.commit()


def test_bad_level_is_refused_at_once():
    config = _plugin_config("tests.core.security", "acme")
    with pytest.raises(ValueError, match="level"):
        config.add_permission_group(PermissionGroup("event.plugin.acme", "A", ("read",)), level="platform")


def test_view_with_unknown_permission_fails_at_configuration_time(ticketry_settings):
    from core.app import make_config

    config = make_config(dict(ticketry_settings))
    config.add_route("typo", "/typo")
    config.add_view(lambda request: {}, route_name="typo", renderer="json", permission="event.order:read")
    with pytest.raises(ConfigurationExecutionError, match=r"unknown permission 'event\.order:read'"):
        config.commit()
    config.registry.db_engine.dispose()
