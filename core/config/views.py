"""Directives for plugin pages (``add_event_view``, ``add_organizer_view``, ``add_platform_view``) and
framework-event subscribers (``add_plugin_subscriber``).

Each registers a route under the plugin's namespace and one view on it:

=======================  ===========================================  ==========================
directive                URL                                          context (route factory)
=======================  ===========================================  ==========================
``add_event_view``       ``/{organizer}/{event}/p/<plugin>/<path>``   ``EventResource``
``add_organizer_view``   ``/{organizer}/p/<plugin>/<path>``           ``OrganizerResource``
``add_platform_view``    ``/p/<plugin>/<path>``                       ``RootResource``
=======================  ===========================================  ==========================

The route is named ``plugin.<plugin>.<kind>.<name>`` (kind ``event``/``organizer``/``platform``),
for ``request.route_url``. A permission is mandatory (a catalogue string, a pseudo permission or,
deliberately, ``NO_PERMISSION_REQUIRED``) and every view carries the ``plugin_active`` predicate:
where the plugin is not active for the context's event or organizer, the URL answers 404. Platform
views have no scope and are reachable while the plugin is loaded.
"""

from __future__ import annotations

import re
from typing import Any

from pyramid.config import Configurator
from pyramid.request import Request

from core.config.owner import CORE, owner_of
from core.configuration import ConfigurationError
from core.pluginhost.activity import is_active
from core.pluginhost.pending import is_usable
from core.resources import EventResource, OrganizerResource, RootResource

_NAME = re.compile(r"^[a-z0-9_][a-z0-9_.-]*$")
_KINDS: dict[str, tuple[str, type]] = {
    "event": ("/{organizer}/{event}/p/", EventResource),
    "organizer": ("/{organizer}/p/", OrganizerResource),
    "platform": ("/p/", RootResource),
}


def plugin_active_for(request: Request, plugin: str, context: Any) -> bool:
    """True if ``plugin`` is active for the scope of ``context`` (loaded, for scope-less contexts)."""
    scope = getattr(context, "scope", None)
    if scope is None:
        return is_usable(request.registry, plugin)
    return is_active(request.dbsession, plugin, scope, request.registry)


class PluginActivePredicate:
    """View predicate ``plugin_active=<name>``: the plugin is active where the request points."""

    def __init__(self, value: str, config: Configurator) -> None:
        self.plugin = value

    def text(self) -> str:
        return f"plugin_active = {self.plugin}"

    phash = text

    def __call__(self, context: Any, request: Request) -> bool:
        return plugin_active_for(request, self.plugin, context)


class PluginActiveSubscriberPredicate:
    """Subscriber predicate ``plugin_active=<name>`` for framework events that carry a request.

    True when the plugin is active for the scope of ``request.context``. Without a request or a
    context with a scope (``NewRequest`` fires before the context exists) only PLATFORM plugins pass,
    so event and organizer plugins subscribe to ``ContextFound`` or ``BeforeRender``.
    """

    def __init__(self, value: str, config: Configurator) -> None:
        self.plugin = value

    def text(self) -> str:
        return f"plugin_active = {self.plugin}"

    phash = text

    def __call__(self, event: Any) -> bool:
        request = getattr(event, "request", None)
        if request is None and isinstance(event, dict):
            request = event.get("request")
        if request is None:
            return is_active(None, self.plugin, None)
        scope = getattr(getattr(request, "context", None), "scope", None)
        session = request.dbsession if scope is not None else None
        return is_active(session, self.plugin, scope, request.registry)


def add_plugin_subscriber(config: Configurator, subscriber: Any, iface: Any, **predicates: Any) -> None:
    """``config.add_subscriber`` for plugins: the subscriber only runs where the plugin is active.

    Use it for Pyramid framework events (``ContextFound``, ``BeforeRender``, ``NewResponse``); domain
    events are scoped signals (``add_signal_handler``). See :class:`PluginActiveSubscriberPredicate`.
    """
    owner = owner_of(config)
    if owner == CORE:
        raise ConfigurationError("add_plugin_subscriber is for plugins; core code uses config.add_subscriber")
    if "plugin_active" in predicates:
        raise ConfigurationError("add_plugin_subscriber: plugin_active is set by the directive")
    config.add_subscriber(subscriber, iface, plugin_active=owner, **predicates)


def _add_plugin_view(
    config: Configurator, kind: str, view: Any, name: str, permission: Any, path: str | None, options: dict[str, Any]
) -> str:
    directive = f"add_{kind}_view"
    owner = owner_of(config)
    if owner == CORE:
        raise ConfigurationError(f"{directive} is for plugins; core code adds routes and views directly")
    if not isinstance(name, str) or not _NAME.match(name):
        raise ConfigurationError(f"{directive}: name {name!r} must match {_NAME.pattern}")
    if permission is None:
        raise ConfigurationError(
            f"{directive}({name!r}) of plugin {owner!r} needs permission=...; use NO_PERMISSION_REQUIRED "
            "only for deliberately public pages"
        )
    if "plugin_active" in options or "route_name" in options:
        raise ConfigurationError(f"{directive}: plugin_active and route_name are set by the directive")
    prefix, factory = _KINDS[kind]
    route_name = f"plugin.{owner}.{kind}.{name}"
    pattern = prefix + owner + "/" + (name if path is None else path).lstrip("/")
    config.add_route(route_name, pattern, factory=factory)
    config.add_view(view, route_name=route_name, permission=permission, plugin_active=owner, **options)
    return route_name


def add_event_view(config: Configurator, view: Any, name: str, permission: Any, path: str | None = None,
                   **view_options: Any) -> str:
    """Add an event page of the plugin; returns the route name.

    :param view: the view callable (or dotted name).
    :param name: route name suffix and, unless ``path`` is given, the URL path below the plugin prefix.
    :param permission: required; checked by the security policy against the event.
    :param path: URL path (may contain ``{placeholders}``), e.g. ``"orders/{code}"``.
    :param view_options: passed to ``config.add_view`` (``renderer``, ``request_method``, ...).
    """
    return _add_plugin_view(config, "event", view, name, permission, path, view_options)


def add_organizer_view(config: Configurator, view: Any, name: str, permission: Any, path: str | None = None,
                       **view_options: Any) -> str:
    """Add an organizer page of the plugin (see :func:`add_event_view` for the arguments)."""
    return _add_plugin_view(config, "organizer", view, name, permission, path, view_options)


def add_platform_view(config: Configurator, view: Any, name: str, permission: Any, path: str | None = None,
                      **view_options: Any) -> str:
    """Add a platform page of the plugin (see :func:`add_event_view` for the arguments)."""
    return _add_plugin_view(config, "platform", view, name, permission, path, view_options)


def includeme(config: Configurator) -> None:
    config.add_view_predicate("plugin_active", PluginActivePredicate)
    config.add_subscriber_predicate("plugin_active", PluginActiveSubscriberPredicate)
    config.add_directive("add_plugin_subscriber", add_plugin_subscriber)
    config.add_directive("add_event_view", add_event_view)
    config.add_directive("add_organizer_view", add_organizer_view)
    config.add_directive("add_platform_view", add_platform_view)
