"""``registry.settings_schema``: every declared setting by full key, and its deployment (ini/env) value."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from core.configuration import PLUGIN_PREFIX, ConfigurationError
from core.settings.declaration import Setting
from core.settings.errors import SettingValueError, UnknownSetting
from core.settings.files import FileStore

_MISSING = object()


def deployment_names(setting: Setting) -> tuple[str, str] | None:
    """``(ini key, environment variable)`` giving the platform default of ``setting``, if it has one.

    Plugin key ``plugin.acme.api_key`` -> ``("ticketry.plugin.acme.api_key", "TICKETRY_PLUGIN_ACME_API_KEY")``;
    a core setting with ``deployment_key="ticketry.timezone"`` -> ``("ticketry.timezone", "TICKETRY_TIMEZONE")``.
    """
    if setting.key.startswith("plugin."):
        ini = "ticketry." + setting.key
    elif setting.deployment_key:
        ini = setting.deployment_key
    else:
        return None
    return ini, ini.upper().replace(".", "_")


def read_deployment(setting: Setting, deployment: Mapping[str, Any], environ: Mapping[str, str]) -> Any:
    """The typed deployment value of ``setting`` (environment over ini), or ``_MISSING``.

    Raises :class:`ConfigurationError` naming the ini key or environment variable for a bad value.
    """
    names = deployment_names(setting)
    if names is None:
        return _MISSING
    ini, env = names
    if env in environ:
        source, raw = f"environment variable {env}", environ[env]
    elif ini in deployment:
        source, raw = f"setting {ini!r}", deployment[ini]
    else:
        return _MISSING
    try:
        value = setting.codec.parse_text(raw) if isinstance(raw, str) else raw
        return setting.clean(value)
    except (ValueError, SettingValueError) as exc:
        problem = exc.problem if isinstance(exc, SettingValueError) else str(exc)
        raise ConfigurationError(f"{source} has the bad value {raw!r}: {problem}") from None


def missing_required(
    settings: Iterable[Setting],
    deployment: Mapping[str, Any],
    *,
    plugin: str | None = None,
    environ: Mapping[str, str] | None = None,
) -> list[str]:
    """Messages for the ``required`` settings without a deployment value (empty list: all present).

    ``settings`` are declarations as written (short keys, e.g. a plugin's ``PluginInfo.settings``,
    with ``plugin`` its name) or full keys from the schema. The loader marks a plugin broken with
    these messages; ``ticketry check`` prints them.
    """
    environ = os.environ if environ is None else environ
    problems = []
    for setting in settings:
        if not setting.required:
            continue
        full = setting
        if plugin is not None and not setting.key.startswith("plugin."):
            full = dataclasses.replace(setting, key=f"plugin.{plugin}.{setting.key}")
        names = deployment_names(full)
        present = names is not None and (names[1] in environ or names[0] in deployment)
        if not present:
            where = f"set {names[0]} in the ini file or the environment variable {names[1]}" if names else (
                "give it a deployment_key"
            )
            problems.append(f"setting {full.key!r} is required: {where}")
    return problems


class SettingsSchema:
    """All declared settings of this application (core and loaded plugins) by full key."""

    def __init__(
        self,
        deployment: Mapping[str, Any] | None = None,
        files: FileStore | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        self.deployment: Mapping[str, Any] = deployment or {}
        self.environ: Mapping[str, str] = os.environ if environ is None else environ
        var_dir = str(self.deployment.get("ticketry.var_dir", "var"))
        site_url = str(self.deployment.get("ticketry.site_url", ""))
        self.files = files or FileStore(os.path.join(var_dir, "files", "settings"), site_url)
        self._settings: dict[str, Setting] = {}
        self._deployment_values: dict[str, Any] = {}

    def add(self, setting: Setting) -> None:
        """Register a declaration with its full key; reads and checks its deployment value now."""
        if setting.key in self._settings:
            raise ValueError(f"setting {setting.key!r} is declared twice")
        value = read_deployment(setting, self.deployment, self.environ)
        self._settings[setting.key] = setting
        if value is not _MISSING:
            self._deployment_values[setting.key] = value

    def __getitem__(self, key: str) -> Setting:
        try:
            return self._settings[key]
        except KeyError:
            raise UnknownSetting(key, self._settings) from None

    def __contains__(self, key: object) -> bool:
        return key in self._settings

    def __iter__(self) -> Iterator[Setting]:
        return iter(sorted(self._settings.values(), key=lambda s: s.key))

    def __len__(self) -> int:
        return len(self._settings)

    def keys(self) -> list[str]:
        return sorted(self._settings)

    def of_plugin(self, plugin: str) -> list[Setting]:
        """The declarations of one plugin, sorted by key."""
        return [s for s in self if s.owner == plugin]

    def has_deployment_value(self, key: str) -> bool:
        return key in self._deployment_values

    def deployment_value(self, key: str) -> Any:
        """The typed deployment value; ``KeyError`` when there is none."""
        return self._deployment_values[key]

    def unknown_deployment_keys(self) -> list[str]:
        """``ticketry.plugin.<name>.<key>`` ini keys of plugins with declarations that declare no such key."""
        owners = {s.owner for s in self._settings.values()}
        problems = []
        for ini in sorted(k for k in self.deployment if k.startswith(PLUGIN_PREFIX)):
            plugin, _, key = ini[len(PLUGIN_PREFIX):].partition(".")
            if plugin in owners and f"plugin.{plugin}.{key}" not in self._settings:
                problems.append(str(UnknownSetting(f"plugin.{plugin}.{key}", self._settings)) + f" (ini key {ini})")
        return problems
