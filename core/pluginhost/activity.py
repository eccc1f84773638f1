"""Which plugins are active for a scope (pretix's activity rule, plus PLATFORM plugins).

A plugin is active when it is LOADED and:

- ``EVENT``: enabled on the event;
- ``ORGANIZER``: enabled on the organizer (for an event: on the event's organizer);
- ``HYBRID``: on an event, enabled on the event *and* its organizer; on an organizer, enabled there;
- ``PLATFORM``: always.

On the platform scope (``None``) only PLATFORM plugins are active. The core (``"core"``) is always
active. Broken, incompatible and excluded plugins never are, nor are plugins whose migrations
are pending (:mod:`core.pluginhost.pending`). The answer is read with one query per
scope and cached in ``session.info`` until the session's transaction ends or activation changes.
The enabled rows are also kept in the process-wide :mod:`core.config_cache`; every written
EventPlugin/OrganizerPlugin row bumps its event's or organizer's version, which invalidates them.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event as sa_event
from sqlalchemy import literal, select, union_all
from sqlalchemy.orm import Mapper, Session, SessionTransaction, object_session

from core import config_cache
from core.config.owner import CORE
from core.db import tenancy
from core.interfaces.scopes import IEvent, IOrganizer
from core.models.plugins import EventPlugin, OrganizerPlugin
from core.pluginhost.info import Level
from core.pluginhost.registry import current_registry

_CACHE = "ticketry.active_plugins"


def scope_key(scope: Any) -> str:
    """``"event:<id>"``, ``"organizer:<id>"`` or ``"platform"`` (logs, metrics, cache keys)."""
    if scope is None:
        return "platform"
    if IEvent.providedBy(scope):
        return f"event:{scope.id}"
    if IOrganizer.providedBy(scope):
        return f"organizer:{scope.id}"
    raise TypeError(f"a plugin scope is an Event, an Organizer or None, not {scope!r}")


def _enabled(session: Session, scope: Any) -> tuple[frozenset[str], frozenset[str]]:
    """Plugin names enabled on (the event, the organizer) of ``scope`` in one query (or none, cached)."""
    is_event = IEvent.providedBy(scope)
    organizer_id, event_id = (scope.organizer_id, scope.id) if is_event else (scope.id, None)
    key = config_cache.key(session, "plugins", organizer_id, event_id)
    found = config_cache.get(key) if key is not None else None
    if found is not None:
        return found
    stmt = select(OrganizerPlugin.plugin, literal("o")).where(OrganizerPlugin.organizer_id == organizer_id)
    if is_event:
        stmt = union_all(select(EventPlugin.plugin, literal("e")).where(EventPlugin.event_id == event_id), stmt)
    on_event: set[str] = set()
    on_organizer: set[str] = set()
    with tenancy.scope(organizer_id):
        for name, where in session.execute(stmt):
            (on_event if where == "e" else on_organizer).add(name)
    enabled = frozenset(on_event), frozenset(on_organizer)
    if key is not None:
        config_cache.put(session, key, enabled)
    return enabled


def _compute(registry: Any, session: Session | None, scope: Any) -> frozenset[str]:
    awaiting = getattr(registry, "plugins_awaiting_migrations", {})
    infos = {name: info for name, info in registry.plugin_infos.items() if name not in awaiting}
    if scope is None:
        return frozenset(name for name, info in infos.items() if info.level is Level.PLATFORM)
    if session is None:
        raise ValueError(f"{scope!r} is not attached to a session; pass the session that loaded it")
    on_event, on_organizer = _enabled(session, scope)
    is_event = IEvent.providedBy(scope)
    active = set()
    for name, info in infos.items():
        level = info.level
        if level is Level.PLATFORM:
            active.add(name)
        elif level is Level.ORGANIZER:
            if name in on_organizer:
                active.add(name)
        elif level is Level.EVENT:
            if is_event and name in on_event:
                active.add(name)
        elif name in on_organizer and (not is_event or name in on_event):
            active.add(name)
    return frozenset(active)


def active_plugins(session: Session | None, scope: Any, registry: Any = None) -> frozenset[str]:
    """Names of the plugins active for ``scope`` (Event, Organizer or None); never contains ``"core"``."""
    registry = registry if registry is not None else current_registry()
    if session is None:
        return _compute(registry, None, scope)
    key = (id(registry), scope_key(scope))
    cache = session.info.get(_CACHE)
    if cache is None:
        cache = session.info[_CACHE] = {}
    found = cache.get(key)
    if found is None:
        found = cache[key] = _compute(registry, session, scope)
    return found


def is_active(session: Session | None, plugin: str, scope: Any, registry: Any = None) -> bool:
    """True if ``plugin`` (a name, or ``"core"``) is active for ``scope``."""
    return plugin == CORE or plugin in active_plugins(session, scope, registry)


def invalidate(session: Session) -> None:
    """Forget the cached activity of every scope in ``session`` (activation changed)."""
    session.info.pop(_CACHE, None)


@contextmanager
def kept_over_commit(session: Session) -> Iterator[None]:
    """Keep the activity cached in ``session`` over a commit inside the block (the cache is otherwise dropped at
    every transaction end): for a request that commits before it renders its answer and still needs the
    providers of the same scopes. The versions of the configuration cache are kept too
    (:func:`core.config_cache.kept_over_commit`), so the settings it reads come from the process cache."""
    cache = session.info.get(_CACHE)
    with config_cache.kept_over_commit(session):
        yield
    if cache is not None:
        session.info.setdefault(_CACHE, {}).update(cache)


@sa_event.listens_for(Session, "after_transaction_end")
def _forget(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:
        session.info.pop(_CACHE, None)


@sa_event.listens_for(EventPlugin, "after_insert")
@sa_event.listens_for(EventPlugin, "after_update")
@sa_event.listens_for(EventPlugin, "after_delete")
def _event_row_written(_mapper: Mapper[Any], connection: Any, row: EventPlugin) -> None:
    config_cache.bump_in_flush(connection, object_session(row), row.organizer_id, row.event_id)


@sa_event.listens_for(OrganizerPlugin, "after_insert")
@sa_event.listens_for(OrganizerPlugin, "after_update")
@sa_event.listens_for(OrganizerPlugin, "after_delete")
def _organizer_row_written(_mapper: Mapper[Any], connection: Any, row: OrganizerPlugin) -> None:
    config_cache.bump_in_flush(connection, object_session(row), row.organizer_id)
