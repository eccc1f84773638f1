"""Plugins whose migrations are not applied yet stay inactive until ``ticketry db upgrade`` ran.

The check runs once at start-up: one version-table read per plugin that ships revisions. It is
skipped for a database whose core lineage was never migrated (a fresh or test database built from
the models), where there is nothing to compare against.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from core.db.lineages import core_lineage, installed_plugins, loaded_lineages
from core.db.migrate import MigrationError, current, pending

log = logging.getLogger("ticketry.plugins")


def hold_back_unmigrated(registry: Any) -> dict[str, list[str]]:
    """Record in ``registry.plugins_awaiting_migrations`` each loaded plugin with pending revisions.

    Returns that mapping (plugin name -> pending revision ids). Database errors are logged and
    leave the mapping empty: a start-up must not fail because the database is briefly away.
    """
    awaiting: dict[str, list[str]] = {}
    registry.plugins_awaiting_migrations = awaiting
    engine = registry.db_engine
    try:
        if not current(engine, core_lineage(installed_plugins())):
            return awaiting
        for lineage in loaded_lineages(registry):
            if lineage.is_core:
                continue
            todo = pending(engine, lineage)
            if todo:
                awaiting[lineage.name] = todo
                log.warning(
                    "plugin %s stays inactive until its %d pending migration(s) are applied: run `ticketry db upgrade`",
                    lineage.name, len(todo),
                )
    except (SQLAlchemyError, MigrationError) as exc:
        log.warning("could not check plugin migrations: %s", exc)
    return awaiting


def is_usable(registry: Any, name: str) -> bool:
    """True if ``name`` is loaded and not waiting for migrations."""
    return name in registry.plugin_infos and name not in getattr(registry, "plugins_awaiting_migrations", {})
