"""``ticketry plugins list|enable|disable|purge|config``."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import Engine, inspect, select
from sqlalchemy.orm import Session

from core.models import EventPlugin, OrganizerPlugin
from core.models.settings import OrganizerSetting
from tests.core.cli.conftest import Result

Run = Callable[..., Result]


@pytest.fixture
def demo(migrated: Run) -> Run:
    assert migrated("demo").code == 0
    return migrated


def test_list_shows_status_and_reason(run: Run, ini_with_broken_plugins: Path) -> None:
    result = run("plugins", "list", config=ini_with_broken_plugins)
    assert result.code == 0
    lines = result.out.splitlines()
    assert lines[0].split() == ["NAME", "VERSION", "LEVEL", "STATUS", "REASON"]
    rows = {line.split()[0]: line for line in lines[1:]}
    assert rows["testplugin"].split()[1:4] == ["1.0.0", "event", "loaded"]
    assert "broken" in rows["testbroken"] and "missing_module" in rows["testbroken"]
    assert "incompatible" in rows["testincompat"] and "needs ticketry<0.0.1" in rows["testincompat"]
    assert "Traceback" not in result.out
    excluded = run("plugins", "list").out
    assert [line.split()[1] for line in excluded.splitlines() if line.startswith("testbroken")] == ["excluded"]


def test_list_verbose_prints_tracebacks(run: Run, ini_with_broken_plugins: Path) -> None:
    result = run("plugins", "list", "--verbose", config=ini_with_broken_plugins)
    assert result.code == 0
    assert "testbroken: import of" in result.out and "Traceback (most recent call last)" in result.out


def test_enable_and_disable_on_an_event(demo: Run, db: Session) -> None:
    enabled = demo("plugins", "enable", "testplugin", "--organizer", "demo", "--event", "democon")
    assert enabled.code == 0 and enabled.out.strip() == "plugin testplugin enabled on event demo/democon"
    assert db.scalars(select(EventPlugin.plugin)).all() == ["testplugin"]
    again = demo("plugins", "enable", "testplugin", "--organizer", "demo", "--event", "democon")
    assert again.out.strip() == "plugin testplugin was already enabled on event demo/democon"
    disabled = demo("plugins", "disable", "testplugin", "--organizer", "demo", "--event", "democon")
    assert disabled.code == 0 and disabled.out.strip() == "plugin testplugin disabled on event demo/democon"
    db.rollback()
    assert db.scalars(select(EventPlugin.plugin)).all() == []


def test_enable_on_an_organizer(demo: Run, db: Session) -> None:
    result = demo("plugins", "enable", "testorg", "--organizer", "demo")
    assert result.code == 0 and result.out.strip() == "plugin testorg enabled on organizer demo"
    assert db.scalars(select(OrganizerPlugin.plugin)).all() == ["testorg"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["testplugin", "--organizer", "nope"], "unknown organizer 'nope'; organizers: demo"),
        (["testplugin", "--organizer", "demo", "--event", "nope"], "unknown event 'nope' of organizer 'demo'"),
        (["testrestricted", "--organizer", "demo", "--event", "democon"], "restricted"),
        (["testplugin", "--organizer", "demo"], "testplugin"),
    ],
)
def test_enable_errors_name_the_problem(demo: Run, args: list[str], message: str) -> None:
    result = demo("plugins", "enable", *args)
    assert result.code == 1
    assert result.err.startswith("ticketry plugins: error: ") and message in result.err
    assert "Traceback" not in result.err


def test_enable_needs_an_organizer(run: Run) -> None:
    result = run("plugins", "enable", "testplugin")
    assert result.code == 2 and "the following arguments are required: --organizer" in result.err


def test_purge_needs_confirmation(migrated: Run, engine: Engine) -> None:
    result = migrated("plugins", "purge", "testplugin")
    assert result.code == 1 and "repeat with --yes to confirm" in result.err
    assert "testplugin_greeting" in inspect(engine).get_table_names()


def test_purge_removes_tables_version_table_activations_and_settings(demo: Run, engine: Engine, db: Session) -> None:
    demo("plugins", "enable", "testplugin", "--organizer", "demo", "--event", "democon")
    organizer_id = db.scalar(select(OrganizerPlugin.organizer_id).union(select(EventPlugin.organizer_id)))
    db.add(OrganizerSetting(organizer_id=organizer_id, key="plugin.testplugin.greeting", value="moin"))
    db.commit()
    result = demo("plugins", "purge", "testplugin", "--yes")
    assert result.code == 0 and result.out.startswith("plugin testplugin purged: migrations ")
    tables = inspect(engine).get_table_names()
    assert "testplugin_greeting" not in tables and "alembic_version_testplugin" not in tables
    assert "event" in tables
    db.rollback()
    assert db.scalars(select(EventPlugin)).all() == []
    assert db.scalars(select(OrganizerSetting)).all() == []
    assert "democon" in demo("plugins", "enable", "testplugin", "--organizer", "demo", "--event", "democon").out


def test_config_prints_a_commented_ini_block(run: Run) -> None:
    result = run("plugins", "config", "testplugin")
    assert result.code == 0
    assert result.out.startswith("# Settings of plugin testplugin")
    assert "# ticketry.plugin.testplugin.greeting = hello" in result.out
    assert "env TICKETRY_PLUGIN_TESTPLUGIN_GREETING" in result.out


def test_config_of_an_unknown_plugin(run: Run) -> None:
    result = run("plugins", "config", "nope")
    assert result.code == 1 and "unknown plugin 'nope'; installed plugins:" in result.err
