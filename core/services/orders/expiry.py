"""Payment deadlines running out: expiring unpaid orders, extending deadlines, warning buyers before expiry.

**Automatic expiry** (:func:`expire_orders`, hourly): a pending order expires when all of these hold:

* it is not ``valid_if_pending`` and not awaiting approval;
* it has no active ``cancellation`` fee (an order canceled with a kept fee never expires);
* the event's ``payment_term_expire_automatically`` is on;
* now is at or after its expiry date: the deadline ``expires`` plus ``payment_term_expire_delay_days`` (same
  wall-clock time in the event's time zone, moved off weekends with ``payment_term_weekdays``, capped at
  ``payment_term_last``), see :func:`core.services.deadlines.expiry_date_with_delay`.

Expiring writes status ``e`` (its positions stop counting in quotas), the journal (the order leaves it), audit log
``pretix.event.order.expired`` and the ``order_expired`` signal (the invoice handlers cancel the open invoice).
Voucher redemptions are kept: a late payment or an extension brings the order back with them.

**Extension** (:func:`extend_order`): a pending or expired order gets a new deadline in the future. An expired
order becomes pending again, after its quotas were re-checked under locks (waiting list not counted) unless
``force``. Audit log ``pretix.event.order.expirychanged``, signal ``order_expiry_changed``. If the order's invoices
were all canceled at expiry, a new invoice is issued (when the invoicing settings still call for one).

**Warnings** (:func:`send_expiry_warnings`, hourly): once ``mail_days_order_expire_warning`` days (0: never) or
fewer are left before the deadline of a pending order that still owes money, the buyer gets the
``expire_warning`` mail once (``expiry_reminder_sent``).

Error keys: ``not_pending`` (mark expired), ``not_pending_or_expired`` (extend), ``expiry_in_past`` (extend),
``quota`` (extension of an expired order without capacity).
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from huey import crontab
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.db.tenancy import scope, scopes_disabled
from core.logs import log_action
from core.models.invoices import Invoice
from core.models.orders import Order
from core.models.organizer import Organizer
from core.models.positions import OrderFee
from core.pluginhost import send
from core.services.deadlines import expiry_date_with_delay
from core.services.errors import OrderError
from core.services.order_signals import OrderExpired, OrderExpiryChanged
from core.services.orders.capacity import check_capacity
from core.services.orders.common import lock_order, lock_order_in, log_actor, queue_mail, session_of
from core.services.positions import quota_demand
from core.services.transactions import create_transactions
from core.settings import settings_for
from core.tasks import enqueue_after_commit, periodic_task
from core.timemachine import now as clock

log = logging.getLogger(__name__)


def _event_dates(order: Order) -> list[dt.datetime]:
    return sorted({p.subevent.date_from for p in order.positions if p.subevent is not None}) or [
        order.event.date_from]


def expiry_date(order: Order, settings: Any = None) -> dt.datetime:
    """When ``order`` expires: its deadline plus the expiry delay (see the module docstring), in UTC."""
    settings = settings if settings is not None else settings_for(session_of(order), order.event)
    return expiry_date_with_delay(order.expires, settings, tz=order.event.timezone, event_dates=_event_dates(order),
                                  channel=order.sales_channel.identifier)


def _has_cancellation_fee(order: Order) -> bool:
    return any(f.fee_type == OrderFee.FEE_TYPE_CANCELLATION for f in order.fees)


def is_due(order: Order, now: dt.datetime | None = None, settings: Any = None) -> bool:
    """Whether the automatic expiry rules (module docstring) expire ``order`` at ``now`` (default: now)."""
    if order.status != Order.STATUS_PENDING or order.valid_if_pending or order.require_approval:
        return False
    settings = settings if settings is not None else settings_for(session_of(order), order.event)
    if not settings.get("payment_term_expire_automatically") or _has_cancellation_fee(order):
        return False
    return (now or clock()) >= expiry_date(order, settings)


def _expire(session: Session, order: Order, actor: Any, automatic: bool) -> None:
    order.status = Order.STATUS_EXPIRED
    order.touch()
    session.flush()
    create_transactions(session, order)
    log_action(order, "pretix.event.order.expired", {"automatic": automatic}, **log_actor(actor))
    send(OrderExpired(order))


def mark_order_expired(order: Order, *, actor: Any = None) -> Order:
    """Expire a pending order now, whatever its deadline (pretix's API ``mark_expired``). Error: ``not_pending``."""
    session = session_of(order)
    with scope(order.organizer_id):
        order = lock_order_in(session, order, (Order.STATUS_PENDING,), "not_pending",
                              "Order {code} is not pending, so it cannot expire.")
        _expire(session, order, actor, automatic=False)
    return order


def expire_order(order: Order, *, now: dt.datetime | None = None) -> bool:
    """Expire ``order`` if the automatic rules say so at ``now``; returns whether it expired.

    The order row is locked and re-read first, so a payment confirmed meanwhile wins.
    """
    session = session_of(order)
    with scope(order.organizer_id):
        order = lock_order(session, order.id)
        if not is_due(order, now):
            return False
        _expire(session, order, None, automatic=True)
    return True


def _organizer_ids(session: Session) -> list[int]:
    with scopes_disabled():
        return list(session.scalars(select(Organizer.id).order_by(Organizer.id)))


def expire_orders(session: Session, now: dt.datetime | None = None) -> int:
    """Expire every due pending order of every organizer (each in its tenant scope); returns how many expired.

    Each order is handled in a savepoint: one failing order is logged and rolled back, the others go on.
    """
    moment = now or clock()
    expired = 0
    for organizer_id in _organizer_ids(session):
        with scope(organizer_id):
            candidates = list(session.scalars(
                select(Order).where(
                    Order.status == Order.STATUS_PENDING, Order.require_approval.is_(False),
                    Order.valid_if_pending.is_(False), Order.expires <= moment,
                ).order_by(Order.id)
            ))
            for order in candidates:
                try:
                    with session.begin_nested():
                        expired += expire_order(order, now=moment)
                except Exception:  # one broken order must not stop the expiry of all others
                    log.exception("expiring order %s failed; it was left as it was", order.id)
    return expired


def extend_order(order: Order, new_date: dt.datetime, *, force: bool = False, actor: Any = None) -> Order:
    """Give a pending or expired order the payment deadline ``new_date`` (see the module docstring)."""
    if new_date.tzinfo is None:
        raise ValueError(f"new_date must be time-zone aware, got {new_date.isoformat()}")
    session = session_of(order)
    with scope(order.organizer_id):
        order = lock_order_in(session, order, (Order.STATUS_PENDING, Order.STATUS_EXPIRED), "not_pending_or_expired",
                              "Only pending or expired orders can get a new deadline; {code} cannot.")
        if new_date <= clock():
            raise OrderError("expiry_in_past", "The new payment deadline must be in the future.",
                             expires=new_date)
        was_expired = order.status == Order.STATUS_EXPIRED
        if was_expired and not force:
            demand = quota_demand(session, order.event_id, [
                (p.item_id, p.variation_id, p.subevent_id) for p in order.positions
                if not (p.ignore_from_quota_while_blocked and p.blocked)])
            check_capacity(session, order.event, demand, subject=f"Extending order {order.code}")
        order.expires = new_date
        order.status = Order.STATUS_PENDING
        order.expiry_reminder_sent = False
        order.touch()
        session.flush()
        create_transactions(session, order)
        log_action(order, "pretix.event.order.expirychanged", {
            "expires": new_date, "state_change": was_expired, "force": force,
        }, **log_actor(actor))
        send(OrderExpiryChanged(order))
        if was_expired:
            _reissue_if_all_canceled(session, order)
    return order


def _reissue_if_all_canceled(session: Session, order: Order) -> None:
    from core.services.invoices import open_invoices
    from core.services.invoices.automatic import GENERATE, invoice_task

    had_invoice = session.scalar(select(Invoice.id).where(Invoice.order_id == order.id).limit(1)) is not None
    if had_invoice and not open_invoices(order):
        enqueue_after_commit(session, invoice_task, order.id, GENERATE, organizer_id=order.organizer_id)


def send_expiry_warnings(session: Session, now: dt.datetime | None = None) -> int:
    """Queue the ``expire_warning`` mail of every pending order whose deadline is near; returns how many."""
    from core.services.payments import pending_sum

    moment = now or clock()
    sent = 0
    for organizer_id in _organizer_ids(session):
        with scope(organizer_id):
            candidates = session.scalars(
                select(Order).where(
                    Order.status == Order.STATUS_PENDING, Order.require_approval.is_(False),
                    Order.expiry_reminder_sent.is_(False), Order.expires > moment,
                ).order_by(Order.id)
            ).all()
            for order in candidates:
                days = settings_for(session, order.event).get("mail_days_order_expire_warning")
                if not days or order.expires > moment + dt.timedelta(days=days) or pending_sum(order) <= 0:
                    continue
                order.expiry_reminder_sent = True
                queue_mail(session, order, "expire_warning", {"expire_date": order.expires})
                sent += 1
            session.flush()
    return sent


@periodic_task(crontab(minute="5"), name="core.orders.expire_orders")
def expire_orders_task(session: Session) -> int:
    """Hourly: :func:`expire_orders`."""
    return expire_orders(session)


@periodic_task(crontab(minute="35"), name="core.orders.expiry_warnings")
def expiry_warnings_task(session: Session) -> int:
    """Hourly: :func:`send_expiry_warnings`."""
    return send_expiry_warnings(session)

