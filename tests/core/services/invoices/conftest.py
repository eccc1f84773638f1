"""Fixtures of the invoice tests: a tenant scope, the shop and a committed-transaction helper."""

from __future__ import annotations

from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy.orm import Session

from core.db import scope
from tests.core.services.invoices.shop import make_shop


@pytest.fixture
def scoped(organizer: Any) -> Iterator[None]:
    with scope(organizer.id):
        yield


@pytest.fixture
def shop(db_session: Session, event: Any, scoped: None) -> SimpleNamespace:
    return make_shop(db_session, event)


@pytest.fixture
def commit(tm: Any, huey_immediate: Any) -> Any:
    """Commit the test transaction (after-commit tasks run inline) and begin the next one."""

    def run() -> None:
        tm.commit()
        tm.begin()

    return run
