"""The placed mail, rendered and queued only after the order's transaction committed (off the hot path)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from core.models.orders import Order
from core.services.ordermails import send_order_mail
from core.tasks import enqueue_after_commit, task


@task(retries=3, retry_delay=10, name="ticketry.orders.placed_mail")
def placed_mail_task(session: Session, order_id: int, kind: str, organizer_id: int) -> None:
    """Render and queue the ``kind`` mail of order ``order_id`` (nothing if the order is gone)."""
    order = session.get(Order, order_id)
    if order is not None:
        send_order_mail(session, order, kind)


def queue_placed_mail(session: Session, order: Order, kind: str) -> None:
    """Queue :func:`placed_mail_task` for ``order`` once the transaction commits."""
    enqueue_after_commit(session, placed_mail_task, order.id, kind, organizer_id=order.organizer_id)
