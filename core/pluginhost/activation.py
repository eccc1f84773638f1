"""The one service that switches plugins on and off for an organizer or an event.

Everything that changes activation (control panel, API, CLI, organizer/event creation) calls
:func:`enable_plugin` / :func:`disable_plugin` (or :func:`enable_default_plugins`), which check the
plugin's level, ``restricted`` flag, ``requires`` and ``is_available`` hook, write the association
row, call the ``installed``/``uninstalled`` hook, write the audit log entry and forget the session's
cached activity (the process-wide cache by bumping the scope's version: :mod:`core.config_cache`).
All of it happens in the caller's transaction.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from core import config_cache
from core.db import tenancy
from core.interfaces.scopes import IEvent, IOrganizer
from core.logs import log_action
from core.models import EventPlugin, OrganizerPlugin, User
from core.pluginhost.activity import active_plugins, invalidate
from core.pluginhost.info import Level
from core.pluginhost.registry import current_registry
from core.settings import settings_for

log = logging.getLogger("ticketry.plugins")

#: Setting (organizer/event) listing restricted plugins its admins may enable.
ALLOWED_RESTRICTED = "allowed_restricted_plugins"


class ActivationError(ValueError):
    """A plugin cannot be enabled or disabled on this scope; the message says why."""

    def __init__(self, plugin: str, scope: Any, reason: str) -> None:
        self.plugin = plugin
        self.scope = scope
        self.reason = reason
        super().__init__(f"plugin {plugin!r} on {scope!r}: {reason}")


def _kind(scope: Any) -> str:
    if IEvent.providedBy(scope):
        return "event"
    if IOrganizer.providedBy(scope):
        return "organizer"
    raise TypeError(f"plugins are enabled on an Event or an Organizer, not {scope!r}")


def _row_model(kind: str) -> Any:
    return EventPlugin if kind == "event" else OrganizerPlugin


def _where(kind: str, scope: Any, name: str) -> Any:
    if kind == "event":
        return (EventPlugin.event_id == scope.id, EventPlugin.plugin == name)
    return (OrganizerPlugin.organizer_id == scope.id, OrganizerPlugin.plugin == name)


def enabled_names(session: Session, scope: Any) -> set[str]:
    """Names stored as enabled on exactly ``scope`` (not its organizer), loaded or not."""
    kind = _kind(scope)
    model = _row_model(kind)
    column = EventPlugin.event_id if kind == "event" else OrganizerPlugin.organizer_id
    with tenancy.scope(scope.organizer_id):
        return set(session.scalars(select(model.plugin).where(column == scope.id)))


def _info(registry: Any, scope: Any, name: str) -> Any:
    info = registry.plugin_infos.get(name)
    if info is None:
        states = {s.name: s for s in registry.plugin_states}
        state = states.get(name)
        why = f"it is {state.status.value}: {state.reason}" if state else "no such plugin is installed"
        raise ActivationError(name, scope, why)
    return info


def _restricted_allowed(session: Session, scope: Any, name: str, actor: Any) -> bool:
    if getattr(actor, "is_staff", False):
        return True
    return name in (settings_for(session, scope).get(ALLOWED_RESTRICTED) or ())


def _check_enable(registry: Any, session: Session, scope: Any, info: Any, actor: Any, allow_restricted: bool) -> None:
    kind = _kind(scope)
    fits = {"event": (Level.EVENT, Level.HYBRID), "organizer": (Level.ORGANIZER, Level.HYBRID)}[kind]
    if info.level not in fits:
        where = "is always active" if info.level is Level.PLATFORM else f"is enabled per {info.level.value}"
        raise ActivationError(info.name, scope, f"a {info.level.value}-level plugin {where}, not per {kind}")
    if info.restricted and not allow_restricted and not _restricted_allowed(session, scope, info.name, actor):
        raise ActivationError(
            info.name, scope, f"it is restricted; staff must enable it or list it in {ALLOWED_RESTRICTED!r}"
        )
    if not info.is_available(scope):
        raise ActivationError(info.name, scope, "it is not available here (its is_available hook said no)")
    active = active_plugins(session, scope, registry)
    missing = [dep for dep in info.requires if dep not in active]
    if missing:
        raise ActivationError(info.name, scope, f"it requires {', '.join(missing)}; enable that first")


def _log(scope: Any, kind: str, verb: str, name: str, actor: Any) -> None:
    user = actor if isinstance(actor, User) else None
    auth = None if user is not None else actor
    log_action(scope, f"pretix.{kind}.plugins.{verb}", {"plugin": name}, user=user, auth=auth)


def _enable(session: Session, scope: Any, name: str, actor: Any, allow_restricted: bool) -> bool:
    registry = current_registry()
    info = _info(registry, scope, name)
    kind = _kind(scope)
    if name in enabled_names(session, scope):
        return False
    _check_enable(registry, session, scope, info, actor, allow_restricted)
    if kind == "event" and info.level is Level.HYBRID:
        _enable(session, scope.organizer, name, actor, allow_restricted)
    fields = {"event_id" if kind == "event" else "organizer_id": scope.id, "plugin": name}
    if kind == "event":
        fields["organizer_id"] = scope.organizer_id
    if isinstance(actor, User):
        fields["enabled_by_id"] = actor.id
    with tenancy.scope(scope.organizer_id):
        session.add(_row_model(kind)(**fields))
        session.flush()
        invalidate(session)
        info.installed(scope)
        _log(scope, kind, "enabled", name, actor)
    return True


def enable_plugin(session: Session, scope: Any, name: str, actor: Any = None) -> bool:
    """Enable plugin ``name`` on ``scope`` (Event or Organizer); True if it was not enabled before.

    Enabling a HYBRID plugin on an event enables it on the organizer too. Raises
    :class:`ActivationError` if the plugin is not loaded, its level does not fit the scope, it is
    restricted (only staff actors or scopes whose ``allowed_restricted_plugins`` setting lists it),
    its ``is_available(scope)`` is false, or a plugin it ``requires`` is not active there.
    ``actor`` is the acting User (or API token), recorded in the audit log.
    """
    return _enable(session, scope, name, actor, allow_restricted=False)


def disable_plugin(session: Session, scope: Any, name: str, actor: Any = None) -> bool:
    """Disable plugin ``name`` on ``scope``; True if it was enabled. Calls ``uninstalled(scope)``.

    Works for plugins that are no longer loaded too (the row is removed; no hook runs then).
    """
    registry = current_registry()
    kind = _kind(scope)
    if name not in enabled_names(session, scope):
        return False
    with tenancy.scope(scope.organizer_id):
        session.execute(delete(_row_model(kind)).where(*_where(kind, scope, name)))
        config_cache.bump(session, scope.organizer_id, scope.id if kind == "event" else None)
        invalidate(session)
        info = registry.plugin_infos.get(name)
        if info is not None:
            info.uninstalled(scope)
        _log(scope, kind, "disabled", name, actor)
    return True


def enable_default_plugins(session: Session, scope: Any) -> list[str]:
    """Enable ``ticketry.plugins.default_event`` (or ``default_organizer``) on a new scope.

    Defaults are platform policy, so restricted plugins are allowed. Plugins that are not loaded are
    skipped with a warning (an excluded or broken plugin must not block creating events).
    Returns the names enabled.
    """
    registry = current_registry()
    key = f"ticketry.plugins.default_{_kind(scope)}"
    enabled = []
    for name in registry.settings.get(key, ()):
        if name not in registry.plugin_infos:
            log.warning("default plugin %s (%s) is not loaded; not enabling it on %r", name, key, scope)
            continue
        if _enable(session, scope, name, None, allow_restricted=True):
            enabled.append(name)
    return enabled
