"""Plugin lineages: upgrade, downgrade and purge testplugin independently of the core."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, Integer, String, func, insert, inspect, select, text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from core.db import migrate
from core.db.lineages import (
    Lineage,
    MigrationError,
    core_lineage,
    import_models,
    installed_plugins,
    loaded_lineages,
    plugin_lineage,
)
from core.models import Event, EventPlugin, Organizer, OrganizerPlugin
from core.models.settings import EventSetting, OrganizerSetting

PLUGIN = "testplugin"


@pytest.fixture
def migrated(empty_engine: Engine) -> Engine:
    migrate.upgrade(empty_engine, core_lineage())
    return empty_engine


def _tables(engine: Engine) -> set[str]:
    return set(inspect(engine).get_table_names())


def _columns(engine: Engine, table: str) -> set[str]:
    return {c["name"] for c in inspect(engine).get_columns(table)}


def test_plugin_lineage_has_its_own_version_table(migrated: Engine) -> None:
    lineage = plugin_lineage(PLUGIN)
    assert lineage.version_table == "alembic_version_testplugin"
    assert lineage.versions_dir.parts[-3:] == ("ticketry_testplugin", "migrations", "versions")
    core_before = migrate.current(migrated, core_lineage())
    assert len(migrate.pending(migrated, lineage)) == 2
    step = migrate.upgrade(migrated, lineage)
    assert step.before == () and step.after == migrate.heads(lineage)
    assert {"testplugin_greeting", "alembic_version_testplugin"} <= _tables(migrated)
    assert migrate.current(migrated, core_lineage()) == core_before
    assert migrate.check(migrated, lineage) == []
    assert migrate.check(migrated, core_lineage()) == []


def test_plugin_downgrades_step_by_step_without_touching_the_core(migrated: Engine) -> None:
    lineage = plugin_lineage(PLUGIN)
    migrate.upgrade(migrated, lineage)
    assert "recipient" in _columns(migrated, "testplugin_greeting")
    migrate.downgrade(migrated, lineage, "-1")
    assert "recipient" not in _columns(migrated, "testplugin_greeting")
    assert len(migrate.pending(migrated, lineage)) == 1
    migrate.downgrade(migrated, lineage, "base")
    assert "testplugin_greeting" not in _tables(migrated)
    assert migrate.pending(migrated, core_lineage()) == []


def test_history_shows_the_branch_label() -> None:
    lines = migrate.history(plugin_lineage(PLUGIN))
    assert len(lines) == 2 and lines[-1].startswith("<base> -> ") and "(testplugin)" in lines[-1]


def _seed(engine: Engine) -> dict[str, Any]:
    """Core rows, a testplugin row, and settings of testplugin and of the core."""
    with engine.begin() as conn:
        org = conn.execute(insert(Organizer.__table__).values(slug="acme", name="ACME")).inserted_primary_key[0]
        event = conn.execute(insert(Event.__table__).values(
            organizer_id=org, slug="summit", name={"en": "Summit"}, currency="EUR", live=False, testmode=False,
            is_public=True, has_subevents=False, date_from=func.now(), timezone="UTC",
        )).inserted_primary_key[0]
        conn.execute(text(
            "INSERT INTO testplugin_greeting (organizer_id, event_id, text) VALUES (:o, :e, 'hi')"
        ), {"o": org, "e": event})
        conn.execute(insert(OrganizerPlugin.__table__).values(organizer_id=org, plugin=PLUGIN))
        conn.execute(insert(OrganizerPlugin.__table__).values(organizer_id=org, plugin="testorg"))
        conn.execute(insert(EventPlugin.__table__).values(organizer_id=org, event_id=event, plugin=PLUGIN))
        conn.execute(insert(OrganizerSetting.__table__).values(organizer_id=org, key="plugin.testplugin.greeting",
                                                               value="moin"))
        conn.execute(insert(EventSetting.__table__).values(organizer_id=org, event_id=event,
                                                           key="plugin.testplugin.greeting", value="hallo"))
        conn.execute(insert(EventSetting.__table__).values(organizer_id=org, event_id=event,
                                                           key="plugin.testpluginx.greeting", value="kept"))
        conn.execute(insert(OrganizerSetting.__table__).values(organizer_id=org, key="timezone", value="UTC"))
    return {"organizer": org, "event": event}


def test_purge_removes_only_the_plugin(migrated: Engine) -> None:
    migrate.upgrade(migrated, plugin_lineage(PLUGIN))
    ids = _seed(migrated)
    step = migrate.purge_plugin(migrated, PLUGIN)
    assert step.before == migrate.heads(plugin_lineage(PLUGIN)) and step.after == ()
    tables = _tables(migrated)
    assert "testplugin_greeting" not in tables and "alembic_version_testplugin" not in tables
    with migrated.connect() as conn:
        assert conn.scalar(select(Organizer.__table__.c.slug)) == "acme"
        assert conn.scalar(select(Event.__table__.c.id)) == ids["event"]
        assert conn.execute(select(OrganizerPlugin.__table__.c.plugin)).scalars().all() == ["testorg"]
        assert conn.execute(select(EventPlugin.__table__.c.plugin)).scalars().all() == []
        settings = conn.execute(select(OrganizerSetting.__table__.c.key).union_all(
            select(EventSetting.__table__.c.key))).scalars().all()
    assert sorted(settings) == ["plugin.testpluginx.greeting", "timezone"]
    assert migrate.pending(migrated, core_lineage()) == []
    assert migrate.check(migrated, core_lineage()) == []
    migrate.upgrade(migrated, plugin_lineage(PLUGIN))
    assert "testplugin_greeting" in _tables(migrated)


def test_upgrade_all_runs_core_then_loaded_plugins(empty_engine: Engine, registry: Any) -> None:
    names = [lineage.name for lineage in loaded_lineages(registry)]
    assert names[0] == "core" and PLUGIN in names
    assert "testbroken" not in names and "testorg" not in names
    steps = migrate.upgrade_all(empty_engine, registry)
    assert [step.lineage for step in steps] == names
    assert migrate.pending_all(empty_engine, registry) == {}


def test_pending_all_names_lineages_behind(migrated: Engine, registry: Any) -> None:
    behind = migrate.pending_all(migrated, registry)
    assert "core" not in behind
    assert behind[PLUGIN] == migrate.pending(migrated, plugin_lineage(PLUGIN))
    migrate.upgrade(migrated, plugin_lineage(PLUGIN))
    assert PLUGIN not in migrate.pending_all(migrated, registry)


def test_bundled_plugin_lineage_lives_in_its_own_package() -> None:
    assert installed_plugins()["banktransfer"] == "plugins.payment_banktransfer"
    lineage = plugin_lineage("banktransfer")
    assert lineage.versions_dir.parts[-4:] == ("plugins", "payment_banktransfer", "migrations", "versions")
    assert lineage.has_revisions


def test_unknown_plugin_is_named() -> None:
    with pytest.raises(MigrationError, match=r"unknown plugin 'nope'; installed plugins: .*testplugin"):
        plugin_lineage("nope")


def test_plugin_named_like_a_core_table_prefix_is_refused() -> None:
    with pytest.raises(MigrationError, match=r"clash with core tables .*team_api_token"):
        core_lineage(["team"])


class _OtherBase(DeclarativeBase):
    pass


class _Misnamed(_OtherBase):
    __tablename__ = "greeting"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    text: Mapped[str] = mapped_column(String(10))


def test_plugin_tables_outside_the_prefix_are_refused(tmp_path: Path) -> None:
    lineage = Lineage("acme", __name__.rpartition(".")[0], tmp_path, "alembic_version_acme")
    with pytest.raises(MigrationError, match="plugin 'acme' defines tables outside its prefix 'acme_': greeting"):
        import_models(lineage, base=_OtherBase)
