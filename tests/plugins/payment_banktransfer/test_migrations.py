"""The plugin's own lineage: upgrade, check and downgrade without touching the core's tables."""

from __future__ import annotations

from sqlalchemy import Engine, inspect

from core.db import migrate
from core.db.base import Base
from core.db.lineages import plugin_lineage

PLUGIN_TABLES = {"banktransfer_importjob", "banktransfer_transaction"}


def _core_tables(engine: Engine) -> None:
    import core.models  # noqa: F401

    tables = [t for t in Base.metadata.sorted_tables if not t.name.startswith("banktransfer_")]
    Base.metadata.create_all(engine, tables=tables)


def test_lineage_upgrades_checks_and_downgrades_independently(empty_engine: Engine) -> None:
    _core_tables(empty_engine)
    core_tables = set(inspect(empty_engine).get_table_names())
    lineage = plugin_lineage("banktransfer", "plugins.payment_banktransfer")
    assert lineage.version_table == "alembic_version_banktransfer"
    assert migrate.history(lineage)[-1].startswith("<base> -> ") and "(banktransfer)" in migrate.history(lineage)[-1]
    step = migrate.upgrade(empty_engine, lineage)
    assert step.after == migrate.heads(lineage)
    assert PLUGIN_TABLES <= set(inspect(empty_engine).get_table_names())
    assert migrate.check(empty_engine, lineage) == []
    migrate.downgrade(empty_engine, lineage, "base")
    assert set(inspect(empty_engine).get_table_names()) == core_tables | {"alembic_version_banktransfer"}
    migrate.upgrade(empty_engine, lineage)
    assert migrate.check(empty_engine, lineage) == []
