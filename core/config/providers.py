"""Directive ``config.add_provider``: register a named provider of an extension-point interface.

A provider is built per scope: for an event-level interface the factory is called with the Event,
for an organizer-level one with the Organizer, for a platform-level one with whatever scope the
caller looks up (possibly None). The scope comes from the ``scope`` argument, else from the
interface's ``taggedValue("scope", Level.ORGANIZER)``, else it is ``Level.EVENT``. Callers find
providers with :func:`core.pluginhost.providers_for` / :func:`core.pluginhost.provider_for`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pyramid.config import Configurator
from zope.interface import Interface
from zope.interface.interface import InterfaceClass
from zope.interface.verify import verifyClass

from core.config.owner import owner_of
from core.configuration import ConfigurationError
from core.interfaces.scopes import IEvent, IOrganizer
from core.pluginhost.info import Level
from core.pluginhost.registry import init_plugin_registry

_REQUIRED = {Level.EVENT: IEvent, Level.ORGANIZER: IOrganizer, Level.PLATFORM: Interface}


def provider_scope(iface: InterfaceClass, scope: Level | None = None) -> Level:
    """The scope providers of ``iface`` are built for (argument, interface tag, or EVENT)."""
    level = scope or iface.queryTaggedValue("scope") or Level.EVENT
    if level not in _REQUIRED:
        raise ConfigurationError(
            f"provider scope of {iface.__identifier__} must be Level.EVENT, Level.ORGANIZER or Level.PLATFORM, "
            f"not {level!r}"
        )
    return level


def add_provider(
    config: Configurator,
    iface: InterfaceClass,
    name: str,
    factory: Callable[[Any], Any],
    scope: Level | None = None,
) -> None:
    """Register ``factory`` as the provider ``name`` of ``iface``, owned by the configuring plugin.

    :param iface: the extension-point interface (e.g. ``IPaymentProvider``).
    :param name: identifier unique per interface across core and all plugins (``"stripe"``); a second
        registration of the same name is a start-up conflict naming both call sites.
    :param factory: called with the scope object, returns the provider; classes are checked with
        ``verifyClass`` at start-up.
    :param scope: ``Level.EVENT``, ``Level.ORGANIZER`` or ``Level.PLATFORM``; see the module docstring.
    """
    if not isinstance(iface, InterfaceClass):
        raise ConfigurationError(f"add_provider: {iface!r} is not a zope interface")
    if not isinstance(name, str) or not name:
        raise ConfigurationError(f"add_provider({iface.__identifier__}): name must be a non-empty string")
    factory = config.maybe_dotted(factory)
    if not callable(factory):
        raise ConfigurationError(f"add_provider({iface.__identifier__}, {name!r}): factory {factory!r} is not callable")
    if isinstance(factory, type):
        verifyClass(iface, factory)
    level = provider_scope(iface, scope)
    owner = owner_of(config)
    registry = config.registry

    def register() -> None:
        registry.registerAdapter(factory, (_REQUIRED[level],), iface, name=name)
        registry.provider_owner[(iface, name)] = owner

    intr = config.introspectable("providers", (iface, name), f"{iface.__identifier__}:{name}", "provider")
    intr["plugin"] = owner
    intr["interface"] = iface
    intr["name"] = name
    intr["factory"] = factory
    intr["scope"] = level
    config.action(("provider", iface, name), register, introspectables=(intr,))


def includeme(config: Configurator) -> None:
    init_plugin_registry(config.registry)
    config.add_directive("add_provider", add_provider)
