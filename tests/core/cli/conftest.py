"""Running ``ticketry`` in-process against an ini file that points at an empty test database."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from core.cli import main
from core.db import scopes_disabled
from core.db.session import make_engine
from core.tasks import huey
from sdk.testing.fixtures_db import TEST_SECRET

#: Test plugins that are broken or incompatible on purpose; excluded where a clean ``check`` is wanted.
BROKEN_PLUGINS = "testbroken testincompat testbadconfig"


@dataclass(frozen=True)
class Result:
    code: int
    out: str
    err: str


def write_ini(path: Path, database_url: str, extra: str = "") -> Path:
    path.write_text(
        "[app:main]\n"
        "use = egg:ticketry\n"
        f"ticketry.secret_key = {TEST_SECRET}\n"
        f"ticketry.database_url = {database_url.replace('%', '%%')}\n"
        "ticketry.var_dir = %(here)s/var\n"
        "ticketry.huey.immediate = true\n"
        "ticketry.mail.backend = memory\n"
        f"{extra}\n"
        "[server:main]\n"
        "use = egg:waitress#main\n"
        "listen = 127.0.0.1:8123\n"
    )
    return path


@pytest.fixture(autouse=True)
def _restore_huey(registry: Any) -> Iterator[None]:
    """Each CLI run configures the global huey for its own app; give it back to the test app."""
    yield
    huey.configure(registry.settings, registry)


@pytest.fixture
def ini(tmp_path: Path, empty_database_url: str) -> Path:
    """The ini file of the test installation; the deliberately broken test plugins are excluded."""
    return write_ini(tmp_path / "test.ini", empty_database_url, f"ticketry.plugins.exclude = {BROKEN_PLUGINS}")


@pytest.fixture
def ini_with_broken_plugins(tmp_path: Path, empty_database_url: str) -> Path:
    return write_ini(tmp_path / "broken.ini", empty_database_url)


@pytest.fixture
def run(ini: Path, capsys: pytest.CaptureFixture[str]) -> Callable[..., Result]:
    """``run("db", "upgrade")`` runs ``ticketry -c <ini> db upgrade`` and returns exit code, stdout, stderr."""

    def _run(*args: str, config: Path | None = ini) -> Result:
        capsys.readouterr()
        code = main([*(["-c", str(config)] if config else []), *args])
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    return _run


@pytest.fixture
def migrated(run: Callable[..., Result]) -> Callable[..., Result]:
    """``run`` on a database migrated to the heads of the core and every loaded plugin."""
    assert run("db", "upgrade").code == 0
    return run


@pytest.fixture
def engine(empty_database_url: str) -> Iterator[Engine]:
    engine = make_engine(empty_database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def db(engine: Engine) -> Iterator[Session]:
    """A plain session on the CLI's database, tenant scopes off, for checking what commands wrote."""
    with Session(engine) as session, scopes_disabled():
        yield session
