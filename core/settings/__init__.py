"""Hierarchical typed settings: event -> organizer -> platform (table, then ini/env) -> declared default.

Public API::

    from core.settings import Setting, Scope, settings_for, update_settings

    Setting("reservation_time", int, 30, scope=Scope.EVENT, label=_("Reservation period"))
    config.add_setting(setting)                 # plugins: stored as plugin.<name>.<key>
    settings = settings_for(session, event)     # get / [] / set / delete / freeze / explain / plugin(name)
    update_settings(session, event, {"reservation_time": 15}, actor=user)   # validated, audited

Every key must be declared (``registry.settings_schema``); reading or writing anything else raises
:class:`UnknownSetting`. See :mod:`core.settings.declaration` for the levels and scopes.
"""

from __future__ import annotations

from pyramid.config import Configurator

from core.settings.declaration import SECRET_MASK, Scope, Setting
from core.settings.errors import (
    SettingScopeError,
    SettingsError,
    SettingsValidationError,
    SettingValueError,
    UnknownSetting,
)
from core.settings.files import MEDIA_PATH, File, FileUpload, StoredFile
from core.settings.proxy import PluginSettings, SettingsProxy, settings_for
from core.settings.registry import SettingsSchema, missing_required
from core.settings.schema import CORE_SETTINGS
from core.settings.service import delete_plugin_settings, update_settings

__all__ = [
    "SECRET_MASK", "File", "FileUpload", "PluginSettings", "Scope", "Setting", "SettingScopeError",
    "SettingValueError", "SettingsError", "SettingsProxy", "SettingsSchema", "SettingsValidationError",
    "StoredFile", "UnknownSetting", "delete_plugin_settings", "missing_required", "settings_for",
    "update_settings",
]


def includeme(config: Configurator) -> None:
    """Declare the core settings and serve stored setting files under ``/media/settings/``."""
    for setting in CORE_SETTINGS:
        config.add_setting(setting)
    files = config.registry.settings_schema.files
    config.add_static_view(MEDIA_PATH, str(files.root.resolve()))
