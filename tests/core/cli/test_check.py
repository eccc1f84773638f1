"""``ticketry check`` and ``ticketry demo``."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.cli import main
from core.models import Organizer
from tests.core.cli.conftest import Result, write_ini

Run = Callable[..., Result]


def test_check_passes_on_a_migrated_installation(migrated: Run) -> None:
    result = migrated("check")
    assert result.code == 0, result.out
    assert result.out.splitlines() == [
        "configuration: ok", "database: ok", "migrations: ok", "plugins: ok", "settings: ok", "check passed",
    ]


def test_check_reports_pending_migrations(run: Run) -> None:
    result = run("check")
    assert result.code == 1
    lineages = [line for line in result.out.splitlines() if line.startswith("  - ") and "db upgrade" in line]
    assert any(line.startswith("  - core: ") for line in lineages)
    assert any(line.startswith("  - testplugin: ") for line in lineages)
    assert f"migrations: {len(lineages)} problem(s)" in result.out
    assert result.out.rstrip().endswith(f"check failed: {len(lineages)} problem(s)")


def test_check_reports_broken_plugins(migrated: Run, ini_with_broken_plugins: Path) -> None:
    result = migrated("check", config=ini_with_broken_plugins)
    assert result.code == 1
    assert "plugins: 3 problem(s)" in result.out
    assert "  - plugin testbroken is broken: import of 'ticketry_testbroken:plugin' failed" in result.out
    assert "  - plugin testincompat is incompatible: needs ticketry<0.0.1" in result.out


def test_check_reports_an_unreachable_database(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write_ini(tmp_path / "down.ini", "postgresql+psycopg://nobody@127.0.0.1:1/nothing",
                     "ticketry.plugins.exclude = testbroken testincompat testbadconfig")
    assert main(["-c", str(path), "check"]) == 1
    out = capsys.readouterr().out
    assert "database: 1 problem(s)" in out and "is not reachable" in out and "migrations:" not in out


def test_check_reports_unknown_plugin_settings(tmp_path: Path, empty_database_url: str, run: Run) -> None:
    path = write_ini(tmp_path / "typo.ini", empty_database_url,
                     "ticketry.plugins.exclude = testbroken testincompat testbadconfig\n"
                     "ticketry.plugin.testplugin.greetin = hi")
    assert run("db", "upgrade").code == 0
    result = run("check", config=path)
    assert result.code == 1 and "settings: 1 problem(s)" in result.out
    assert "plugin.testplugin.greetin" in result.out and "did you mean 'plugin.testplugin.greeting'" in result.out


def test_demo_is_idempotent(migrated: Run, db: Session) -> None:
    first = migrated("demo")
    second = migrated("demo")
    assert first.code == second.code == 0
    assert "event:     demo/democon (DemoCon)" in first.out and "API token: " in first.out
    tokens = [line.split(": ", 1)[1] for r in (first, second) for line in r.out.splitlines() if "API token" in line]
    assert len(tokens) == 2 and tokens[0] != tokens[1]
    assert db.scalar(select(func.count()).select_from(Organizer)) == 1
