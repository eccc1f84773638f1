"""Scoped signal dispatch: :func:`send` runs the active handlers of a signal under its policy.

Handler records are found without calling anything (subscription adapters of
:class:`~core.interfaces.signals.ISignalHandler`), sorted once per signal class and cached on the
registry (``registry.signal_index``), so a dispatch costs one activity lookup (cached per session)
plus a loop. Order: core handlers first, then ascending ``order``, plugin name and handler name.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from time import perf_counter
from typing import Any

from sqlalchemy.orm import Session, object_session
from zope.interface import implementedBy, implementer
from zope.interface.interface import InterfaceClass

from core.config.owner import CORE
from core.interfaces.signals import IAfterCommitSignal, IScopedSignal, ISignalHandler, Policy
from core.pluginhost.activity import active_plugins, scope_key
from core.pluginhost.registry import current_registry


@implementer(ISignalHandler)
@dataclass(frozen=True)
class HandlerRecord:
    """One ``add_signal_handler`` registration (see :class:`ISignalHandler`)."""

    plugin: str
    func: Callable[..., Any]
    order: int
    name: str

    @property
    def sort_key(self) -> tuple[bool, int, str, str]:
        return (self.plugin != CORE, self.order, self.plugin, self.name)


@dataclass(frozen=True)
class SignalRoute:
    """Everything :func:`send` needs for one signal class, computed once."""

    iface: InterfaceClass
    policy: Policy
    chained: str | None
    records: tuple[HandlerRecord, ...]
    plugin_handlers: bool


class SignalDeclarationError(TypeError):
    """A signal class or interface is declared wrongly (no policy, several signal interfaces, ...)."""


def signal_interface(cls: type) -> InterfaceClass:
    """The one :class:`IScopedSignal` interface the signal class implements directly."""
    found = [i for i in implementedBy(cls).interfaces() if i.isOrExtends(IScopedSignal)]
    if len(found) != 1:
        raise SignalDeclarationError(
            f"{cls.__qualname__} must implement exactly one IScopedSignal interface, found {len(found)}"
        )
    return found[0]


def signal_policy(iface: InterfaceClass) -> tuple[Policy, str | None]:
    """The declared policy of a signal interface and, for CHAINED, the chained attribute name."""
    policy = iface.queryTaggedValue("policy")
    if not isinstance(policy, Policy):
        raise SignalDeclarationError(
            f"{iface.__identifier__} declares no policy; add taggedValue('policy', Policy.<NAME>) to its body"
        )
    chained = iface.queryTaggedValue("chained")
    if policy is Policy.CHAINED and not (isinstance(chained, str) and chained in iface):
        raise SignalDeclarationError(
            f"CHAINED signal {iface.__identifier__} must name one of its attributes with taggedValue('chained', ...)"
        )
    if policy is Policy.AFTER_COMMIT and not iface.isOrExtends(IAfterCommitSignal):
        raise SignalDeclarationError(f"AFTER_COMMIT signal {iface.__identifier__} must extend IAfterCommitSignal")
    return policy, chained


def route_for(registry: Any, cls: type) -> SignalRoute:
    """The cached :class:`SignalRoute` of a signal class (built on first use)."""
    route = registry.signal_index.get(cls)
    if route is None:
        iface = signal_interface(cls)
        policy, chained = signal_policy(iface)
        found = registry.adapters.subscriptions([implementedBy(cls)], ISignalHandler)
        records = tuple(sorted(found, key=lambda r: r.sort_key))
        route = SignalRoute(iface, policy, chained, records, any(r.plugin != CORE for r in records))
        registry.signal_index[cls] = route
    return route


def _plugin_log(plugin: str) -> logging.Logger:
    return logging.getLogger(f"ticketry.plugins.{plugin}")


def send(signal: Any, session: Session | None = None, registry: Any = None) -> Any:
    """Run the handlers of ``signal`` that belong to the core or to plugins active on ``signal.scope``.

    ``session`` defaults to the session of ``signal.scope``; it is needed for ROBUST savepoints and
    AFTER_COMMIT hooks. The return value depends on the policy (see :class:`Policy`).
    """
    registry = registry if registry is not None else current_registry()
    route = registry.signal_index.get(signal.__class__) or route_for(registry, signal.__class__)
    records = route.records
    scope = signal.scope
    if session is None and scope is not None:
        session = object_session(scope)
    if route.plugin_handlers:
        active = active_plugins(session, scope, registry)
        records = tuple(r for r in records if r.plugin == CORE or r.plugin in active)
    for observer in registry.signal_observers:
        observer(signal, route, records)
    return _RUNNERS[route.policy](registry, route, signal, records, session)


def _run_all(registry: Any, route: SignalRoute, signal: Any, records: tuple[HandlerRecord, ...],
             session: Session | None) -> list[tuple[str, Any]]:
    timed = registry.plugin_metrics.timed
    results = []
    for record in records:
        start = perf_counter()
        try:
            results.append((record.plugin, record.func(signal)))
        finally:
            timed(record.plugin, perf_counter() - start)
    return results


def _run_first(registry: Any, route: SignalRoute, signal: Any, records: tuple[HandlerRecord, ...],
               session: Session | None) -> Any:
    timed = registry.plugin_metrics.timed
    for record in records:
        start = perf_counter()
        try:
            value = record.func(signal)
        finally:
            timed(record.plugin, perf_counter() - start)
        if value is not None:
            return value
    return None


def _run_chained(registry: Any, route: SignalRoute, signal: Any, records: tuple[HandlerRecord, ...],
                 session: Session | None) -> Any:
    timed = registry.plugin_metrics.timed
    name = route.chained
    value = getattr(signal, name)
    for record in records:
        start = perf_counter()
        try:
            value = record.func(signal, **{name: value})
        finally:
            timed(record.plugin, perf_counter() - start)
    return value


def _run_robust(registry: Any, route: SignalRoute, signal: Any, records: tuple[HandlerRecord, ...],
                session: Session | None) -> list[tuple[str, Any]]:
    metrics = registry.plugin_metrics
    results = []
    for record in records:
        start = perf_counter()
        try:
            if session is None:
                value = record.func(signal)
            else:
                with session.begin_nested():
                    value = record.func(signal)
        except Exception:  # ROBUST: contain any handler failure, attribute it, go on
            where = scope_key(signal.scope)
            _plugin_log(record.plugin).exception(
                "handler %s of signal %s failed for %s; its writes were rolled back",
                record.name, route.iface.__identifier__, where,
            )
            metrics.failed(record.plugin, where)
        else:
            results.append((record.plugin, value))
        finally:
            metrics.timed(record.plugin, perf_counter() - start)
    return results


def _run_after_commit(registry: Any, route: SignalRoute, signal: Any, records: tuple[HandlerRecord, ...],
                      session: Session | None) -> None:
    if not records:
        return None
    if session is None:
        raise ValueError(
            f"AFTER_COMMIT signal {route.iface.__identifier__} needs a session: pass send(signal, session=...)"
        )
    from core.pluginhost.tasks import queue_after_commit

    queue_after_commit(session, signal, [(r.plugin, r.name) for r in records])
    return None


_RUNNERS: dict[Policy, Callable[..., Any]] = {
    Policy.STRICT: _run_all,
    Policy.COLLECT: _run_all,
    Policy.FIRST: _run_first,
    Policy.CHAINED: _run_chained,
    Policy.ROBUST: _run_robust,
    Policy.AFTER_COMMIT: _run_after_commit,
}
