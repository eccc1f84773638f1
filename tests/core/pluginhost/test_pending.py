"""A plugin whose migrations are pending stays inactive until they are applied."""

from __future__ import annotations

from types import SimpleNamespace

from sqlalchemy import Engine

from core.db import migrate
from core.db.lineages import core_lineage, plugin_lineage
from core.pluginhost.activity import active_plugins
from core.pluginhost.info import Level
from core.pluginhost.pending import hold_back_unmigrated, is_usable


def _registry(engine: Engine, registry) -> SimpleNamespace:
    return SimpleNamespace(
        db_engine=engine,
        plugin_infos=dict(registry.plugin_infos),
        plugin_packages=getattr(registry, "plugin_packages", {}),
    )


def test_nothing_is_held_back_on_a_database_never_migrated(empty_engine: Engine, registry) -> None:
    fake = _registry(empty_engine, registry)
    assert hold_back_unmigrated(fake) == {}
    assert is_usable(fake, "testplugin")


def test_plugin_with_pending_revisions_is_inactive_until_upgraded(empty_engine: Engine, registry) -> None:
    migrate.upgrade(empty_engine, core_lineage())
    fake = _registry(empty_engine, registry)
    awaiting = hold_back_unmigrated(fake)
    assert "testplugin" in awaiting
    assert len(awaiting["testplugin"]) == 2
    assert not is_usable(fake, "testplugin")
    assert "testplatform" in active_plugins(None, None, fake)

    migrate.upgrade(empty_engine, plugin_lineage("testplugin"))
    assert "testplugin" not in hold_back_unmigrated(fake)
    assert is_usable(fake, "testplugin")


def test_pending_plugin_is_never_active_even_at_platform_level(empty_engine: Engine, registry) -> None:
    migrate.upgrade(empty_engine, core_lineage())
    fake = _registry(empty_engine, registry)
    fake.plugin_infos["testplugin"] = SimpleNamespace(level=Level.PLATFORM)
    hold_back_unmigrated(fake)
    assert "testplugin" not in active_plugins(None, None, fake)
