"""Placing an order from a cart or from direct positions (pretix-behaviour.md 1.6, 2.3, 2.4).

:func:`place_order` runs, in this order:

1. Resolve the sales channel, payment provider and positions (:mod:`.lines`); at most 500 positions, and for a
   cart at most ``max_items_per_order`` top-level positions (``max_items``).
2. The plugins' :class:`~core.interfaces.orders.IValidateOrder` (STRICT) and
   :class:`~core.interfaces.orders.IOrderValidIfPending` hooks, before any lock is taken.
3. Dates (``not_started``, ``ended``, ``payment_ended``; cart checkouts only, as pretix's API ignores the presale
   window) and the static constraints of every position (:mod:`core.services.positions`).
4. Prices (:mod:`.prices`), fees and tax rounding (:mod:`.fees`), approval, payment deadline and order code, all
   before any lock (with a budget voucher, the prices and approval follow the checks: budgets are read under
   the voucher's lock).
5. Locks on exactly the quotas and vouchers whose capacity shrinks (:mod:`.capacity`), then, under them, through
   the checks carts share (:mod:`core.services.positions`),
   ``max_items_per_product`` / ``min_items_per_product``, voucher usage (``voucher_redeemed``), quotas
   (``unavailable`` / ``in_part``, one aggregate statement for the locked quotas) and ``voucher_min_usages``.
   ``force`` skips the quota and voucher checks. Then ``price_changed`` when a cart's total no longer matches:
   the cart positions are updated to the new prices, so the buyer sees them and can retry.
6. The order with its positions, secrets, fees and payment; voucher usage counted; the cart deleted; the journal
   written from the new rows (no read-back); ``pretix.event.order.placed`` (or ``.placed.require_approval``) logged;
   :class:`~core.interfaces.orders.IOrderPlaced` sent; a free order's ``free`` payment confirmed.
7. After commit only: the placed mail (``placed``, ``placed_free`` or ``placed_require_approval``) is queued.

Every refusal raises a :class:`~core.services.errors.CommerceError` before anything is written (except the new
cart prices of ``price_changed``).
``simulate=True`` does all of it inside a savepoint that is rolled back (no locks, signals or mails) and returns
the order as it would have been.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from pyramid.threadlocal import get_current_registry
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from core.db.tenancy import scope
from core.logs import log_action
from core.models.answers import QuestionAnswer
from core.models.cart import CartPosition
from core.models.channels import SalesChannel
from core.models.event import NO_CURRENCY, Event
from core.models.orders import Order
from core.models.payments import OrderPayment
from core.models.positions import OrderFee, OrderPosition
from core.models.vouchers import Voucher
from core.pluginhost import send
from core.services.codes import assign_order_code
from core.services.deadlines import CHANNEL_KEYS, last_payment_date, payment_deadline
from core.services.errors import OrderError
from core.services.order_signals import OrderPlaced, OrderValidIfPending, ValidateOrder
from core.services.orders.placing.capacity import OrderCapacity
from core.services.orders.placing.checks import check_lines
from core.services.orders.placing.fees import apply_tax_rounding, collect_fees
from core.services.orders.placing.lines import Line, PositionRequest, lines_from_cart, lines_from_requests
from core.services.orders.placing.notify import queue_placed_mail
from core.services.orders.placing.prices import TaxRules, compute_prices
from core.services.orders.placing.validity import validity_of
from core.services.payments import confirm_payment, payment_provider
from core.services.payments.states import log_actor
from core.services.positions import (
    MAX_ORDER_SIZE,
    Overrides,
    check_max_items,
    check_order_size,
    check_per_product,
    check_presale,
    overrides_for,
)
from core.services.pricing.adapters import address_spec
from core.services.secrets import assign_ticket_secrets
from core.services.transactions import create_transactions
from core.settings import settings_for
from core.timemachine import now as machine_now

ZERO = Decimal("0.00")


def _channel(session: Session, event: Event, channel: SalesChannel | str) -> SalesChannel:
    if isinstance(channel, SalesChannel):
        found: SalesChannel | None = channel
    else:
        found = session.scalar(select(SalesChannel).where(SalesChannel.organizer_id == event.organizer_id,
                                                          SalesChannel.identifier == channel))
    if found is None or found.organizer_id != event.organizer_id:
        raise OrderError("sales_channel_unknown", f"Unknown sales channel {channel!r}.", sales_channel=str(channel))
    if not event.is_sold_on(found):
        raise OrderError("unavailable", f"This event is not sold through the sales channel {found.identifier!r}.",
                         sales_channel=found.identifier)
    return found


def _provider(event: Event, identifier: str | None) -> Any:
    if identifier is None:
        return None
    provider = payment_provider(event, identifier)
    if provider is None:
        raise OrderError("payment_provider_unknown", f"The payment method {identifier!r} is not available.",
                         provider=identifier)
    return provider


def _check_size(lines: Sequence[Line], settings: Any, from_cart: bool) -> None:
    check_order_size(lines, error=OrderError)
    check_max_items(lines, int(settings["max_items_per_order"]) if from_cart else MAX_ORDER_SIZE, error=OrderError)


def _ordered_dates(event: Event, lines: Sequence[Line]) -> list[dt.datetime]:
    return sorted({line.subevent.date_from for line in lines if line.subevent is not None}) or [event.date_from]


def _check_dates(event: Event, lines: Sequence[Line], settings: Any, moment: dt.datetime) -> None:
    check_presale(event, moment, error=OrderError)
    last = last_payment_date(settings, tz=event.timezone, event_dates=_ordered_dates(event, lines))
    if last is not None and moment > last:
        raise OrderError("payment_ended", "The payment period for this event is over.")


def _deadline_settings(settings: Any, channel: str) -> dict[str, Any]:
    """The payment term settings with the channel's declared overrides, as a plain mapping.

    Asking the proxy for an undeclared per-channel key raises (and suggests close matches, which is slow), so only
    the declared ``<key>_<channel>`` overrides are read.
    """
    schema = get_current_registry().settings_schema
    keys = [*CHANNEL_KEYS, "payment_term_last", "payment_term_expire_delay_days"]
    keys += [f"{key}_{channel}" for key in CHANNEL_KEYS if f"{key}_{channel}" in schema]
    return {key: settings[key] for key in keys}


def _needs_approval(lines: Sequence[Line]) -> bool:
    return any(line.item.require_approval or (line.variation is not None and line.variation.require_approval)
               or line.requires_approval for line in lines)


def place_order(
    session: Session,
    event: Event,
    *,
    positions: Sequence[PositionRequest | Mapping[str, Any]] | None = None,
    cart_id: str | None = None,
    email: str | None = None,
    phone: str | None = None,
    locale: str | None = None,
    sales_channel: SalesChannel | str = "web",
    payment_provider: str | None = None,
    invoice_address: Any = None,
    meta_info: dict[str, Any] | None = None,
    comment: str | None = None,
    testmode: bool | None = None,
    simulate: bool = False,
    force: bool = False,
    send_email: bool = True,
    require_approval: bool | None = None,
    actor: Any = None,
    now: dt.datetime | None = None,
) -> Order:
    """Place an order of ``event`` from ``positions`` (direct) or the cart ``cart_id``; see the module docstring.

    :param sales_channel: the SalesChannel or its identifier.
    :param payment_provider: identifier of the chosen provider (its fee is added; its ``created`` payment made).
    :param invoice_address: an unsaved InvoiceAddress (its country decides taxes); it is attached to the order.
    :param force: skip the quota and voucher checks (an organizer's or API client's explicit decision).
    :param require_approval: override the products' approval requirement.
    :param actor: User or API identity for the audit log.
    :param now: the sales-rule clock (default: the time machine's now).
    :raises CommerceError: with pretix's key; the database is left as it was.
    :raises core.locking.LockTimeout: the capacity locks were busy; roll back and retry.
    """
    if (positions is None) == (cart_id is None):
        raise ValueError("place_order needs either positions or cart_id, not both")
    with scope(event.organizer_id):
        return _Placement(session, event, actor=actor, simulate=simulate, force=force).run(
            positions=positions, cart_id=cart_id, email=email, phone=phone, locale=locale,
            sales_channel=sales_channel, provider_id=payment_provider, invoice_address=invoice_address,
            meta_info=dict(meta_info or {}), comment=comment, testmode=testmode, send_email=send_email,
            require_approval=require_approval, moment=now or machine_now(),
        )


class _Placement:
    """One run of :func:`place_order`."""

    def __init__(self, session: Session, event: Event, *, actor: Any, simulate: bool, force: bool) -> None:
        self.session, self.event, self.actor, self.simulate, self.force = session, event, actor, simulate, force

    def run(self, *, positions: Any, cart_id: str | None, email: str | None, phone: str | None,
            locale: str | None, sales_channel: Any, provider_id: str | None, invoice_address: Any,
            meta_info: dict[str, Any], comment: str | None, testmode: bool | None, send_email: bool,
            require_approval: bool | None, moment: dt.datetime) -> Order:
        session, event = self.session, self.event
        settings = settings_for(session, event)
        channel = _channel(session, event, sales_channel)
        provider = _provider(event, provider_id)
        from_cart = cart_id is not None
        lines = lines_from_cart(session, event, cart_id) if from_cart else lines_from_requests(session, event,
                                                                                                positions)
        if not lines:
            raise OrderError("empty", "The order has no positions.")
        _check_size(lines, settings, from_cart)
        locale = locale or settings["locale"]
        send(ValidateOrder(scope=event, positions=list(lines), email=email, locale=locale,
                           invoice_address=invoice_address, meta_info=meta_info, payment_provider=provider_id,
                           sales_channel=channel.identifier))
        valid_if_pending = bool(send(OrderValidIfPending(scope=event, positions=list(lines), email=email,
                                                         meta_info=meta_info)))
        if from_cart:
            _check_dates(event, lines, settings, moment)
        real_now = dt.datetime.now(dt.UTC)
        plan = OrderCapacity(session, event, lines, real_now, force=self.force)
        overrides = overrides_for(session, lines)
        check_lines(event, lines, plan.plan, overrides=overrides, channel=channel, now=moment, real_now=real_now,
                    force=self.force)
        taxes = TaxRules(address_spec(invoice_address))
        priced_early = not plan.budget_vouchers
        if priced_early:
            fees, mode = self._price(lines, plan, settings, channel, provider, invoice_address, meta_info, taxes,
                                     moment, overrides)
            approval = _needs_approval(lines) if require_approval is None else require_approval
        testmode = event.testmode if testmode is None else testmode
        code = assign_order_code(session, event.organizer_id, testmode=testmode)
        expires = payment_deadline(moment, _deadline_settings(settings, channel.identifier), tz=event.timezone,
                                   event_dates=_ordered_dates(event, lines), channel=channel.identifier)
        if not self.simulate:
            plan.lock(session)
        plan.refresh_vouchers(session)
        if not self.force:
            check_per_product(lines, new_items=[line.item for line in lines], error=OrderError)
            plan.check_voucher_usage(session, cart_id, real_now)
            plan.check_quotas(session, cart_id)
            plan.check_min_usages()
        if not priced_early:
            fees, mode = self._price(lines, plan, settings, channel, provider, invoice_address, meta_info, taxes,
                                     moment, overrides)
            approval = _needs_approval(lines) if require_approval is None else require_approval
        if from_cart:
            self._check_cart_prices(lines)
        total = sum((line.price for line in lines), ZERO) + sum((fee.value for fee in fees), ZERO)
        if total and event.currency == NO_CURRENCY:
            raise OrderError("currency_xxx", "Paid products are not possible for an event without a currency.")
        order = Order(
            event=event, organizer_id=event.organizer_id, status=Order.STATUS_PENDING, email=email, phone=phone,
            locale=locale, sales_channel=channel, total=total, comment=comment, meta_info=meta_info,
            code=code, testmode=testmode, require_approval=approval,
            valid_if_pending=valid_if_pending, tax_rounding_mode=mode, datetime=real_now, expires=expires,
        )
        if self.simulate:
            savepoint = session.begin_nested()
            try:
                self._write(order, lines, fees, provider, invoice_address, cart_id, moment, send_email=False)
            finally:
                savepoint.rollback()
            return order
        return self._write(order, lines, fees, provider, invoice_address, cart_id, moment, send_email=send_email)

    def _price(self, lines: Sequence[Line], plan: OrderCapacity, settings: Any, channel: SalesChannel, provider: Any,
               invoice_address: Any, meta_info: dict[str, Any], taxes: TaxRules, moment: dt.datetime,
               overrides: Overrides) -> tuple[list[OrderFee], str]:
        """Prices, fees and tax rounding of the lines: ``(fees, rounding mode)``.

        Without budget vouchers nothing here depends on capacity, so it runs before the locks are taken (the locked
        section stays short); budgets are read under the locks.
        """
        session, event = self.session, self.event
        compute_prices(session, lines, currency=event.currency, taxes=taxes, budgets=plan.budget_left(session),
                       overrides=overrides, now=moment, sales_channel=channel.identifier, event_id=event.id)
        fees = collect_fees(session, event, lines, provider=provider, invoice_address=invoice_address,
                            meta_info=meta_info, taxes=taxes)
        mode = settings["tax_rounding"]
        apply_tax_rounding(lines, fees, mode, event.currency,
                           is_business=bool(invoice_address is not None and invoice_address.is_business))
        return fees, mode

    def _check_cart_prices(self, lines: Sequence[Line]) -> None:
        """``price_changed`` when the cart's total differs from the recomputed one; the cart positions get the new
        prices first (in the caller's transaction, nothing else is written), so the buyer sees them and a retry
        passes. A simulation changes nothing."""
        before = sum((line.cart.price for line in lines if line.cart is not None), ZERO)
        after = sum((line.price for line in lines), ZERO)
        if before == after:
            return
        if not self.simulate:
            for line in lines:
                cart = line.cart
                if cart is None:
                    continue
                cart.listed_price, cart.price_after_voucher = line.listed_price, line.price_after_voucher
                cart.price = cart.line_price_gross = line.price
                cart.price_includes_rounding_correction = line.price_correction
                cart.tax_value_includes_rounding_correction = line.tax_correction
                cart.tax_rate, cart.tax_code, cart.discount_id = line.tax_rate, line.tax_code, line.discount_id
            self.session.flush()
        raise OrderError("price_changed", "The price of some of the items in your cart has changed in the "
                         "meantime. Please see below for details.", old_total=before, new_total=after)

    def _write(self, order: Order, lines: Sequence[Line], fees: list[OrderFee], provider: Any, invoice_address: Any,
               cart_id: str | None, moment: dt.datetime, *, send_email: bool) -> Order:
        session, event = self.session, self.event
        session.add(order)
        if invoice_address is not None:
            invoice_address.order = order
            invoice_address.organizer_id = event.organizer_id
            session.add(invoice_address)
        created: list[OrderPosition] = []
        for number, line in enumerate(lines, start=1):
            valid_from, valid_until = validity_of(line, moment)
            position = OrderPosition(
                order=order, organizer_id=event.organizer_id, positionid=number, item=line.item,
                variation=line.variation, subevent=line.subevent, voucher=line.voucher, price=line.price,
                price_includes_rounding_correction=line.price_correction, tax_rate=line.tax_rate,
                tax_rule_id=line.tax_rule_id, tax_code=line.tax_code, tax_value=line.tax_value,
                tax_value_includes_rounding_correction=line.tax_correction,
                voucher_budget_use=line.voucher_budget_use, discount_id=line.discount_id, is_bundled=line.is_bundled,
                addon_to=created[line.addon_to] if line.addon_to is not None else None,
                valid_from=valid_from, valid_until=valid_until, **line.extra,
            )
            created.append(position)
        session.add_all(created)
        for fee in fees:
            fee.order, fee.organizer_id = order, event.organizer_id
        session.add_all(fees)
        payment = self._payment(order, provider, fees)
        session.flush()
        assign_ticket_secrets(session, event, created)
        self._redeem_vouchers(order, lines)
        if cart_id is not None:
            self._consume_cart(order, lines, created)
        create_transactions(session, order, now=order.datetime, is_new=True, contents=(created, fees))
        action = "pretix.event.order.placed.require_approval" if order.require_approval else \
            "pretix.event.order.placed"
        log_action(order, action, {"total": order.total, "positions": len(created), "testmode": order.testmode,
                                   "sales_channel": order.sales_channel.identifier}, **log_actor(self.actor))
        kind = "placed_require_approval" if order.require_approval else "placed"
        if self.simulate:
            if payment is not None and payment.provider == "free":
                payment.state, order.status = OrderPayment.PAYMENT_STATE_CONFIRMED, Order.STATUS_PAID
            return order
        send(OrderPlaced(order))
        if payment is not None and payment.provider == "free":
            confirm_payment(payment, actor=self.actor, send_mail=False)
            kind = "placed_free"
        if send_email and order.email:
            queue_placed_mail(session, order, kind)
        return order

    def _payment(self, order: Order, provider: Any, fees: Sequence[OrderFee]) -> OrderPayment | None:
        if order.require_approval:
            return None
        if order.total == 0:
            identifier = "free"
        elif provider is not None:
            identifier = provider.identifier
        else:
            return None
        fee = next((f for f in fees if f.fee_type == OrderFee.FEE_TYPE_PAYMENT and f.internal_type == identifier),
                   None)
        payment = OrderPayment(order=order, organizer_id=order.organizer_id, local_id=1, provider=identifier,
                               amount=order.total, state=OrderPayment.PAYMENT_STATE_CREATED, fee=fee)
        self.session.add(payment)
        return payment

    def _redeem_vouchers(self, order: Order, lines: Sequence[Line]) -> None:
        uses = Counter(line.voucher.id for line in lines if line.voucher is not None)
        if not uses:
            return
        session = self.session
        for voucher_id, count in sorted(uses.items()):
            session.execute(update(Voucher).where(Voucher.id == voucher_id)
                            .values(redeemed=Voucher.redeemed + count).execution_options(synchronize_session=False))
        vouchers = {line.voucher.id: line.voucher for line in lines if line.voucher is not None}
        for voucher_id in uses:
            session.expire(vouchers[voucher_id], ["redeemed"])
            log_action(vouchers[voucher_id], "pretix.voucher.redeemed", {"order_code": order.code,
                                                                         "count": uses[voucher_id]})

    def _consume_cart(self, order: Order, lines: Sequence[Line], created: Sequence[OrderPosition]) -> None:
        session = self.session
        ids = [line.cart.id for line in lines if line.cart is not None]
        by_cart = {line.cart.id: position for line, position in zip(lines, created, strict=True)
                   if line.cart is not None}
        answered = set(session.scalars(select(QuestionAnswer.cartposition_id)
                                       .where(QuestionAnswer.cartposition_id.in_(ids))))
        for cart_position_id in sorted(answered):
            session.execute(update(QuestionAnswer).where(QuestionAnswer.cartposition_id == cart_position_id)
                            .values(cartposition_id=None, orderposition_id=by_cart[cart_position_id].id,
                                    order_id=order.id)
                            .execution_options(synchronize_session=False))
        for line in lines:
            if line.cart is not None:
                session.expunge(line.cart)
        session.execute(delete(CartPosition).where(CartPosition.id.in_(ids))
                        .execution_options(synchronize_session=False))
