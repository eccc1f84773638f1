"""Plugin-host state kept on the Pyramid registry, and access to the current registry."""

from __future__ import annotations

from typing import Any

from pyramid.registry import Registry, global_registry
from pyramid.threadlocal import get_current_registry

from core.pluginhost.metrics import PluginMetrics


def current_registry() -> Registry:
    """The registry of the running application (request, task, CLI unit of work or test).

    Raises RuntimeError when no application registry was pushed (``config.begin()`` or
    ``pyramid.threadlocal.manager.push``), instead of silently using Pyramid's empty global one.
    """
    registry = get_current_registry()
    if registry is global_registry:
        raise RuntimeError(
            "no Ticketry registry is active: push one with config.begin() or "
            "pyramid.threadlocal.manager.push({'registry': registry, 'request': None})"
        )
    return registry


def init_plugin_registry(registry: Any) -> None:
    """Give ``registry`` the empty plugin-host attributes (idempotent).

    - ``plugin_states``: list of :class:`~core.pluginhost.state.PluginState`, sorted by name;
    - ``plugin_infos``: name -> PluginInfo of the LOADED plugins;
    - ``plugin_for_package``: package -> plugin name, for attribution (:func:`core.config.owner.owner_of`);
    - ``plugin_packages``: plugin name -> package;
    - ``provider_owner``: (interface, name) -> owner;
    - ``signal_index``: signal class -> (policy, chained attribute, sorted handler records), built lazily;
    - ``template_slots``: slot name -> sorted slot records;
    - ``periodic_tasks``: task name -> periodic record;
    - ``plugin_metrics``: :class:`~core.pluginhost.metrics.PluginMetrics`;
    - ``signal_observers``: callables told about every dispatch (the ``signal_log`` test fixture).
    """
    defaults: dict[str, Any] = {
        "plugin_states": list,
        "plugin_infos": dict,
        "plugin_for_package": dict,
        "plugin_packages": dict,
        "provider_owner": dict,
        "signal_index": dict,
        "template_slots": dict,
        "periodic_tasks": dict,
        "plugin_metrics": PluginMetrics,
        "signal_observers": list,
    }
    for attr, factory in defaults.items():
        if not hasattr(registry, attr):
            setattr(registry, attr, factory())
