"""Plugin discovery and loading: entry points -> checks -> dependency order -> probe -> include.

:func:`load_plugins` runs once per application, after the core configuration has committed. It
never lets one bad plugin stop the platform (unless ``ticketry.plugins.strict`` is on): each
failure is recorded in ``registry.plugin_states`` with its reason and traceback, and the plugin is
skipped. Order is deterministic: entry points sorted by name, then a stable topological sort on
``requires``/``uses``.
"""

from __future__ import annotations

import dataclasses
import importlib
import logging
import re
import traceback
from collections.abc import Iterable
from importlib import metadata
from typing import Any

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from pyramid.config import Configurator
from zope.interface.exceptions import Invalid
from zope.interface.verify import verifyObject

from core.configuration import ConfigurationError
from core.interfaces.plugin import IPluginInfo
from core.pluginhost.info import NAME_PATTERN, SUPPORTED_API_LEVELS, Level
from core.pluginhost.registry import init_plugin_registry
from core.pluginhost.state import PluginLoadError, PluginState, PluginStatus
from core.settings import missing_required

log = logging.getLogger("ticketry.plugins")

GROUP = "ticketry.plugins"
_NAME = re.compile(NAME_PATTERN)


def discover_entry_points() -> list[metadata.EntryPoint]:
    """Every installed ``ticketry.plugins`` entry point, sorted by name (then value)."""
    return sorted(metadata.entry_points(group=GROUP), key=lambda ep: (ep.name, ep.value))


def core_version() -> str:
    return metadata.version("ticketry")


class _Candidate:
    """Mutable loading state of one entry point name."""

    def __init__(self, name: str, entry_points: list[metadata.EntryPoint]) -> None:
        self.name = name
        self.entry_points = entry_points
        self.info: Any = None
        self.package = ""
        self.state: PluginState | None = None

    @property
    def distribution(self) -> str:
        dist = getattr(self.entry_points[0], "dist", None)
        return dist.name if dist is not None else ""

    def fail(self, status: PluginStatus, reason: str, tb: str = "") -> None:
        self.state = PluginState(self.name, status, reason, tb, self.info, self.distribution)


def _package_of(module_name: str) -> str:
    module = importlib.import_module(module_name)
    return module_name if hasattr(module, "__path__") else module_name.rpartition(".")[0] or module_name


def _check_metadata(cand: _Candidate, settings: dict[str, Any]) -> None:
    ep = cand.entry_points[0]
    try:
        info = ep.load()
        cand.package = _package_of(ep.module)
    except Exception as exc:  # a plugin's import may fail in any way; keep the platform up
        cand.fail(PluginStatus.BROKEN, f"import of {ep.value!r} failed: {exc!r}", traceback.format_exc())
        return
    if not IPluginInfo.providedBy(info):
        cand.fail(PluginStatus.BROKEN, f"{ep.value!r} does not provide IPluginInfo (use core.pluginhost.PluginInfo)")
        return
    cand.info = info
    try:
        verifyObject(IPluginInfo, info)
    except Invalid as exc:
        cand.fail(PluginStatus.BROKEN, f"invalid metadata: {exc}")
        return
    if not info.version and dataclasses.is_dataclass(info) and ep.dist is not None:
        info = cand.info = dataclasses.replace(info, version=ep.dist.version)
    if info.name != cand.name:
        cand.fail(PluginStatus.BROKEN, f"PluginInfo.name {info.name!r} differs from the entry point name")
        return
    try:
        spec = SpecifierSet(info.compatibility or "")
    except InvalidSpecifier as exc:
        cand.fail(PluginStatus.BROKEN, f"compatibility {info.compatibility!r} is not a PEP 440 specifier: {exc}")
        return
    version = core_version()
    if not spec.contains(version, prereleases=True):
        cand.fail(PluginStatus.INCOMPATIBLE, f"needs ticketry{info.compatibility}, this is ticketry {version}")
        return
    if info.api_level not in SUPPORTED_API_LEVELS:
        supported = ", ".join(str(level) for level in sorted(SUPPORTED_API_LEVELS))
        cand.fail(PluginStatus.INCOMPATIBLE, f"api_level {info.api_level} is not supported (supported: {supported})")
        return
    missing = missing_required(info.settings, settings, plugin=info.name)
    if missing:
        cand.fail(PluginStatus.BROKEN, "; ".join(missing))


def _initial_candidates(settings: dict[str, Any], entry_points: Iterable[metadata.EntryPoint]) -> list[_Candidate]:
    by_name: dict[str, list[metadata.EntryPoint]] = {}
    for ep in entry_points:
        same = by_name.setdefault(ep.name, [])
        if not any(other.value == ep.value for other in same):
            same.append(ep)
    exclude = set(settings.get("ticketry.plugins.exclude", ()))
    allow = set(settings.get("ticketry.plugins.allow", ()))
    candidates = []
    for name in sorted(by_name):
        cand = _Candidate(name, by_name[name])
        candidates.append(cand)
        if len(cand.entry_points) > 1:
            values = ", ".join(f"{ep.value!r}" for ep in cand.entry_points)
            cand.fail(PluginStatus.BROKEN, f"the name is defined by several entry points: {values}")
        elif not _NAME.match(name):
            cand.fail(PluginStatus.BROKEN, f"the name does not match {NAME_PATTERN}")
        elif name in exclude:
            cand.fail(PluginStatus.EXCLUDED, "listed in ticketry.plugins.exclude")
        elif allow and name not in allow:
            cand.fail(PluginStatus.EXCLUDED, "not listed in ticketry.plugins.allow")
        else:
            _check_metadata(cand, settings)
    return candidates


def _dependency_order(candidates: list[_Candidate]) -> list[_Candidate]:
    """Good candidates in load order (stable by name); marks those with missing or cyclic requirements."""
    by_name = {c.name: c for c in candidates}
    ordered: list[_Candidate] = []
    done: set[str] = set()
    visiting: set[str] = set()

    def visit(cand: _Candidate) -> bool:
        if cand.name in done:
            return cand.state is None
        if cand.state is not None:
            return False
        if cand.name in visiting:
            cand.fail(PluginStatus.BROKEN, "circular plugin requirements")
            return False
        visiting.add(cand.name)
        for dep in sorted(cand.info.requires):
            other = by_name.get(dep)
            if other is None or not visit(other):
                why = "not installed" if other is None else (other.state.status.value if other.state else "broken")
                if cand.state is None:
                    cand.fail(PluginStatus.BROKEN, f"requires plugin {dep!r}, which is {why}")
        for dep in sorted(cand.info.uses):
            if dep in by_name:
                visit(by_name[dep])
        visiting.discard(cand.name)
        done.add(cand.name)
        if cand.state is None:
            ordered.append(cand)
            return True
        return False

    for cand in candidates:
        if cand.state is None:
            visit(cand)
    return ordered


def _include_plugin(config: Configurator, cand: _Candidate) -> None:
    """Declare the plugin's settings and run its includeme in a configurator attributed to it."""
    config.registry.plugin_for_package[cand.package] = cand.name
    config.registry.plugin_packages[cand.name] = cand.package
    config.registry.plugin_infos[cand.name] = cand.info
    sub = config.with_package(cand.package)
    sub.includepath = (*config.includepath, f"plugin:{cand.name}")
    for setting in cand.info.settings:
        sub.add_setting(setting)
    sub.include(cand.info.includeme)


def _probe_configurator(settings: dict[str, Any]) -> Configurator:
    scratch = Configurator(settings=settings)
    scratch.registry.plugin_probe = True
    init_plugin_registry(scratch.registry)
    scratch.include("pyramid_chameleon")
    scratch.include("core.config")
    scratch.commit()
    return scratch


def _tween_count(config: Configurator) -> int:
    return len(config.registry.introspector.get_category("tweens") or ())


def _probe(cand: _Candidate, loaded: dict[str, _Candidate], settings: dict[str, Any]) -> None:
    """Include the plugin (after its hard requirements) into a throwaway core configurator."""
    try:
        scratch = _probe_configurator(settings)
        for dep in _requirement_closure(cand, loaded):
            _include_plugin(scratch, dep)
        scratch.commit()
        tweens = _tween_count(scratch)
        _include_plugin(scratch, cand)
        scratch.commit()
    except Exception as exc:  # configuration errors of any kind mark the plugin broken
        cand.fail(PluginStatus.BROKEN, f"configuration failed: {exc!r}", traceback.format_exc())
        return
    if cand.info.level is not Level.PLATFORM and _tween_count(scratch) != tweens:
        cand.fail(PluginStatus.BROKEN, "adds a tween, which only PLATFORM-level plugins may do")


def _requirement_closure(cand: _Candidate, loaded: dict[str, _Candidate]) -> list[_Candidate]:
    result: list[_Candidate] = []

    def walk(c: _Candidate) -> None:
        for dep in sorted(c.info.requires):
            other = loaded[dep]
            if other not in result:
                walk(other)
                result.append(other)

    walk(cand)
    return result


def _check_defaults(settings: dict[str, Any], infos: dict[str, Any]) -> None:
    fits = {
        "ticketry.plugins.default_event": (Level.EVENT, Level.HYBRID),
        "ticketry.plugins.default_organizer": (Level.ORGANIZER, Level.HYBRID),
    }
    for key, levels in fits.items():
        for name in settings.get(key, ()):
            info = infos.get(name)
            if info is not None and info.level not in levels:
                raise ConfigurationError(
                    f"setting {key!r} lists plugin {name!r}, whose level is {info.level.value}; "
                    f"only {' or '.join(level.value for level in levels)} plugins fit there"
                )


def load_plugins(config: Configurator, entry_points: Iterable[metadata.EntryPoint] | None = None) -> None:
    """Find, check, order, probe and include every installed plugin into ``config``.

    Fills ``registry.plugin_states`` (every entry point, sorted by name) and ``registry.plugin_infos``
    (the LOADED ones). With ``ticketry.plugins.strict`` any BROKEN or INCOMPATIBLE plugin raises
    :class:`~core.pluginhost.state.PluginLoadError`. The caller commits ``config`` afterwards; a
    conflict between two plugins that each configure fine alone is then a start-up error.
    """
    registry = config.registry
    init_plugin_registry(registry)
    settings = dict(config.get_settings())
    candidates = _initial_candidates(settings, discover_entry_points() if entry_points is None else entry_points)
    loaded: dict[str, _Candidate] = {}
    for cand in _dependency_order(candidates):
        missing = [dep for dep in cand.info.requires if dep not in loaded]
        if missing:
            cand.fail(PluginStatus.BROKEN, f"requires plugin {missing[0]!r}, which failed to load")
            continue
        _probe(cand, loaded, settings)
        if cand.state is None:
            loaded[cand.name] = cand
    for cand in loaded.values():
        cand.state = PluginState(cand.name, PluginStatus.LOADED, info=cand.info, distribution=cand.distribution)
    registry.plugin_states = sorted((c.state for c in candidates if c.state is not None), key=lambda s: s.name)
    registry.plugin_infos = {name: cand.info for name, cand in loaded.items()}
    for state in registry.plugin_states:
        if state.status in (PluginStatus.BROKEN, PluginStatus.INCOMPATIBLE):
            log.error("plugin %s is %s: %s\n%s", state.name, state.status.value, state.reason, state.traceback)
            if settings.get("ticketry.plugins.strict"):
                raise PluginLoadError(state)
    _check_defaults(settings, registry.plugin_infos)
    for cand in loaded.values():
        _include_plugin(config, cand)
