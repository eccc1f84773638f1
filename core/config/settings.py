"""Directive ``config.add_setting(setting)``: declare a typed setting (core or plugin)."""

from __future__ import annotations

import dataclasses

from pyramid.config import Configurator

from core.config.owner import CORE, owner_of
from core.settings.declaration import Setting
from core.settings.registry import SettingsSchema

#: Runs after the permission groups of the same commit are registered (default order 0).
CHECK_PERMISSION_ORDER = 10


def schema_of(registry: object) -> SettingsSchema:
    """``registry.settings_schema``, created on first use from the registry's deployment settings."""
    schema = getattr(registry, "settings_schema", None)
    if schema is None:
        schema = SettingsSchema(getattr(registry, "settings", None) or {})
        registry.settings_schema = schema  # type: ignore[attr-defined]
    return schema


def add_setting(config: Configurator, setting: Setting) -> None:
    """Declare ``setting``. Inside a plugin's configuration the key is stored as ``plugin.<name>.<key>``.

    The plugin loader calls this for every entry of ``PluginInfo.settings``; plugins may also call it
    from their ``includeme``. Declaring a key twice is a configuration conflict naming both places.
    At commit the deployment value (``ticketry.plugin.<name>.<key>`` or ``TICKETRY_PLUGIN_<NAME>_<KEY>``)
    is parsed (a bad value stops start-up naming the key) and, when the permission catalogue exists,
    ``write_permission`` must be a known permission.
    """
    if not isinstance(setting, Setting):
        raise TypeError(f"config.add_setting() takes a core.settings.Setting, got {setting!r}")
    owner = owner_of(config)
    if owner != CORE:
        if setting.key.startswith("plugin."):
            raise ValueError(f"plugin {owner!r}: declare {setting.key!r} without the plugin.<name>. prefix")
        if setting.deployment_key is not None:
            raise ValueError(f"plugin {owner!r}: setting {setting.key!r} cannot name a deployment_key; "
                             f"its ini key is ticketry.plugin.{owner}.{setting.key}")
        setting = dataclasses.replace(setting, key=f"plugin.{owner}.{setting.key}", owner=owner)
    registry = config.registry

    def register() -> None:
        schema_of(registry).add(setting)

    def check_permission() -> None:
        catalogue = getattr(registry, "permission_catalogue", None)
        if catalogue is not None and setting.write_permission is not None:
            catalogue.validate(setting.write_permission)

    intr = config.introspectable("ticketry settings", setting.key, setting.key, "ticketry setting")
    intr["setting"] = setting
    intr["owner"] = owner
    config.action(("ticketry.setting", setting.key), register, introspectables=(intr,))
    config.action(None, check_permission, order=CHECK_PERMISSION_ORDER)


def includeme(config: Configurator) -> None:
    schema_of(config.registry)
    config.add_directive("add_setting", add_setting)
