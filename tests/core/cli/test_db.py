"""``ticketry db ...``."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import Engine, inspect, text

from core.cli import db as db_command
from core.db import migrate
from core.db.lineages import core_lineage, plugin_lineage
from tests.core.cli.conftest import Result

Run = Callable[..., Result]


def test_upgrade_runs_the_core_then_the_plugins(run: Run) -> None:
    result = run("db", "upgrade")
    assert result.code == 0
    lines = result.out.splitlines()
    core_head = migrate.heads(core_lineage())[0]
    plugin_head = migrate.heads(plugin_lineage("testplugin"))[0]
    assert lines[0] == f"core: <base> -> {core_head}"
    assert f"testplugin: <base> -> {plugin_head}" in lines[1:]
    again = run("db", "upgrade")
    assert again.code == 0 and "core: up to date" in again.out and "testplugin: up to date" in again.out


def test_upgrade_of_one_plugin_only(run: Run, engine: Engine) -> None:
    assert run("db", "upgrade", "--plugin", "core").code == 0
    result = run("db", "upgrade", "--plugin", "testplugin")
    assert result.code == 0 and result.out.startswith("testplugin: <base> -> ")
    assert "testplugin_greeting" in inspect(engine).get_table_names()


def test_current_pending_and_history(run: Run) -> None:
    before = run("db", "current")
    assert before.code == 0 and "core: <base> (behind)" in before.out and "testplugin: <base> (behind)" in before.out
    pending = run("db", "pending", "--plugin", "testplugin")
    assert pending.code == 0 and pending.out.count(",") == 1
    run("db", "upgrade")
    after = run("db", "current")
    assert "(behind)" not in after.out and after.out.count("(head)") == len(after.out.splitlines())
    assert "core: nothing pending" in run("db", "pending").out
    history = run("db", "history", "--plugin", "testplugin")
    assert history.code == 0 and history.out.startswith("testplugin:\n")
    assert "(testplugin), create greeting" in history.out


def test_check_passes_on_a_migrated_database_and_fails_on_drift(migrated: Run, engine: Engine) -> None:
    result = migrated("db", "check")
    assert result.code == 0 and "core: no difference" in result.out and "testplugin: no difference" in result.out
    with engine.begin() as conn:
        conn.execute(text("ALTER TABLE testplugin_greeting ADD COLUMN mood VARCHAR(10)"))
    drift = migrated("db", "check", "--plugin", "testplugin")
    assert drift.code == 1
    assert "testplugin: the models differ from the database" in drift.out and "mood" in drift.out


def test_check_before_upgrade_says_what_to_run(run: Run) -> None:
    result = run("db", "check")
    assert result.code == 1
    assert "error: core: the database is behind by" in result.err and "ticketry db upgrade" in result.err
    assert "Traceback" not in result.err


def test_downgrade_a_plugin_to_base(migrated: Run, engine: Engine) -> None:
    result = migrated("db", "downgrade", "--plugin", "testplugin", "base")
    assert result.code == 0 and result.out.strip().endswith("-> <base>")
    tables = inspect(engine).get_table_names()
    assert "testplugin_greeting" not in tables and "organizer" in tables
    assert "testplugin: <base> (behind)" in migrated("db", "current", "--plugin", "testplugin").out


def test_downgrade_needs_a_revision(run: Run) -> None:
    result = run("db", "downgrade")
    assert result.code == 2 and "the following arguments are required: revision" in result.err


def test_unknown_plugin(run: Run) -> None:
    result = run("db", "upgrade", "--plugin", "nope")
    assert result.code == 1
    assert "error: unknown plugin 'nope'; installed plugins: " in result.err and "testplugin" in result.err


def test_unknown_revision(migrated: Run) -> None:
    result = migrated("db", "downgrade", "--plugin", "testplugin", "deadbeef")
    assert result.code == 1 and "testplugin:" in result.err and "deadbeef" in result.err


def test_revision_writes_into_the_lineage_folder(
    migrated: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    versions = tmp_path / "versions"
    monkeypatch.setattr(
        db_command, "core_lineage", lambda: dataclasses.replace(core_lineage(), versions_dir=versions)
    )
    result = migrated("db", "revision", "-m", "add things", "--empty")
    assert result.code == 0, result.err
    (written,) = versions.glob("*_add_things.py")
    assert f"core: wrote {written}" in result.out
    source = written.read_text()
    assert "down_revision: str | Sequence[str] | None = None" in source and "def upgrade() -> None:" in source


def test_revision_needs_a_message(run: Run) -> None:
    result = run("db", "revision")
    assert result.code == 2 and "-m/--message" in result.err
