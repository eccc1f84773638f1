"""Orders to pay (``sdk.testing.fixtures_payments``: ``scoped``, ``web``, ``item`` at 10.00, ``make_order``) and
the item's quota of 10."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.orm import Session

from core.models import Item, Quota


@pytest.fixture
def quota(db_session: Session, event: Any, item: Item) -> Quota:
    q = Quota(event_id=event.id, organizer_id=event.organizer_id, name="Tickets", size=10)
    q.items.append(item)
    db_session.add(q)
    db_session.flush()
    return q
