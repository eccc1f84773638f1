"""Directive ``config.add_periodic_task``: run a plugin function on a schedule for every active scope."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from pyramid.config import Configurator

from core.config.owner import CORE, owner_of
from core.configuration import ConfigurationError
from core.pluginhost.info import Level
from core.pluginhost.periodic import PeriodicRecord, schedule
from core.pluginhost.registry import init_plugin_registry


def add_periodic_task(config: Configurator, func: Callable[..., Any], crontab: Callable[[datetime], bool],
                      scope: Level = Level.EVENT) -> str:
    """Run ``func(scope, **kw)`` on the schedule ``crontab`` (``huey.crontab(...)``) for each active scope.

    :param scope: ``Level.EVENT`` (every event where the plugin is active), ``Level.ORGANIZER`` (every
        organizer) or ``Level.PLATFORM`` (once, with ``None``).

    The huey task is named ``plugin.<plugin>.<function name>`` (returned). Each call runs in a
    savepoint in the scope's tenant scope; a failure is logged and counted and the other scopes go on.
    The work must be idempotent: huey may run a tick late or, after a crash, twice.
    """
    func = config.maybe_dotted(func)
    owner = owner_of(config)
    if owner == CORE:
        raise ConfigurationError("add_periodic_task is for plugins; core code uses core.tasks.periodic_task")
    if scope not in (Level.EVENT, Level.ORGANIZER, Level.PLATFORM):
        raise ConfigurationError(f"add_periodic_task: scope must be Level.EVENT, ORGANIZER or PLATFORM, not {scope!r}")
    if not callable(func) or not callable(crontab):
        raise ConfigurationError("add_periodic_task(func, crontab): both must be callable (use huey.crontab(...))")
    name = f"plugin.{owner}.{func.__name__}"
    record = PeriodicRecord(name, owner, func, scope, crontab)
    registry = config.registry

    def register() -> None:
        registry.periodic_tasks[name] = record
        if not getattr(registry, "plugin_probe", False):
            schedule(record)

    intr = config.introspectable("periodic tasks", name, name, "periodic task")
    intr["plugin"] = owner
    intr["scope"] = scope
    intr["func"] = func
    config.action(("periodic_task", name), register, introspectables=(intr,))
    return name


def includeme(config: Configurator) -> None:
    init_plugin_registry(config.registry)
    config.add_directive("add_periodic_task", add_periodic_task)
