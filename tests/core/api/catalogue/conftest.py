"""Fixtures of the catalogue API tests."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import event as sa_event


@pytest.fixture
def count_queries(api_client, db_session) -> Callable[[str], int]:
    """``count_queries(path)``: the number of SQL statements one GET of ``path`` runs."""

    def count(path: str) -> int:
        statements: list[str] = []
        engine = db_session.get_bind()

        def listener(*args: object) -> None:
            statements.append(str(args[2]))

        sa_event.listen(engine, "before_cursor_execute", listener)
        try:
            api_client.get(path)
        finally:
            sa_event.remove(engine, "before_cursor_execute", listener)
        return len(statements)

    return count
