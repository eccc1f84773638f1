"""Fixtures of the cart tests: the shop in the organizer's scope and a helper running one operation."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from core.db import tenancy
from tests.core.services.cart.shop import Shop, make_shop


@pytest.fixture
def shop(db_session, event) -> Iterator[Shop]:
    token = tenancy.enter(event.organizer_id)
    yield make_shop(db_session, event)
    tenancy.leave(token)


@pytest.fixture
def step(db_session) -> Callable[..., Any]:
    """``step(func, *args, **kwargs)``: run a cart operation as if in its own transaction.

    It runs in a savepoint (a refused operation is rolled back, like a request would be) and starts with no locks
    held, as a new transaction would: ``lock_objects`` allows one round of locks per transaction. Advisory locks
    of PostgreSQL are re-entrant within the test's connection, so taking them again is safe.
    """

    def run(func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        db_session.info.pop("ticketry.locking.held", None)
        with db_session.begin_nested():
            return func(db_session, *args, **kwargs)

    return run
