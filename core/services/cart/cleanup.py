"""The periodic clean-up of carts: positions 14 days past their expiry are deleted (pretix's ``cleanup``)."""

from __future__ import annotations

import datetime as dt

from huey import crontab
from sqlalchemy import delete
from sqlalchemy.orm import Session

from core.db import scopes_disabled
from core.models.cart import CartPosition
from core.tasks import periodic_task

#: How long an expired cart position is kept (it may still be re-validated when the buyer comes back).
KEEP_EXPIRED = dt.timedelta(days=14)


def delete_old_carts(session: Session, *, now: dt.datetime | None = None) -> int:
    """Delete cart positions (of every organizer) that expired more than 14 days ago; returns how many."""
    cutoff = (now or dt.datetime.now(dt.UTC)) - KEEP_EXPIRED
    with scopes_disabled():
        table = CartPosition.__table__
        return session.execute(delete(table).where(table.c.expires < cutoff)).rowcount or 0


@periodic_task(crontab(minute="17"), name="core.services.cart.cleanup")
def cleanup_carts(session: Session) -> int:
    """Hourly: :func:`delete_old_carts` in its own unit of work."""
    return delete_old_carts(session)
