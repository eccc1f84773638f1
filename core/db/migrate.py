"""Schema migrations for the core and each plugin, as a Python API (``ticketry db ...`` calls it).

Every function takes an engine (``registry.db_engine``) and a :class:`~core.db.lineages.Lineage`
(``lineage_for("core")``, ``lineage_for("acme")``). :func:`upgrade_all` migrates the core to its head
and then every loaded plugin, in dependency order; :func:`purge_plugin` removes everything a plugin
left in the database. On SQLite, foreign keys are switched off while a migration runs (batch
operations rebuild tables) and checked before the transaction commits.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.autogenerate.api import AutogenContext
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import Connection, Engine, delete, text
from sqlalchemy.orm import Session
from sqlalchemy.types import TypeDecorator

from core.db.lineages import ENV_DIR, Lineage, MigrationError, import_models, loaded_lineages, plugin_lineage

__all__ = [
    "MigrationError", "Step", "check", "current", "downgrade", "heads", "history", "pending", "pending_all",
    "purge_plugin", "revision", "upgrade", "upgrade_all",
]


@dataclass(frozen=True)
class Step:
    """What a migration command did to one lineage: heads before and after."""

    lineage: str
    before: tuple[str, ...]
    after: tuple[str, ...]


def render_item(type_: str, obj: Any, autogen_context: AutogenContext) -> str | bool:
    """Render custom column types (``TranslatedJSON``, ...) as their portable implementation type."""
    if type_ == "type" and isinstance(obj, TypeDecorator):
        return f"sa.{obj.impl_instance!r}"
    return False


def context_options(lineage: Lineage) -> dict[str, Any]:
    """Options for ``context.configure`` shared by ``env.py`` and :func:`check`."""
    return {
        "target_metadata": lineage.metadata,
        "version_table": lineage.version_table,
        "include_object": lineage.include_object,
        "render_as_batch": True,
        "compare_type": True,
        "render_item": render_item,
    }


def alembic_config(lineage: Lineage, connection: Connection | None = None) -> Config:
    """An in-memory alembic config: the core's env and template, the lineage's revisions.

    New revision files are tidied with ruff (format, then fix) when ruff is installed.
    """
    cfg = Config()
    cfg.set_main_option("script_location", str(ENV_DIR))
    cfg.set_main_option("path_separator", "os")
    cfg.set_main_option("version_locations", str(lineage.versions_dir))
    if importlib.util.find_spec("ruff") is not None:
        cfg.set_section_option("post_write_hooks", "hooks", "ruff_format, ruff_fix")
        for hook, options in (("ruff_format", "format --quiet"), ("ruff_fix", "check --fix --quiet")):
            cfg.set_section_option("post_write_hooks", f"{hook}.type", "module")
            cfg.set_section_option("post_write_hooks", f"{hook}.module", "ruff")
            cfg.set_section_option("post_write_hooks", f"{hook}.options", f"{options} REVISION_SCRIPT_FILENAME")
    cfg.attributes["lineage"] = lineage
    cfg.attributes["connection"] = connection
    return cfg


def _script(lineage: Lineage) -> ScriptDirectory:
    return ScriptDirectory.from_config(alembic_config(lineage))


@contextmanager
def _migration_connection(engine: Engine) -> Iterator[Connection]:
    """A connection in a transaction; on SQLite with foreign keys off and checked before commit."""
    with engine.connect() as conn:
        sqlite = conn.dialect.name == "sqlite"
        if sqlite:
            conn.connection.driver_connection.execute("PRAGMA foreign_keys=OFF")
        try:
            with conn.begin():
                yield conn
                if sqlite:
                    broken = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                    if broken:
                        raise MigrationError(f"migration left rows with broken foreign keys: {broken[:5]}")
        finally:
            if sqlite:
                conn.connection.driver_connection.execute("PRAGMA foreign_keys=ON")


def _current(conn: Connection, lineage: Lineage) -> tuple[str, ...]:
    context = MigrationContext.configure(conn, opts={"version_table": lineage.version_table})
    return tuple(sorted(context.get_current_heads()))


def heads(lineage: Lineage) -> tuple[str, ...]:
    """The head revision ids of the lineage (one, normally)."""
    return tuple(sorted(_script(lineage).get_heads())) if lineage.has_revisions else ()


def current(engine: Engine, lineage: Lineage) -> tuple[str, ...]:
    """The revision ids the database is at for this lineage; empty if none was applied."""
    with engine.connect() as conn:
        return _current(conn, lineage)


def pending(engine: Engine, lineage: Lineage) -> list[str]:
    """Revision ids of the lineage not yet applied to the database, oldest first."""
    if not lineage.has_revisions:
        return []
    script = _script(lineage)
    applied = current(engine, lineage)
    try:
        done = {rev.revision for rev in script.iterate_revisions(applied, "base")} if applied else set()
    except CommandError as exc:
        raise MigrationError(f"{lineage.name}: the database is at a revision this code does not know: {exc}") from None
    return [rev.revision for rev in reversed(list(script.walk_revisions())) if rev.revision not in done]


def pending_all(engine: Engine, registry: Any) -> dict[str, list[str]]:
    """Pending revisions of the core and of every loaded plugin, only for lineages that have some."""
    result = {}
    for lineage in loaded_lineages(registry):
        todo = pending(engine, lineage)
        if todo:
            result[lineage.name] = todo
    return result


def _run(engine: Engine, lineage: Lineage, fn: Any, revision: str) -> Step:
    with _migration_connection(engine) as conn:
        before = _current(conn, lineage)
        try:
            fn(alembic_config(lineage, conn), revision)
        except CommandError as exc:
            raise MigrationError(f"{lineage.name}: {exc}") from None
        return Step(lineage.name, before, _current(conn, lineage))


def upgrade(engine: Engine, lineage: Lineage, revision: str = "heads") -> Step:
    """Upgrade the lineage to ``revision`` (default: its head)."""
    return _run(engine, lineage, command.upgrade, revision)


def downgrade(engine: Engine, lineage: Lineage, revision: str) -> Step:
    """Downgrade the lineage to ``revision`` (``base`` removes all its tables, ``-1`` one step)."""
    return _run(engine, lineage, command.downgrade, revision)


def upgrade_all(engine: Engine, registry: Any) -> list[Step]:
    """Upgrade the core, then every loaded plugin with revisions, in the loader's dependency order."""
    return [upgrade(engine, lineage) for lineage in loaded_lineages(registry)]


def history(lineage: Lineage) -> list[str]:
    """One line per revision, newest first: ``<down> -> <rev> (head) [labels], <message>``."""
    if not lineage.has_revisions:
        return []
    lines = []
    for rev in _script(lineage).walk_revisions():
        down = ", ".join(rev.down_revision) if isinstance(rev.down_revision, tuple) else rev.down_revision
        flags = " (head)" if rev.is_head else ""
        labels = f" ({', '.join(sorted(rev.branch_labels))})" if rev.branch_labels else ""
        lines.append(f"{down or '<base>'} -> {rev.revision}{flags}{labels}, {rev.doc}")
    return lines


def revision(engine: Engine, lineage: Lineage, message: str, autogenerate: bool = True) -> Path:
    """Write a new revision file for the lineage and return its path.

    With ``autogenerate`` the database must be at the lineage's head; the new revision contains the
    difference between it and the models. A plugin's first revision gets the branch label ``<plugin>``.
    """
    import_models(lineage)
    lineage.versions_dir.mkdir(parents=True, exist_ok=True)
    first = not lineage.has_revisions
    with _migration_connection(engine) as conn:
        try:
            script = command.revision(
                alembic_config(lineage, conn),
                message=message,
                autogenerate=autogenerate,
                head="base" if first else "head",
                branch_label=lineage.name if first and not lineage.is_core else None,
                version_path=str(lineage.versions_dir),
            )
        except CommandError as exc:
            raise MigrationError(f"{lineage.name}: {exc}") from None
    assert script is not None and not isinstance(script, list)
    return Path(script.path)


def check(engine: Engine, lineage: Lineage) -> list[str]:
    """Differences between the lineage's models and the database, as text; empty when they match.

    Raises :class:`MigrationError` if the database is not at the lineage's head.
    """
    import_models(lineage)
    todo = pending(engine, lineage)
    if todo:
        raise MigrationError(
            f"{lineage.name}: the database is behind by {len(todo)} revision(s) ({', '.join(todo)}); "
            f"run `ticketry db upgrade`"
        )
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts=context_options(lineage))
        return [repr(diff) for diff in compare_metadata(context, lineage.metadata)]


def purge_plugin(engine: Engine, name: str) -> Step:
    """Remove plugin ``name`` from the database: downgrade its lineage to base, drop its version table,
    delete its activations (organizer and event) and its ``plugin.<name>.*`` settings on every level.

    Core tables and all other data are untouched. The plugin must still be installed (its revisions
    are needed to downgrade); its ``uninstalled`` hook is not called.
    """
    from core.models import EventPlugin, OrganizerPlugin
    from core.settings.store import delete_plugin_rows

    lineage = plugin_lineage(name)
    step = downgrade(engine, lineage, "base") if lineage.has_revisions else Step(name, (), ())
    with _migration_connection(engine) as conn:
        conn.execute(text(f'DROP TABLE IF EXISTS "{lineage.version_table}"'))
        for model in (OrganizerPlugin, EventPlugin):
            conn.execute(delete(model.__table__).where(model.__table__.c.plugin == name))
        with Session(bind=conn) as session:
            delete_plugin_rows(session, name)
    return step
