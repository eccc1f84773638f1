"""Directive ``config.add_signal_handler``: subscribe a handler to a scoped signal.

Handlers are called as ``handler(signal, **kw)`` and must accept ``**kw`` (CHAINED signals pass the
chained value as a keyword argument; later core versions may pass more). They only run when their
plugin is active on ``signal.scope``; see :mod:`core.interfaces.signals` for the policies.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pyramid.config import Configurator
from zope.interface.interface import InterfaceClass

from core.config.owner import owner_of
from core.configuration import ConfigurationError
from core.interfaces.signals import IScopedSignal, ISignalHandler
from core.pluginhost.checks import accepts_kw
from core.pluginhost.dispatch import HandlerRecord, SignalDeclarationError, signal_policy
from core.pluginhost.registry import init_plugin_registry


def add_signal_handler(
    config: Configurator,
    func: Callable[..., Any],
    iface: InterfaceClass,
    order: int = 100,
    name: str | None = None,
) -> None:
    """Subscribe ``func`` to the signal ``iface`` for the configuring plugin (or the core).

    :param func: ``func(signal, **kw)`` (or its dotted name).
    :param iface: an interface extending :class:`~core.interfaces.signals.IScopedSignal` with a policy.
    :param order: lower runs earlier within the core group and within the plugin group (core always
        runs first); ties are broken by plugin name, then handler name.
    :param name: unique per signal and owner; defaults to the function's ``module.qualname``. Used by
        AFTER_COMMIT tasks to find the handler again.
    """
    func = config.maybe_dotted(func)
    if not isinstance(iface, InterfaceClass) or not iface.isOrExtends(IScopedSignal):
        raise ConfigurationError(f"add_signal_handler: {iface!r} is not a signal interface (extend IScopedSignal)")
    try:
        signal_policy(iface)
    except SignalDeclarationError as exc:
        raise ConfigurationError(f"add_signal_handler: {exc}") from None
    if not callable(func) or not accepts_kw(func):
        raise ConfigurationError(
            f"add_signal_handler({iface.__identifier__}): handler {func!r} must be callable as "
            "handler(signal, **kw); add **kw to its parameters"
        )
    if not isinstance(order, int):
        raise ConfigurationError(f"add_signal_handler({iface.__identifier__}): order must be an int, not {order!r}")
    name = name or f"{func.__module__}.{func.__qualname__}"
    owner = owner_of(config)
    record = HandlerRecord(owner, func, order, name)
    registry = config.registry

    def register() -> None:
        registry.registerSubscriptionAdapter(record, (iface,), ISignalHandler)
        registry.signal_index.clear()

    intr = config.introspectable(
        "signal handlers", (iface, owner, name), f"{iface.__identifier__} -> {name}", "signal handler"
    )
    intr["plugin"] = owner
    intr["signal"] = iface
    intr["name"] = name
    intr["order"] = order
    intr["func"] = func
    config.action(("signal_handler", iface, owner, name), register, introspectables=(intr,))


def includeme(config: Configurator) -> None:
    init_plugin_registry(config.registry)
    config.add_directive("add_signal_handler", add_signal_handler)
