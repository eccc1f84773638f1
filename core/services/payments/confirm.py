"""Confirming payments and marking orders paid (pretix's ``n -> p`` and late ``e -> p`` transitions).

:func:`confirm_payment` is idempotent and safe under concurrency: it locks the order row and the payment row
(``SELECT ... FOR UPDATE`` on PostgreSQL; SQLite serialises writers), re-reads them and returns at once when the
payment is already confirmed. Once the money held (confirmed payments minus counting refunds) covers the total,
the order is marked paid:

* an order awaiting approval is not marked paid: the payment is confirmed and the order stays pending with full
  payment (approving it marks it paid);
* after the last date of payments (``payment_term_last``) the payment is refused with ``late_lastdate``;
* a pending order needs no capacity check (its reservation still holds);
* an expired order is accepted only with ``payment_term_accept_late`` (else ``late``), and then only if its
  quotas and voucher budgets still fit, checked under :func:`core.locking.lock_objects`; if not, the refusal is
  audit-logged as ``pretix.event.order.quotaexceeded`` and :class:`~core.services.errors.QuotaExceeded` raised.

``force=True`` (an organizer's explicit decision) skips the date and capacity rules. Refusals are raised before
anything else is written, so after a rollback nothing of the attempt remains; the ``quotaexceeded`` audit entry
stays only if the caller commits anyway (as a bank import does to keep a record).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, object_session

from core.db.tenancy import scope
from core.logs import log_action
from core.models.orders import Order
from core.models.payments import OrderPayment
from core.pluginhost import send
from core.services.deadlines import last_payment_date
from core.services.errors import OrderError, QuotaExceeded
from core.services.order_signals import OrderPaid
from core.services.ordermails import send_order_mail
from core.services.payments.late import check_late_payment
from core.services.payments.states import create_payment, log_actor
from core.services.payments.sums import is_overpaid, payment_refund_sum
from core.services.transactions import create_transactions
from core.settings import settings_for
from core.timemachine import now


def session_of(obj: Any) -> Session:
    session = object_session(obj)
    if session is None:
        raise ValueError(f"{obj!r} is not in a database session")
    return session


def lock_order(session: Session, order_id: int, payment_id: int | None = None) -> Order:
    """Lock the order row (and a payment row) for the rest of the transaction and re-read them.

    The order's payments, refunds and positions are expired so that the sums use what is committed now.
    """
    session.flush()
    order = session.execute(
        select(Order).where(Order.id == order_id).with_for_update().execution_options(populate_existing=True)
    ).scalar_one()
    if payment_id is not None:
        session.execute(
            select(OrderPayment).where(OrderPayment.id == payment_id).with_for_update()
            .execution_options(populate_existing=True)
        ).scalar_one()
    session.expire(order, ["payments", "refunds", "all_positions", "positions", "all_fees", "fees"])
    return order


def _ordered_dates(order: Order) -> list[dt.datetime]:
    dates = {p.subevent.date_from for p in order.positions if p.subevent is not None}
    return sorted(dates) or [order.event.date_from]


def check_can_be_paid(session: Session, order: Order, *, force: bool = False) -> None:
    """Raise the refusal that keeps ``order`` from becoming paid now; checks capacity of expired orders.

    Errors: ``approval_pending`` (awaiting approval), ``canceled`` / ``paid`` (wrong status), ``late_lastdate``
    (after ``payment_term_last``), ``late`` (expired, late payments not accepted), ``quota`` /
    ``voucher_budget_used`` (:class:`~core.services.errors.QuotaExceeded`, logged as
    ``pretix.event.order.quotaexceeded``). ``force`` skips the date and capacity rules.
    """
    if order.require_approval:
        raise OrderError("approval_pending", f"Order {order.code} cannot be paid before it is approved.")
    if order.status == Order.STATUS_CANCELED:
        raise OrderError("canceled", f"Order {order.code} is canceled; reactivate it first.")
    if order.status == Order.STATUS_PAID:
        raise OrderError("paid", f"Order {order.code} is already paid.")
    if force:
        return
    settings = settings_for(session, order.event)
    last = last_payment_date(settings, tz=order.event.timezone, event_dates=_ordered_dates(order))
    if last is not None and now() > last:
        raise OrderError(
            "late_lastdate",
            f"Order {order.code} cannot be paid: the last date of payments of this event is over.",
        )
    if order.status == Order.STATUS_EXPIRED:
        if not settings["payment_term_accept_late"]:
            raise OrderError("late", f"Order {order.code} has expired and this event accepts no late payments.")
        try:
            check_late_payment(session, order)
        except QuotaExceeded as exc:
            log_action(order, "pretix.event.order.quotaexceeded", {"message": exc.message})
            raise


def _mark_paid(
    session: Session, order: Order, payment: OrderPayment | None, *, force: bool, send_mail: bool, actor: Any,
) -> None:
    """Set ``order`` paid after :func:`check_can_be_paid`; journal, audit log, signal, mail."""
    order.status = Order.STATUS_PAID
    session.flush()
    create_transactions(session, order)
    log_action(order, "pretix.event.order.paid", {
        "provider": payment.provider if payment is not None else None,
        "payment": payment.local_id if payment is not None else None,
        "date": (payment.payment_date if payment is not None else None),
        "force": force,
    }, **log_actor(actor))
    send(OrderPaid(order))
    if send_mail:
        send_order_mail(session, order, "paid")


def confirm_payment(
    payment: OrderPayment,
    *,
    actor: Any = None,
    force: bool = False,
    send_mail: bool = True,
    payment_date: dt.datetime | None = None,
) -> bool:
    """Confirm ``payment`` and mark its order paid when the money held covers the total.

    Returns True if this call marked the order paid. Idempotent: a payment already ``confirmed`` or
    ``refunded`` is left alone (False). See the module docstring for the rules, locks and errors.

    :param actor: the User (or request identity / API token) who confirmed it, or None for the system.
    :param force: the organizer accepts the payment regardless of the last payment date and of capacity.
    :param send_mail: queue the ``paid`` mail to the buyer when the order becomes paid.
    :param payment_date: when the money arrived (default: now).
    """
    session = session_of(payment)
    with scope(payment.organizer_id):
        order = lock_order(session, payment.order_id, payment.id)
        if payment.state in OrderPayment.PAID_STATES:
            return False
        completes = (
            order.status in (Order.STATUS_PENDING, Order.STATUS_EXPIRED)
            and not order.require_approval
            and payment_refund_sum(order) + payment.amount >= order.total
        )
        if completes:
            check_can_be_paid(session, order, force=force)
        payment.state = OrderPayment.PAYMENT_STATE_CONFIRMED
        payment.payment_date = payment_date or dt.datetime.now(dt.UTC)
        session.flush()
        log_action(order, "pretix.event.order.payment.confirmed", {
            "local_id": payment.local_id, "provider": payment.provider, "amount": payment.amount,
        }, **log_actor(actor))
        if completes:
            _mark_paid(session, order, payment, force=force, send_mail=send_mail, actor=actor)
        elif is_overpaid(order):
            log_action(order, "pretix.event.order.overpaid", {"pending_sum": order.total - payment_refund_sum(order)})
        return completes


def mark_order_paid(
    order: Order,
    *,
    provider: str = "manual",
    amount: Decimal | None = None,
    actor: Any = None,
    force: bool = False,
    send_mail: bool = True,
    payment_date: dt.datetime | None = None,
    info: dict[str, Any] | None = None,
) -> OrderPayment:
    """Record a payment of ``amount`` (default: the open amount) through ``provider`` and confirm it.

    What an organizer's "mark as paid" does. Unlike a payment arriving on its own, an order that cannot be paid
    is refused before the payment is created: errors as in :func:`check_can_be_paid`. Returns the payment.
    """
    session = session_of(order)
    with scope(order.organizer_id):
        order = lock_order(session, order.id)
        check_can_be_paid(session, order, force=force)
        open_amount = order.total - payment_refund_sum(order)
        payment = create_payment(
            order, provider, open_amount if amount is None else amount, info=info,
        )
    confirm_payment(payment, actor=actor, force=force, send_mail=send_mail, payment_date=payment_date)
    return payment
