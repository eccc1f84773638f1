"""Migration lineages: the core's and one independent lineage per plugin.

A lineage is a chain of alembic revisions with its own version table. The core lineage lives in
``core/db/migrations/versions`` and records its state in ``alembic_version``; plugin ``acme`` keeps
its revisions in ``<acme package>/migrations/versions`` and its state in ``alembic_version_acme``.
Every lineage shares the one ``env.py`` and ``script.py.mako`` of the core, so plugins ship no
``alembic.ini``. Tables are owned by name: a plugin owns the tables prefixed ``<plugin>_``, the core
owns every other table. Uninstalling a plugin therefore leaves no revision id behind that the core
lineage would fail to find.
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Iterable
from dataclasses import dataclass
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

from sqlalchemy import MetaData, Table
from sqlalchemy.orm import DeclarativeBase

from core.db.base import Base

CORE = "core"
CORE_VERSION_TABLE = "alembic_version"
ENTRY_POINT_GROUP = "ticketry.plugins"
ENV_DIR = Path(__file__).with_name("migrations")


class MigrationError(Exception):
    """A migration command cannot run (unknown plugin, foreign table, database behind); the message says why."""


@dataclass(frozen=True)
class Lineage:
    """One chain of revisions: ``name`` is ``"core"`` or a plugin name.

    ``package`` is the import package whose models the lineage migrates, ``versions_dir`` holds its
    revision files, ``version_table`` records the applied head. ``foreign_prefixes`` (core only) are the
    table prefixes of every installed plugin; the core leaves those tables alone.
    """

    name: str
    package: str
    versions_dir: Path
    version_table: str
    foreign_prefixes: tuple[str, ...] = ()

    @property
    def is_core(self) -> bool:
        return self.name == CORE

    @property
    def prefix(self) -> str:
        """The table name prefix a plugin's tables must carry (empty for the core)."""
        return "" if self.is_core else f"{self.name}_"

    @property
    def has_revisions(self) -> bool:
        return self.versions_dir.is_dir() and any(self.versions_dir.glob("*.py"))

    def owns(self, table_name: str) -> bool:
        """True if ``table_name`` belongs to this lineage (version tables belong to none)."""
        if table_name == CORE_VERSION_TABLE or table_name.startswith(f"{CORE_VERSION_TABLE}_"):
            return False
        if self.is_core:
            return not table_name.startswith(self.foreign_prefixes)
        return table_name.startswith(self.prefix)

    @property
    def metadata(self) -> MetaData:
        return Base.metadata

    def include_object(self, obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
        """alembic's ``include_object`` hook: autogenerate sees only this lineage's tables."""
        table = obj if type_ == "table" else getattr(obj, "table", None)
        if isinstance(table, Table):
            return self.owns(table.name)
        return True


def installed_plugins() -> dict[str, str]:
    """Plugin name -> package of every ``ticketry.plugins`` entry point (loadable or not).

    The package is the entry point's module when that is a package (``plugins.payment_banktransfer``
    for a bundled plugin), else the module's parent package. Plugin modules are not executed.
    """
    found: dict[str, str] = {}
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        found.setdefault(ep.name, _package_name(ep.module))
    return dict(sorted(found.items()))


def _package_name(module: str) -> str:
    try:
        spec = importlib.util.find_spec(module)
    except (ImportError, ValueError):
        spec = None
    if spec is not None and spec.submodule_search_locations is not None:
        return module
    return module.rpartition(".")[0] or module


def _package_dir(package: str) -> Path:
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise MigrationError(f"package {package!r} cannot be found; is its distribution installed?")
    return Path(next(iter(spec.submodule_search_locations)))


def core_lineage(plugin_names: Iterable[str] | None = None) -> Lineage:
    """The core lineage; ``plugin_names`` defaults to every installed plugin."""
    import core.models  # noqa: F401  (registers every core table on Base.metadata)

    names = installed_plugins() if plugin_names is None else plugin_names
    prefixes = tuple(sorted(f"{name}_" for name in names))
    _refuse_core_tables_in_plugin_namespace(prefixes)
    return Lineage(CORE, "core", ENV_DIR / "versions", CORE_VERSION_TABLE, prefixes)


def plugin_lineage(name: str, package: str | None = None) -> Lineage:
    """The lineage of plugin ``name``; its package defaults to the one its entry point names."""
    if package is None:
        plugins = installed_plugins()
        if name not in plugins:
            known = ", ".join(plugins) or "none"
            raise MigrationError(f"unknown plugin {name!r}; installed plugins: {known}")
        package = plugins[name]
    versions = _package_dir(package) / "migrations" / "versions"
    return Lineage(name, package, versions, f"{CORE_VERSION_TABLE}_{name}")


def lineage_for(name: str | None) -> Lineage:
    """``None`` or ``"core"`` gives the core lineage, anything else the plugin of that name."""
    return core_lineage() if name in (None, CORE) else plugin_lineage(name)


def loaded_lineages(registry: Any) -> list[Lineage]:
    """The core lineage, then every loaded plugin that ships revisions, in the loader's dependency order.

    Uses ``registry.plugin_infos`` (loaded plugins, in load order) and ``registry.plugin_packages``.
    """
    plugins = installed_plugins()
    packages = getattr(registry, "plugin_packages", {})
    result = [core_lineage(plugins)]
    for name in getattr(registry, "plugin_infos", {}):
        lineage = plugin_lineage(name, packages.get(name) or plugins.get(name))
        if lineage.has_revisions:
            result.append(lineage)
    return result


def import_models(lineage: Lineage, base: type[DeclarativeBase] = Base) -> None:
    """Import ``<package>.models`` (if any) and refuse tables of the plugin outside its prefix.

    Raises :class:`MigrationError` naming each table mapped (on ``base``) by a class of the plugin's
    package whose name does not start with ``<plugin>_``.
    """
    if lineage.is_core:
        return
    module = f"{lineage.package}.models"
    if importlib.util.find_spec(module) is not None:
        importlib.import_module(module)
    foreign = sorted(
        table.name
        for mapper in base.registry.mappers
        if _in_package(mapper.class_.__module__, lineage.package)
        for table in mapper.tables
        if not table.name.startswith(lineage.prefix)
    )
    if foreign:
        raise MigrationError(
            f"plugin {lineage.name!r} defines tables outside its prefix {lineage.prefix!r}: {', '.join(foreign)}; "
            f"rename them to start with {lineage.prefix!r}"
        )


def _in_package(module: str, package: str) -> bool:
    return module == package or module.startswith(f"{package}.")


def _refuse_core_tables_in_plugin_namespace(prefixes: tuple[str, ...]) -> None:
    clashes = sorted(
        table.name
        for mapper in Base.registry.mappers
        if _in_package(mapper.class_.__module__, "core")
        for table in mapper.tables
        if table.name.startswith(prefixes)
    )
    if clashes:
        raise MigrationError(
            f"installed plugin names clash with core tables {', '.join(clashes)}: a plugin owns every table "
            f"starting with '<plugin>_'; rename the plugin"
        )
