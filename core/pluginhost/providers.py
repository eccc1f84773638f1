"""Provider lookup: "one of N, chosen per scope" extension points (payment providers, outputs, ...).

Providers are named adapters of a scope registered with ``config.add_provider``. Lookups list the
registrations without building anything, drop those whose owner is inactive for the scope, sort
(core first, then by name) and only then instantiate.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import object_session
from zope.interface import providedBy
from zope.interface.interface import InterfaceClass
from zope.interface.verify import verifyObject

from core.config.owner import CORE
from core.pluginhost.activity import active_plugins
from core.pluginhost.registry import current_registry


def _build(registry: Any, scope: Any, iface: InterfaceClass, name: str, factory: Any) -> Any:
    instance = factory(scope)
    if registry.settings.get("ticketry.verify_providers"):
        verifyObject(iface, instance)
    return instance


def providers_for(scope: Any, iface: InterfaceClass, registry: Any = None) -> list[tuple[str, Any]]:
    """``[(name, provider)]`` of ``iface`` for ``scope`` (Event, Organizer or None), active owners only.

    Order: core providers first, then by name. Each provider is built by calling its factory with
    ``scope``. With ``ticketry.verify_providers`` every instance is checked with ``verifyObject``.
    """
    registry = registry if registry is not None else current_registry()
    found = registry.adapters.lookupAll((providedBy(scope),), iface)
    if not found:
        return []
    owners = registry.provider_owner
    active = active_plugins(object_session(scope) if scope is not None else None, scope, registry)
    keep = []
    for name, factory in found:
        owner = owners.get((iface, name), CORE)
        if owner == CORE or owner in active:
            keep.append((owner != CORE, name, factory))
    keep.sort(key=lambda item: (item[0], item[1]))
    return [(name, _build(registry, scope, iface, name, factory)) for _plugin, name, factory in keep]


def provider_for(scope: Any, iface: InterfaceClass, name: str, registry: Any = None) -> Any:
    """The provider ``name`` of ``iface`` for ``scope``, or None if unknown or its owner is inactive."""
    registry = registry if registry is not None else current_registry()
    factory = registry.adapters.lookup((providedBy(scope),), iface, name=name)
    if factory is None:
        return None
    owner = registry.provider_owner.get((iface, name), CORE)
    if owner != CORE:
        session = object_session(scope) if scope is not None else None
        if owner not in active_plugins(session, scope, registry):
            return None
    return _build(registry, scope, iface, name, factory)
