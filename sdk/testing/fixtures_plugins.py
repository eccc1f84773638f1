"""Plugin fixtures: the ``enabled_plugins`` marker, ``signal_log``, ``make_fake_plugin`` and ``plugin_config``.

``@pytest.mark.enabled_plugins("acme_stripe", scope="event")`` enables the plugins on the test
``event`` (``scope="event"``, the default) or ``organizer`` (``scope="organizer"``) before the test
runs. Each plugin is enabled where its level needs it: event-level on the event, organizer-level on
the organizer, hybrid on both; platform plugins are always active.

``make_fake_plugin(name, includeme, **info_fields)`` builds a throwaway plugin (an importable module
plus an entry point) and ``plugin_config(*fakes, **settings)`` builds a whole application with them,
pushed as the current registry and bound to the test's database connection.
"""

from __future__ import annotations

import itertools
import sys
import types
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from importlib.metadata import EntryPoint
from typing import Any

import pytest
from pyramid.config import Configurator
from sqlalchemy import Connection

from core.pluginhost import Level, PluginInfo
from core.pluginhost import loader as plugin_loader
from core.pluginhost.activation import _enable

_counter = itertools.count(1)
#: What ``make_config`` changes on the global huey instance; restored after ``plugin_config``.
_HUEY_STATE = ("storage", "storage_class", "storage_kwargs", "_immediate", "registry")


@dataclass(frozen=True)
class FakePlugin:
    """A plugin that exists only in memory: ``info`` behind ``entry_point``, code in ``module``."""

    name: str
    info: PluginInfo
    entry_point: EntryPoint
    module: types.ModuleType


def make_fake_plugin(name: str, includeme: Callable[[Configurator], None], **info_fields: Any) -> FakePlugin:
    """A plugin named ``name`` whose configuration is ``includeme``; other PluginInfo fields as keywords.

    The plugin lives in a fresh module ``ticketry_fake_<name>_<n>``, so registrations made by
    ``includeme`` are attributed to it exactly as for an installed plugin.
    """
    module_name = f"ticketry_fake_{name}_{next(_counter)}"
    module = types.ModuleType(module_name)
    module.__path__ = []

    def configure(config: Configurator) -> None:
        includeme(config)

    configure.__module__ = module_name
    configure.__name__ = configure.__qualname__ = "includeme"
    module.includeme = configure  # type: ignore[attr-defined]
    info_fields.setdefault("title", name)
    info_fields.setdefault("version", "1.0")
    info_fields.setdefault("includeme", f"{module_name}:includeme")
    info = info_fields.pop("info", None) or PluginInfo(name=name, **info_fields)
    module.plugin = info  # type: ignore[attr-defined]
    sys.modules[module_name] = module
    entry_point = EntryPoint(name=name, value=f"{module_name}:plugin", group=plugin_loader.GROUP)
    return FakePlugin(name, info, entry_point, module)


@pytest.fixture
def plugin_config(
    ticketry_settings: dict[str, Any], registry: Any, connection: Connection, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Callable[..., Configurator]]:
    """Build an application with fake plugins: ``plugin_config(*fakes, installed=False, **settings)``.

    ``installed=True`` adds the really installed plugins; ``settings`` override deployment settings
    (``**{"ticketry.plugins.strict": "true"}``). The new registry is the current one until the test ends.
    """
    from core.app import make_config
    from core.tasks import huey

    built: list[Configurator] = []
    huey_state = {attr: getattr(huey, attr) for attr in _HUEY_STATE}

    def build(*fakes: FakePlugin, installed: bool = False, **settings: Any) -> Configurator:
        entry_points = [fake.entry_point for fake in fakes]
        if installed:
            entry_points += plugin_loader.discover_entry_points()
        monkeypatch.setattr(
            plugin_loader, "discover_entry_points", lambda: sorted(entry_points, key=lambda ep: (ep.name, ep.value))
        )
        config = make_config({**ticketry_settings, **settings})
        config.registry.db_engine.dispose()
        config.registry.dbsession_factory = registry.dbsession_factory
        config.begin()
        built.append(config)
        return config

    yield build
    for config in reversed(built):
        config.end()
    for attr, value in huey_state.items():
        setattr(huey, attr, value)


@dataclass
class SignalDispatch:
    """One :func:`core.pluginhost.send` call: the signal, its policy and the handlers that ran, in order."""

    signal: Any
    policy: Any
    handlers: list[tuple[str, str]] = field(default_factory=list)

    @property
    def plugins(self) -> list[str]:
        return [plugin for plugin, _name in self.handlers]


class SignalLog(list[SignalDispatch]):
    """Every dispatch during the test, in order."""

    def of(self, signal_class: type) -> list[SignalDispatch]:
        return [entry for entry in self if isinstance(entry.signal, signal_class)]


@pytest.fixture
def signal_log(registry: Any) -> Iterator[SignalLog]:
    """Records every signal dispatch (after the activity filter) while the test runs."""
    log = SignalLog()

    def observe(signal: Any, route: Any, records: Any) -> None:
        log.append(SignalDispatch(signal, route.policy, [(r.plugin, r.name) for r in records]))

    registry.signal_observers.append(observe)
    try:
        yield log
    finally:
        registry.signal_observers.remove(observe)


_EVENT_TARGET = {Level.EVENT: "event", Level.HYBRID: "event", Level.ORGANIZER: "organizer"}
_ORGANIZER_TARGET = {Level.ORGANIZER: "organizer", Level.HYBRID: "organizer"}


@pytest.fixture(autouse=True)
def _ticketry_enabled_plugins(request: pytest.FixtureRequest) -> None:
    """Apply ``@pytest.mark.enabled_plugins(*names, scope="event"|"organizer")``."""
    marker = request.node.get_closest_marker("enabled_plugins")
    if marker is None:
        return
    scope_name = marker.kwargs.get("scope", "event")
    if scope_name not in ("event", "organizer"):
        raise pytest.UsageError(f"enabled_plugins: scope must be 'event' or 'organizer', not {scope_name!r}")
    session = request.getfixturevalue("db_session")
    registry = request.getfixturevalue("registry")
    targets = _EVENT_TARGET if scope_name == "event" else _ORGANIZER_TARGET
    for name in marker.args:
        info = registry.plugin_infos.get(name)
        if info is None:
            raise pytest.UsageError(f"enabled_plugins: plugin {name!r} is not loaded")
        if info.level is Level.PLATFORM:
            continue
        target = targets.get(info.level)
        if target is None:
            raise pytest.UsageError(f"enabled_plugins: {info.level.value}-level plugin {name!r} needs scope='event'")
        _enable(session, request.getfixturevalue(target), name, None, allow_restricted=True)
