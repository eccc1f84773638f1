"""Periodic plugin tasks: one huey schedule per task, run once per scope where the plugin is active."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from time import perf_counter
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.db import tenancy
from core.models import Event, EventPlugin, Organizer, OrganizerPlugin
from core.pluginhost.activity import is_active, scope_key
from core.pluginhost.info import Level
from core.pluginhost.registry import current_registry
from core.tasks import periodic_task

#: Huey periodic tasks created in this process, by name (a name is registered with huey only once).
_SCHEDULED: dict[str, Any] = {}


@dataclass(frozen=True)
class PeriodicRecord:
    """One ``add_periodic_task`` registration."""

    name: str
    plugin: str
    func: Callable[..., Any]
    scope: Level
    validate_datetime: Callable[[datetime], bool]


def _candidates(session: Session, level: Level, plugin_level: Level, plugin: str) -> Iterable[Any]:
    """Scopes where ``plugin`` may be active (a superset; :func:`is_active` decides), by id."""
    if level is Level.PLATFORM:
        return [None]
    with tenancy.scopes_disabled():
        if level is Level.ORGANIZER:
            stmt = select(Organizer)
            if plugin_level is not Level.PLATFORM:
                stmt = stmt.where(Organizer.id.in_(select(OrganizerPlugin.organizer_id).where(
                    OrganizerPlugin.plugin == plugin)))
            return list(session.scalars(stmt.order_by(Organizer.id)))
        stmt = select(Event)
        if plugin_level in (Level.EVENT, Level.HYBRID):
            stmt = stmt.where(Event.id.in_(select(EventPlugin.event_id).where(EventPlugin.plugin == plugin)))
        elif plugin_level is Level.ORGANIZER:
            stmt = stmt.where(Event.organizer_id.in_(select(OrganizerPlugin.organizer_id).where(
                OrganizerPlugin.plugin == plugin)))
        return list(session.scalars(stmt.order_by(Event.id)))


def run_periodic(session: Session, name: str, registry: Any = None) -> int:
    """Call the periodic task ``name`` once per scope where its plugin is active; returns the calls made.

    Each call runs in a savepoint inside the scope's tenant scope; a failure rolls back that call's
    writes, is logged on ``ticketry.plugins.<plugin>`` with the scope, counted, and the next scope goes on.
    """
    registry = registry if registry is not None else current_registry()
    record = registry.periodic_tasks.get(name)
    if record is None:
        return 0
    info = registry.plugin_infos.get(record.plugin)
    plugin_level = info.level if info is not None else Level.PLATFORM
    metrics = registry.plugin_metrics
    calls = 0
    for scope in _candidates(session, record.scope, plugin_level, record.plugin):
        if not is_active(session, record.plugin, scope, registry):
            continue
        calls += 1
        start = perf_counter()
        try:
            if scope is None:
                with session.begin_nested():
                    record.func(scope)
            else:
                with tenancy.scope(scope.organizer_id), session.begin_nested():
                    record.func(scope)
        except Exception:  # ROBUST per scope: one tenant's failure must not stop the others
            where = scope_key(scope)
            logging.getLogger(f"ticketry.plugins.{record.plugin}").exception(
                "periodic task %s failed for %s; its writes were rolled back", name, where
            )
            metrics.failed(record.plugin, where)
        finally:
            metrics.timed(record.plugin, perf_counter() - start)
    return calls


def schedule(record: PeriodicRecord) -> Any:
    """The huey periodic task running ``record`` (created once per process and name)."""
    scheduled = _SCHEDULED.get(record.name)
    if scheduled is None:
        name = record.name

        def run(session: Session) -> int:
            return run_periodic(session, name)

        run.__name__ = run.__qualname__ = name.replace(".", "_")
        scheduled = _SCHEDULED[name] = periodic_task(record.validate_datetime, name=name)(run)
    return scheduled
