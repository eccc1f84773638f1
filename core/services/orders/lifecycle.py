"""The order life cycle: cancel, reactivate, approve, deny, mark pending, resend the link, regenerate secrets.

Marking paid lives in :mod:`core.services.payments`; expiry and extension in :mod:`core.services.orders.expiry`;
content changes in :mod:`core.services.orders.changes`.

Every service works in the caller's transaction and the order's tenant scope: it locks the order row, checks the
transition, writes the change, brings the transaction journal up to date, writes pretix's audit log action type,
sends the matching life-cycle signal and queues the buyer's mail (sent after commit). A refused transition raises
:class:`~core.services.errors.OrderError` before anything is written.

Error keys: ``canceled`` (the order is already canceled), ``cancellation_fee_invalid`` (negative fee),
``cancellation_fee_too_high`` (fee above the total), ``not_canceled`` (only canceled orders can be reactivated),
``quota`` / ``voucher_redeemed`` (the capacity of a reactivation is gone), ``not_pending_approval`` (approve or deny
an order that does not await approval), ``not_paid`` (mark pending), ``no_email`` (resend the link),
``position_not_in_order``.

**Cancellation fee.** ``cancel_order(order, cancellation_fee=x)`` keeps the order (as pretix does): every position
is canceled, every fee not listed in ``keep_fees`` is canceled, a ``cancellation`` fee of ``x`` is added and the
total becomes the fee (plus kept fees). The order is then paid if the money held covers that, else pending, and it
never expires. The fee's tax follows the event setting ``tax_rule_cancellation``: ``none`` (no tax), ``default``
(the event's default tax rule) or ``split`` (split over the tax rules of the canceled positions in proportion to
their gross amounts, one fee per rule). Refunds of the difference are not automatic unless ``try_auto_refund``.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from pyramid.config import Configurator
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.db.tenancy import scope
from core.i18n import _
from core.logs import log_action
from core.models import tokens
from core.models.orders import Order
from core.models.payments import OrderPayment
from core.models.positions import OrderFee, OrderPosition
from core.models.tax import TaxRule
from core.pluginhost import send
from core.services.errors import OrderError
from core.services.money import round_money
from core.services.order_signals import OrderApproved, OrderCanceled, OrderDenied, OrderReactivated
from core.services.orders.capacity import check_capacity
from core.services.orders.common import (
    NOT_CANCELED,
    change_voucher_usage,
    lock_order_in,
    log_actor,
    queue_mail,
    session_of,
    voucher_usage,
    vouchers_of,
)
from core.services.positions import quota_demand
from core.services.pricing.taxes import taxed_from_gross
from core.services.transactions import create_transactions
from core.settings import Setting, settings_for
from core.timemachine import now

ZERO = Decimal("0.00")
TAX_RULE_CANCELLATION = ("none", "default", "split")


def _held(order: Order) -> Decimal:
    from core.services.payments import payment_refund_sum

    return payment_refund_sum(order)


def _fee_parts(session: Session, order: Order, fee: Decimal, positions: Sequence[OrderPosition]) -> list[
    tuple[Decimal, TaxRule | None]
]:
    """``[(gross, tax rule)]`` of the cancellation fee under the ``tax_rule_cancellation`` setting."""
    mode = settings_for(session, order.event).get("tax_rule_cancellation")
    if mode == "default":
        rule = session.scalar(select(TaxRule).where(TaxRule.event_id == order.event_id, TaxRule.default.is_(True)))
        return [(fee, rule)]
    if mode != "split":
        return [(fee, None)]
    by_rule: dict[int | None, Decimal] = defaultdict(lambda: ZERO)
    rules: dict[int | None, TaxRule | None] = {}
    for position in positions:
        by_rule[position.tax_rule_id] += position.price
        rules[position.tax_rule_id] = position.tax_rule
    base = sum(by_rule.values(), ZERO)
    if not base or len(by_rule) == 1:
        return [(fee, rules[next(iter(by_rule))] if by_rule else None)]
    parts: list[tuple[Decimal, TaxRule | None]] = []
    remaining = fee
    keys = sorted(by_rule, key=lambda k: (k is None, k or 0))
    for key in keys[:-1]:
        part = round_money(fee * by_rule[key] / base, order.event.currency)
        parts.append((part, rules[key]))
        remaining -= part
    parts.append((remaining, rules[keys[-1]]))
    return [(value, rule) for value, rule in parts if value]


def _add_fee(session: Session, order: Order, fee_type: str, gross: Decimal, rule: TaxRule | None,
             description: str | None = None) -> OrderFee:
    rate = rule.rate if rule is not None else Decimal("0")
    taxed = taxed_from_gross(gross, rate, order.event.currency, rule.code if rule is not None else None)
    fee = OrderFee(order=order, organizer_id=order.organizer_id, fee_type=fee_type, value=taxed.gross,
                   tax_rate=rate, tax_rule=rule, tax_code=taxed.code, tax_value=taxed.tax, description=description)
    session.add(fee)
    return fee


def _revoke_secrets(session: Session, order: Order, positions: Sequence[OrderPosition]) -> None:
    """Under a generator with a revocation list, replace the secrets so offline scanners refuse the old ones."""
    from core.services.secrets import assign_ticket_secrets, generator_for

    if positions and generator_for(session, order.event).use_revocation_list:
        assign_ticket_secrets(session, order.event, list(positions), force_invalidate=True)


def _cancel_open_payments(order: Order, actor: Any) -> None:
    from core.services.payments import cancel_payment

    for payment in list(order.payments):
        if payment.state in OrderPayment.OPEN_STATES:
            cancel_payment(payment, actor=actor)


def _auto_refund(order: Order, amount: Decimal, actor: Any) -> None:
    """Refund up to ``amount`` through the providers of the confirmed payments that support it."""
    from core.services.payments import create_refund, payment_provider, refundable_amount

    for payment in sorted(order.payments, key=lambda p: -p.local_id):
        if amount <= 0:
            return
        provider = payment_provider(order.event, payment.provider)
        available = refundable_amount(payment)
        if available <= 0 or provider is None or not provider.payment_refund_supported(payment):
            continue
        part = min(amount, available)
        if part < payment.amount and not provider.payment_partial_refund_supported(payment):
            continue
        create_refund(order, payment, part, actor=actor)
        amount -= part


def cancel_order(
    order: Order,
    *,
    cancellation_fee: Decimal | None = None,
    keep_fees: Sequence[OrderFee] = (),
    send_mail: bool = True,
    comment: str | None = None,
    actor: Any = None,
    try_auto_refund: bool = False,
) -> Order:
    """Cancel a pending, paid or expired order, with or without a cancellation fee (see the module docstring).

    Without a fee the order becomes ``c``; its positions stay as they were (so it can be reactivated), their
    voucher redemptions are given back and, under a signed secret generator, their secrets are revoked. Open
    payments are canceled at their providers. Audit log ``pretix.event.order.canceled``, signal ``order_canceled``
    (the invoice handlers cancel or reissue the invoice), mail ``canceled`` with ``comment``.

    :param try_auto_refund: refund what the buyer paid beyond the new total through the payment providers that
        can refund automatically (otherwise refunds are left to the organizer).
    """
    session = session_of(order)
    with scope(order.organizer_id):
        order = lock_order_in(session, order, NOT_CANCELED, "canceled", "Order {code} is already canceled.")
        fee = Decimal(cancellation_fee) if cancellation_fee else None
        kept = [f for f in order.fees if f in keep_fees]
        if fee is not None:
            if fee < 0:
                raise OrderError("cancellation_fee_invalid", "A cancellation fee cannot be negative.", fee=fee)
            if fee > order.total:
                raise OrderError(
                    "cancellation_fee_too_high",
                    f"The cancellation fee of {fee} is higher than the total of order {order.code} ({order.total}).",
                    fee=fee, total=order.total,
                )
        _cancel_open_payments(order, actor)
        positions = list(order.positions)
        previous_status = order.status
        change_voucher_usage(session, voucher_usage(positions), -1)
        order.cancellation_date = dt.datetime.now(dt.UTC)
        if fee is None:
            order.status = Order.STATUS_CANCELED
            _revoke_secrets(session, order, positions)
        else:
            for position in positions:
                position.canceled = True
            for existing in order.fees:
                if existing not in kept:
                    existing.canceled = True
            for value, rule in _fee_parts(session, order, fee, positions):
                _add_fee(session, order, OrderFee.FEE_TYPE_CANCELLATION, value, rule)
            order.total = fee + sum((f.value for f in kept), ZERO)
            order.status = Order.STATUS_PAID if _held(order) >= order.total else Order.STATUS_PENDING
            _revoke_secrets(session, order, positions)
        order.touch()
        session.flush()
        session.expire(order, ["positions", "fees", "all_positions", "all_fees"])
        create_transactions(session, order)
        log_action(order, "pretix.event.order.canceled", {
            "cancellation_fee": fee, "comment": comment, "previous_status": previous_status,
        }, **log_actor(actor))
        if try_auto_refund:
            _auto_refund(order, _held(order) - order.total, actor)
        send(OrderCanceled(order))
        if send_mail:
            queue_mail(session, order, "canceled", {"comment": comment or ""})
    return order


def mark_order_refunded(order: Order, *, actor: Any = None) -> Order:
    """Cancel ``order`` without mail (pretix's ``mark_order_refunded``); refunds are recorded separately."""
    return cancel_order(order, send_mail=False, actor=actor)


def reactivate_order(order: Order, *, force: bool = False, actor: Any = None) -> Order:
    """Bring a canceled order back: ``p`` if the money held covers the total (and no approval is pending), else ``n``.

    Its quotas (without the waiting list) and voucher usages are re-checked under locks unless ``force``; the
    voucher redemptions are taken again. Audit log ``pretix.event.order.reactivated``, signal
    ``order_reactivated``. Errors: ``not_canceled``, ``quota``, ``voucher_redeemed``.
    """
    session = session_of(order)
    with scope(order.organizer_id):
        order = lock_order_in(session, order, (Order.STATUS_CANCELED,), "not_canceled",
                              "Order {code} is not canceled, so it cannot be reactivated.")
        positions = list(order.positions)
        usage = voucher_usage(positions)
        if not force:
            demand = quota_demand(session, order.event_id,
                                  [(p.item_id, p.variation_id, p.subevent_id) for p in positions
                                   if not (p.ignore_from_quota_while_blocked and p.blocked)])
            check_capacity(session, order.event, demand, vouchers_of(session, usage),
                           subject=f"Reactivating order {order.code}")
        change_voucher_usage(session, usage, 1)
        paid = not order.require_approval and _held(order) >= order.total
        order.status = Order.STATUS_PAID if paid else Order.STATUS_PENDING
        order.cancellation_date = None
        order.touch()
        session.flush()
        create_transactions(session, order)
        log_action(order, "pretix.event.order.reactivated", {"force": force}, **log_actor(actor))
        send(OrderReactivated(order))
    return order


def _lock_awaiting_approval(session: Session, order: Order) -> Order:
    return lock_order_in(session, order, (Order.STATUS_PENDING,), "not_pending_approval",
                         "Order {code} is not waiting for approval.", awaiting_approval=True)


def approve_order(order: Order, *, send_mail: bool = True, actor: Any = None) -> Order:
    """Approve an order awaiting approval: clear the flag, set a new payment deadline, write the journal.

    A free order is then paid at once (a ``free`` payment is confirmed). Audit log ``pretix.event.order.approved``,
    signal ``order_approved``, mail ``approved`` (``approved_free`` for free orders). Error:
    ``not_pending_approval``.
    """
    from core.services.deadlines import payment_deadline
    from core.services.payments import confirm_payment, create_payment

    session = session_of(order)
    with scope(order.organizer_id):
        order = _lock_awaiting_approval(session, order)
        order.require_approval = False
        settings = settings_for(session, order.event)
        dates = sorted({p.subevent.date_from for p in order.positions if p.subevent is not None}) or [
            order.event.date_from]
        order.expires = payment_deadline(now(), settings, tz=order.event.timezone, event_dates=dates,
                                         channel=order.sales_channel.identifier)
        order.touch()
        session.flush()
        create_transactions(session, order)
        log_action(order, "pretix.event.order.approved", {}, **log_actor(actor))
        send(OrderApproved(order))
        free = order.total == ZERO
        if free:
            payment = create_payment(order, "free", ZERO)
            confirm_payment(payment, actor=actor, send_mail=False)
        if send_mail:
            queue_mail(session, order, "approved_free" if free else "approved")
    return order


def deny_order(order: Order, *, comment: str | None = None, send_mail: bool = True, actor: Any = None) -> Order:
    """Decline an order awaiting approval: it becomes canceled and gives back its voucher redemptions.

    Audit log ``pretix.event.order.denied`` (with ``comment``), signal ``order_denied`` (the invoice handlers
    cancel an invoice), mail ``denied`` with ``comment``. Error: ``not_pending_approval``.
    """
    session = session_of(order)
    with scope(order.organizer_id):
        order = _lock_awaiting_approval(session, order)
        _cancel_open_payments(order, actor)
        change_voucher_usage(session, voucher_usage(order.positions), -1)
        order.status = Order.STATUS_CANCELED
        order.cancellation_date = dt.datetime.now(dt.UTC)
        order.touch()
        session.flush()
        create_transactions(session, order)
        log_action(order, "pretix.event.order.denied", {"comment": comment}, **log_actor(actor))
        send(OrderDenied(order))
        if send_mail:
            queue_mail(session, order, "denied", {"comment": comment or ""})
    return order


def mark_order_pending(order: Order, *, actor: Any = None) -> Order:
    """Set a paid order back to pending (pretix's API ``mark_pending``: e.g. a payment was charged back).

    Payments stay as they are; the order keeps its payment deadline. Audit log ``pretix.event.order.unpaid``.
    Error: ``not_paid``.
    """
    session = session_of(order)
    with scope(order.organizer_id):
        order = lock_order_in(session, order, (Order.STATUS_PAID,), "not_paid", "Order {code} is not paid.")
        order.status = Order.STATUS_PENDING
        order.touch()
        session.flush()
        create_transactions(session, order)
        log_action(order, "pretix.event.order.unpaid", {}, **log_actor(actor))
    return order


def resend_link(order: Order, *, actor: Any = None) -> None:
    """Send the buyer the link to the order again (mail ``resend_link``). Error: ``no_email``."""
    session = session_of(order)
    with scope(order.organizer_id):
        if not order.email:
            raise OrderError("no_email", f"Order {order.code} has no e-mail address to send the link to.")
        queue_mail(session, order, "resend_link")


def regenerate_secrets(target: Order | OrderPosition, *, actor: Any = None) -> list[OrderPosition]:
    """New secrets: for an order, the order secret and every position's ticket and web secret; for a position,
    its ticket and web secret. Replaced signed secrets go to the revocation list.

    Audit log ``pretix.event.order.secret.changed`` (order) or ``pretix.event.order.changed.secret`` (position).
    Returns the positions whose ticket secret changed.
    """
    from core.services.secrets import assign_ticket_secrets

    session = session_of(target)
    with scope(target.organizer_id):
        if isinstance(target, Order):
            order, positions = target, list(target.positions)
            order.secret = tokens.order_secret()
        else:
            order, positions = target.order, [target]
        for position in positions:
            position.web_secret = tokens.web_secret()
        changed = assign_ticket_secrets(session, order.event, positions, force_invalidate=True)
        order.touch()
        session.flush()
        if isinstance(target, Order):
            log_action(order, "pretix.event.order.secret.changed", {}, **log_actor(actor))
        else:
            log_action(order, "pretix.event.order.changed.secret", {
                "position": target.id, "positionid": target.positionid,
            }, **log_actor(actor))
    return changed


#: Audit log action types of the life cycle (pretix's names).
LOG_ENTRY_TYPES = {
    "pretix.event.order.canceled": _("The order has been canceled."),
    "pretix.event.order.reactivated": _("The order has been reactivated."),
    "pretix.event.order.approved": _("The order has been approved."),
    "pretix.event.order.denied": _("The order has been denied ({comment})."),
    "pretix.event.order.unpaid": _("The order has been marked as not paid."),
    "pretix.event.order.expired": _("The order has been marked as expired."),
    "pretix.event.order.expirychanged": _("The order's expiry date has been changed to {expires}."),
    "pretix.event.order.secret.changed": _("The order's secret has been changed."),
}

SETTINGS = (
    Setting("tax_rule_cancellation", str, "none", choices=TAX_RULE_CANCELLATION,
            write_permission="event.settings.tax:write", label=_("Tax of cancellation fees"),
            doc=_("none: no tax; default: the event's default tax rule; split: in proportion to the canceled "
                  "products.")),
)


def includeme(config: Configurator) -> None:
    """Register the life-cycle and change log entry types, settings and periodic tasks."""
    import core.services.orders.expiry  # noqa: F401  (importing it registers the hourly tasks with huey)
    from core.services.orders import changes

    for setting in SETTINGS:
        config.add_setting(setting)
    for action_type, text in {**LOG_ENTRY_TYPES, **changes.LOG_ENTRY_TYPES}.items():
        config.add_log_entry_type(action_type, text)
