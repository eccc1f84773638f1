"""The public plugin API: metadata, activity, providers, signals, slots and activation.

Plugins import from here (``from core.pluginhost import PluginInfo, Level, send``) and register
through the ``config.add_*`` directives of :mod:`core.config`. Everything else in this package is
the host's machinery.
"""

from __future__ import annotations

from pyramid.config import Configurator

from core.interfaces.signals import IAfterCommitSignal, IScopedSignal, Policy
from core.pluginhost.activation import (
    ActivationError,
    disable_plugin,
    enable_default_plugins,
    enable_plugin,
)
from core.pluginhost.activity import active_plugins, is_active
from core.pluginhost.dispatch import HandlerRecord, send
from core.pluginhost.info import SUPPORTED_API_LEVELS, Level, PluginInfo
from core.pluginhost.providers import provider_for, providers_for
from core.pluginhost.registry import current_registry
from core.pluginhost.slots import render_slot
from core.pluginhost.state import PluginLoadError, PluginState, PluginStatus

__all__ = [
    "SUPPORTED_API_LEVELS", "ActivationError", "HandlerRecord", "IAfterCommitSignal", "IScopedSignal", "Level",
    "PluginInfo", "PluginLoadError", "PluginState", "PluginStatus", "Policy", "active_plugins", "current_registry",
    "disable_plugin", "enable_default_plugins", "enable_plugin", "is_active", "provider_for", "providers_for",
    "render_slot", "send",
]

#: Audit log action types of activation (pretix's names, for API compatibility).
LOG_ENTRY_TYPES = {
    "pretix.event.plugins.enabled": "The plugin {plugin} has been enabled.",
    "pretix.event.plugins.disabled": "The plugin {plugin} has been disabled.",
    "pretix.organizer.plugins.enabled": "The plugin {plugin} has been enabled for the organizer.",
    "pretix.organizer.plugins.disabled": "The plugin {plugin} has been disabled for the organizer.",
}


def includeme(config: Configurator) -> None:
    for action_type, display in LOG_ENTRY_TYPES.items():
        config.add_log_entry_type(action_type, display)
