"""Helpers shared by the order life-cycle services: the session, the locked order (in an allowed status),
voucher usage, mails."""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterable, Mapping
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from core.models.orders import Order
from core.models.positions import OrderPosition
from core.models.vouchers import Voucher
from core.services.errors import OrderError
from core.services.payments.confirm import lock_order, session_of
from core.services.payments.states import log_actor

__all__ = [
    "change_voucher_usage", "lock_order", "lock_order_in", "log_actor", "queue_mail", "session_of", "voucher_usage",
]

#: Statuses of an order that is not canceled.
NOT_CANCELED = (Order.STATUS_PENDING, Order.STATUS_PAID, Order.STATUS_EXPIRED)


def lock_order_in(
    session: Session, order: Order, statuses: Collection[str], key: str, message: str, *,
    awaiting_approval: bool = False,
) -> Order:
    """Lock and re-read ``order`` (:func:`lock_order`), then refuse unless its status is one of ``statuses``
    and, with ``awaiting_approval``, it waits for approval. Returns the locked order.

    The refusal is :class:`~core.services.errors.OrderError` ``key`` with ``message`` (``{code}`` is replaced
    by the order code) and the order's ``status`` as parameter; nothing has been written. Call it inside the
    order's tenant scope.
    """
    order = lock_order(session, order.id)
    if order.status not in statuses or (awaiting_approval and not order.require_approval):
        raise OrderError(key, message.format(code=order.code), status=order.status)
    return order


def voucher_usage(positions: Iterable[OrderPosition]) -> Counter[int]:
    """``{voucher_id: positions}`` of the positions that redeemed a voucher."""
    return Counter(p.voucher_id for p in positions if p.voucher_id is not None)


def vouchers_of(session: Session, usage: Counter[int]) -> Counter[Voucher]:
    """The voucher rows of ``usage`` with their counts."""
    if not usage:
        return Counter()
    rows = session.scalars(select(Voucher).where(Voucher.id.in_(list(usage))))
    return Counter({voucher: usage[voucher.id] for voucher in rows})


def change_voucher_usage(session: Session, usage: Mapping[int, int], sign: int) -> None:
    """Add (``sign`` = 1) or remove (-1) redemptions with an SQL increment, never below zero."""
    for voucher_id, count in sorted(usage.items()):
        if not count:
            continue
        column = Voucher.redeemed + sign * count
        session.execute(
            update(Voucher).where(Voucher.id == voucher_id).values(redeemed=column if sign > 0 else
                                                                   _not_negative(column))
            .execution_options(synchronize_session=False)
        )
    voucher_ids = [v for v, n in usage.items() if n]
    if voucher_ids:
        for voucher in session.scalars(select(Voucher).where(Voucher.id.in_(voucher_ids))):
            session.expire(voucher, ["redeemed"])


def _not_negative(column: Any) -> Any:
    from sqlalchemy import case

    return case((column < 0, 0), else_=column)


def queue_mail(session: Session, order: Order, kind: str, context: Mapping[str, Any] | None = None) -> None:
    """Queue the order mail ``kind`` (see :mod:`core.services.ordermails`) if the order has an address."""
    from core.services.ordermails import send_order_mail

    if order.email:
        send_order_mail(session, order, kind, context=context)
