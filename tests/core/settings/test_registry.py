from __future__ import annotations

import pytest
from pyramid.config import Configurator
from pyramid.exceptions import ConfigurationConflictError, ConfigurationExecutionError

from core.configuration import ConfigurationError
from core.settings import Scope, Setting, SettingsSchema, missing_required
from core.settings.schema import CORE_SETTINGS
from tests.core.settings.acme_plugin import SETTINGS as ACME_SETTINGS

PLUGIN = "tests.core.settings.acme_plugin"


def _config(settings=None):
    config = Configurator(settings=settings or {})
    config.include("core.config.settings")
    config.registry.plugin_for_package = {PLUGIN: "acme"}
    return config


def test_plugin_settings_are_stored_under_the_plugin_name_with_introspection():
    config = _config()
    config.include(PLUGIN)
    config.commit()
    schema = config.registry.settings_schema
    assert [s.key for s in schema.of_plugin("acme")] == [
        "plugin.acme.api_key", "plugin.acme.api_url", "plugin.acme.fee", "plugin.acme.greeting", "plugin.acme.logo",
        "plugin.acme.retries",
    ]
    intr = config.registry.introspector.get("ticketry settings", "plugin.acme.fee")
    assert intr["owner"] == "acme"


def test_declaring_a_key_twice_is_a_conflict():
    config = _config()
    config.add_setting(Setting("twice"))
    config.add_setting(Setting("twice"))
    with pytest.raises(ConfigurationConflictError):
        config.commit()


def test_plugins_cannot_use_prefixes_or_deployment_keys():
    def prefixed(config):
        config.add_setting(Setting("plugin.acme.x"))

    def deployment(config):
        config.add_setting(Setting("x", deployment_key="ticketry.secret_key"))

    prefixed.__module__ = deployment.__module__ = PLUGIN
    with pytest.raises(ValueError, match=r"without the plugin\.<name>\. prefix"):
        _config().include(prefixed)
    with pytest.raises(ValueError, match="cannot name a deployment_key"):
        _config().include(deployment)


def test_add_setting_needs_a_declaration():
    with pytest.raises(TypeError, match=r"takes a core\.settings\.Setting"):
        _config().add_setting({"key": "x"})


def test_bad_deployment_values_stop_start_up_naming_the_key(monkeypatch):
    config = _config({"ticketry.plugin.acme.fee": "cheap"})
    config.include(PLUGIN)
    with pytest.raises(ConfigurationExecutionError, match=r"'ticketry.plugin.acme.fee' has the bad value 'cheap'"):
        config.commit()
    monkeypatch.setenv("TICKETRY_PLUGIN_ACME_RETRIES", "many")
    config = _config()
    config.include(PLUGIN)
    with pytest.raises(ConfigurationExecutionError, match="environment variable TICKETRY_PLUGIN_ACME_RETRIES"):
        config.commit()


def test_environment_wins_over_ini():
    schema = SettingsSchema({"ticketry.plugin.acme.retries": "2"}, environ={"TICKETRY_PLUGIN_ACME_RETRIES": "7"})
    schema.add(Setting("plugin.acme.retries", int, 3, owner="acme"))
    assert schema.deployment_value("plugin.acme.retries") == 7


def test_write_permissions_are_checked_against_the_catalogue_when_it_exists():
    class Catalogue:
        checked: list[str] = []

        def validate(self, permission):
            self.checked.append(permission)
            if permission.startswith("bogus"):
                raise LookupError(f"unknown permission {permission!r}")

    config = _config()
    config.registry.permission_catalogue = Catalogue()
    config.add_setting(Setting("fine", scope=Scope.ORGANIZER))
    config.add_setting(Setting("staff", scope=Scope.PLATFORM))
    config.commit()
    assert Catalogue.checked == ["organizer.settings.general:write"]
    config.add_setting(Setting("broken", write_permission="bogus:write"))
    with pytest.raises(ConfigurationExecutionError, match="unknown permission 'bogus:write'"):
        config.commit()


def test_missing_required_names_the_ini_key_and_environment_variable():
    declarations = (*ACME_SETTINGS, Setting("token", required=True))
    problems = missing_required(declarations, {}, plugin="acme", environ={})
    assert problems == [
        "setting 'plugin.acme.token' is required: set ticketry.plugin.acme.token in the ini file or the "
        "environment variable TICKETRY_PLUGIN_ACME_TOKEN"
    ]
    assert missing_required(declarations, {"ticketry.plugin.acme.token": "t"}, plugin="acme", environ={}) == []
    assert missing_required(declarations, {}, plugin="acme", environ={"TICKETRY_PLUGIN_ACME_TOKEN": "t"}) == []


def test_unknown_plugin_ini_keys_are_reported():
    schema = SettingsSchema({"ticketry.plugin.acme.api_ur": "x", "ticketry.plugin.other.key": "y"}, environ={})
    schema.add(Setting("plugin.acme.api_url", owner="acme"))
    (problem,) = schema.unknown_deployment_keys()
    assert "plugin.acme.api_ur" in problem and "did you mean 'plugin.acme.api_url'" in problem


def test_bad_core_deployment_values_are_configuration_errors():
    schema = SettingsSchema({"ticketry.timezone": "Mars/Olympus"}, environ={})
    with pytest.raises(ConfigurationError, match=r"'ticketry\.timezone' has the bad value 'Mars/Olympus'"):
        for setting in CORE_SETTINGS:
            schema.add(setting)


def test_the_app_registry_has_the_core_schema(registry):
    schema = registry.settings_schema
    assert schema["reservation_time"].default == 30
    assert schema["locale"].owner == "core"
