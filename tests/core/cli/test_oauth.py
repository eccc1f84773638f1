"""``ticketry oauth create-app``."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from core.db import Base
from core.db.session import make_engine
from core.models import OAuthApplication
from core.security.identity import token_digest
from tests.core.cli.conftest import Result

Run = Callable[..., Result]


@pytest.fixture
def tables(empty_database_url: str) -> Iterator[Engine]:
    engine = make_engine(empty_database_url)
    Base.metadata.create_all(engine)
    yield engine
    engine.dispose()


def test_create_app_prints_the_credentials_once(run: Run, tables: Engine) -> None:
    result = run("oauth", "create-app", "Client", "--redirect-uri", "https://c.example/cb",
                 "--redirect-uri", "https://c.example/two")
    assert result.code == 0, result.err
    lines = dict(line.split(": ", 1) for line in result.out.strip().splitlines())
    assert "shown only now" in result.err
    with Session(tables) as session:
        app = session.scalar(select(OAuthApplication))
        assert app.client_id == lines["client_id"]
        assert app.client_secret_hash == token_digest(lines["client_secret"])
        assert app.redirect_uri_list == ["https://c.example/cb", "https://c.example/two"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["Client", "--redirect-uri", "/relative"], "must be an absolute URL"),
        (["Client", "--redirect-uri", "https://c.example/", "--owner", "nobody@example.org"], "unknown user"),
    ],
)
def test_create_app_refuses_bad_input(run: Run, tables: Engine, args: list[str], message: str) -> None:
    result = run("oauth", "create-app", *args)
    assert result.code == 1 and message in result.err
    with Session(tables) as session:
        assert session.scalar(select(OAuthApplication)) is None
