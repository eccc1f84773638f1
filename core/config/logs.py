"""Directives: ``config.add_log_entry_type`` (audit action types) and ``config.add_log_listener``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pyramid.config import PHASE1_CONFIG, Configurator

from core.config.owner import CORE, owner_of
from core.logs import ACTION_TYPE_RE, LogEntryType, add_log_listener


def add_log_entry_type(config: Configurator, action_type: str, display: str | Callable[..., str]) -> None:
    """Register ``action_type`` with its display: a text with ``{data_key}`` placeholders or ``f(entry, data)``.

    A plugin's action types must start with ``<plugin>.`` or ``pretix.plugins.<plugin>.``
    (e.g. ``acme_stripe.charge.failed``); the core may not use the ``pretix.plugins.`` prefix.
    Registering an action type twice is a configuration conflict.
    """
    if not isinstance(action_type, str) or not ACTION_TYPE_RE.match(action_type):
        raise ValueError(
            f"log action type {action_type!r} must be dotted lower-case words, e.g. 'pretix.event.order.paid'"
        )
    if not (isinstance(display, str) or callable(display)):
        raise TypeError(f"display of log action type {action_type!r} must be a text or a callable")
    owner = owner_of(config)
    if owner == CORE:
        if action_type.startswith("pretix.plugins."):
            raise ValueError(f"core log action type {action_type!r} must not use the plugin prefix 'pretix.plugins.'")
    elif not action_type.startswith((f"{owner}.", f"pretix.plugins.{owner}.")):
        raise ValueError(
            f"log action type {action_type!r} of plugin {owner!r} must start with "
            f"{owner + '.'!r} or {'pretix.plugins.' + owner + '.'!r}"
        )
    entry_type = LogEntryType(action_type, display, owner)
    registry: Any = config.registry

    def register() -> None:
        registry.log_entry_types[action_type] = entry_type

    intr = config.introspectable("log entry types", action_type, action_type, "log entry type")
    intr["plugin"] = owner
    config.action(("log-entry-type", action_type), register, order=PHASE1_CONFIG, introspectables=(intr,))


def includeme(config: Configurator) -> None:
    config.registry.log_entry_types = {}
    config.registry.log_listeners = []
    config.add_directive("add_log_entry_type", add_log_entry_type)
    config.add_directive("add_log_listener", add_log_listener)
