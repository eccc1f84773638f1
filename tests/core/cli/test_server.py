"""``ticketry init|serve|worker``, configuration discovery and configuration errors."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import inspect

from core.cli import main, server
from core.db.session import make_engine
from tests.core.cli.conftest import Result, write_ini

Run = Callable[..., Result]


def test_init_writes_a_new_ini_and_migrates(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "site" / "local.ini"
    assert main(["-c", str(path), "init"]) == 0
    out = capsys.readouterr().out
    assert f"wrote {path} with a new secret key" in out and "migrated core: " in out
    text = path.read_text()
    assert "ticketry.secret_key = " in text and "development-only" not in text
    assert (tmp_path / "site" / "var").is_dir()
    engine = make_engine(f"sqlite:///{tmp_path}/site/var/ticketry.sqlite")
    try:
        assert {"organizer", "alembic_version", "alembic_version_testplugin"} <= set(inspect(engine).get_table_names())
    finally:
        engine.dispose()
    assert main(["-c", str(path), "init"]) == 0
    assert f"using {path}" in capsys.readouterr().out
    assert path.read_text() == text


def test_init_keeps_an_existing_ini(run: Run, ini: Path) -> None:
    before = ini.read_text()
    result = run("init")
    assert result.code == 0 and f"using {ini}" in result.out and "migrated testplugin:" in result.out
    assert ini.read_text() == before


def test_config_from_environment_then_default_file(
    ini: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("TICKETRY_CONFIG", str(ini))
    assert main(["db", "pending"]) == 0
    assert "core: " in capsys.readouterr().out
    monkeypatch.delenv("TICKETRY_CONFIG")
    monkeypatch.chdir(tmp_path)
    assert main(["db", "pending"]) == 1
    err = capsys.readouterr().err
    assert f"config file '{tmp_path / 'development.ini'}' not found" in err and "TICKETRY_CONFIG" in err


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ("ticketry.bogus = 1", "unknown setting 'ticketry.bogus'; known settings are: "),
        ("ticketry.debug = maybe", "setting 'ticketry.debug' has the bad value 'maybe': expected one of true/false"),
        ("ticketry.lock_timeout_ms = soon", "setting 'ticketry.lock_timeout_ms' has the bad value 'soon'"),
        ("ticketry.mail.backend = smtp", "is not a valid ini file: While reading from"),
    ],
)
def test_bad_configuration_names_key_and_value(
    tmp_path: Path, empty_database_url: str, capsys: pytest.CaptureFixture[str], extra: str, message: str
) -> None:
    path = write_ini(tmp_path / "bad.ini", empty_database_url, extra)
    assert main(["-c", str(path), "check"]) == 1
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_missing_secret_key(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "nosecret.ini"
    path.write_text("[app:main]\nuse = egg:ticketry\nticketry.database_url = sqlite:///%(here)s/x.sqlite\n")
    assert main(["-c", str(path), "db", "current"]) == 1
    assert "setting 'ticketry.secret_key' is required" in capsys.readouterr().err


def test_ini_without_app_section(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "empty.ini"
    path.write_text("[other]\nx = 1\n")
    assert main(["-c", str(path), "check"]) == 1
    assert "has no usable [app:main] section" in capsys.readouterr().err


def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 2
    assert "the following arguments are required: COMMAND" in capsys.readouterr().err
    assert main(["frobnicate"]) == 2
    assert "invalid choice: 'frobnicate'" in capsys.readouterr().err
    assert main(["--help"]) == 0
    assert "db" in capsys.readouterr().out


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    calls: dict[str, Any] = {}
    monkeypatch.setattr(server, "setup_logging", lambda path: calls.setdefault("logging", path))
    monkeypatch.setattr("waitress.serve", lambda app, **kw: calls.update(app=app, options=kw))
    return calls


def test_serve_uses_the_ini_server_section(migrated: Run, ini: Path, served: dict[str, Any]) -> None:
    result = migrated("serve")
    assert result.code == 0 and "migrations pending" not in result.err
    assert served["options"] == {"listen": "127.0.0.1:8123"}
    assert served["logging"] == str(ini)
    assert hasattr(served["app"], "registry")


def test_serve_with_host_and_port_and_pending_warning(run: Run, served: dict[str, Any]) -> None:
    result = run("serve", "--host", "0.0.0.0", "--port", "9000")
    assert result.code == 0
    assert served["options"] == {"host": "0.0.0.0", "port": 9000}
    assert "warning: migrations pending for " in result.err and "core" in result.err
    assert "ticketry db upgrade" in result.err


def test_serve_with_a_bad_port(run: Run) -> None:
    result = run("serve", "--port", "http")
    assert result.code == 2 and "argument --port: invalid int value: 'http'" in result.err


def test_worker_runs_the_consumer(run: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[Any, int]] = []
    monkeypatch.setattr(server, "setup_logging", lambda path: None)
    monkeypatch.setattr("core.tasks.run_consumer", lambda registry, workers: calls.append((registry, workers)))
    assert run("worker", "-w", "3").code == 0
    assert calls and calls[0][1] == 3 and hasattr(calls[0][0], "db_engine")


def test_worker_refuses_immediate_mode(run: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(server, "setup_logging", lambda path: None)
    result = run("worker")
    assert result.code == 1 and "'ticketry.huey.immediate' is true" in result.err
