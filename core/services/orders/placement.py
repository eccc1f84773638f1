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
   the voucher's lock). The order code is drawn at random and checked by the insert itself; only after a
   collision is a code looked up (:mod:`core.services.codes`).
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
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from pyramid.threadlocal import get_current_registry
from sqlalchemy.orm import Session

from core.db.tenancy import scope
from core.models.channels import SalesChannel
from core.models.event import NO_CURRENCY, Event
from core.models.orders import Order
from core.models.positions import OrderFee
from core.models.usage import add_usage, usage_set_apart
from core.pluginhost import send
from core.services.channels import channel_by_identifier
from core.services.codes import assign_order_code, random_order_code
from core.services.deadlines import CHANNEL_KEYS, last_payment_date, payment_deadline
from core.services.errors import CommerceError, OrderError
from core.services.order_signals import OrderValidIfPending, ValidateOrder
from core.services.orders.placing.capacity import OrderCapacity
from core.services.orders.placing.checks import check_lines
from core.services.orders.placing.fees import apply_tax_rounding, collect_fees
from core.services.orders.placing.lines import Line, PositionRequest, lines_from_cart, lines_from_requests
from core.services.orders.placing.prices import TaxRules, compute_prices
from core.services.orders.placing.writing import OrderCodeTaken, complete_order, insert_order
from core.services.payments import payment_provider
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
from core.settings import settings_for
from core.timemachine import now as machine_now

ZERO = Decimal("0.00")


def _channel(session: Session, event: Event, channel: SalesChannel | str) -> SalesChannel:
    if isinstance(channel, SalesChannel):
        found: SalesChannel | None = channel
    else:
        found = channel_by_identifier(session, event.organizer_id, channel)
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


def _total(lines: Sequence[Line], fees: Sequence[OrderFee]) -> Decimal:
    return sum((line.price for line in lines), ZERO) + sum((fee.value for fee in fees), ZERO)


def _acceptable(event: Event, lines: Sequence[Line], fees: Sequence[OrderFee], from_cart: bool) -> bool:
    """Whether the prices raise nothing after the capacity checks (``price_changed``, ``currency_xxx``), so the order
    may be written before them."""
    if from_cart and sum((line.cart.price for line in lines if line.cart is not None), ZERO) != sum(
            (line.price for line in lines), ZERO):
        return False
    return not (_total(lines, fees) and event.currency == NO_CURRENCY)


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
        testmode = event.testmode if testmode is None else testmode
        expires = payment_deadline(moment, _deadline_settings(settings, channel.identifier), tz=event.timezone,
                                   event_dates=_ordered_dates(event, lines), channel=channel.identifier)
        details = {"event": event, "organizer_id": event.organizer_id, "status": Order.STATUS_PENDING, "email": email,
                   "phone": phone, "locale": locale, "sales_channel": channel, "comment": comment,
                   "meta_info": meta_info, "testmode": testmode, "valid_if_pending": valid_if_pending,
                   "datetime": real_now, "expires": expires}
        write = {"provider": provider, "invoice_address": invoice_address, "moment": moment, "actor": self.actor}
        priced_early = not plan.budget_vouchers
        if priced_early:
            fees, mode = self._price(lines, plan, settings, channel, provider, invoice_address, meta_info, taxes,
                                     moment, overrides)
            approval = _needs_approval(lines) if require_approval is None else require_approval
            if not self.simulate and _acceptable(event, lines, fees, from_cart):
                order = Order(**details, total=_total(lines, fees), require_approval=approval,
                              tax_rounding_mode=mode, code=random_order_code(testmode=testmode))
                return self._write_then_check(order, lines, fees, plan, write, cart_id=cart_id, real_now=real_now,
                                              send_email=send_email)
        self._lock_and_check(plan, lines, cart_id, real_now)
        if not priced_early:
            fees, mode = self._price(lines, plan, settings, channel, provider, invoice_address, meta_info, taxes,
                                     moment, overrides)
            approval = _needs_approval(lines) if require_approval is None else require_approval
        if from_cart:
            self._check_cart_prices(lines)
        total = _total(lines, fees)
        if total and event.currency == NO_CURRENCY:
            raise OrderError("currency_xxx", "Paid products are not possible for an event without a currency.")
        order = Order(**details, total=total, require_approval=approval, tax_rounding_mode=mode,
                      code=assign_order_code(session, event.organizer_id, testmode=testmode))
        if not self.simulate:
            created, payment = insert_order(session, order, lines, fees, **write)
            return complete_order(session, order, lines, created, payment, cart_id=cart_id, actor=self.actor,
                                  send_email=send_email, simulate=False)
        savepoint = session.begin_nested()
        try:
            created, payment = insert_order(session, order, lines, fees, **write)
            return complete_order(session, order, lines, created, payment, cart_id=cart_id, actor=self.actor,
                                  send_email=False, simulate=True)
        finally:
            savepoint.rollback()

    def _lock_and_check(self, plan: OrderCapacity, lines: Sequence[Line], cart_id: str | None,
                        real_now: dt.datetime) -> None:
        """Lock what shrinks (not when simulating) and run the capacity checks under the locks (not with force)."""
        session = self.session
        if not self.simulate:
            plan.lock(session)
        plan.refresh_vouchers(session)
        if not self.force:
            check_per_product(lines, new_items=[line.item for line in lines], error=OrderError)
            plan.check_voucher_usage(session, cart_id, real_now)
            plan.check_quotas(session, cart_id)
            plan.check_min_usages()

    def _write_then_check(self, order: Order, lines: Sequence[Line], fees: list[OrderFee], plan: OrderCapacity,
                          write: dict[str, Any], *, cart_id: str | None, real_now: dt.datetime,
                          send_email: bool) -> Order:
        """Write the order's rows before the locks, inside a savepoint, then lock and check; a refusal rolls the
        savepoint back. The locked section is only the checks, the usage counters and the commit.

        The rows use no capacity until the usage counters change at the commit, and the order's own usage is kept
        apart from the checks' counts (:func:`~core.models.usage.usage_set_apart`) until they have passed.
        """
        session = self.session
        session.flush()  # earlier changes of the transaction count in the checks; only this order's are set apart
        while True:
            savepoint = session.begin_nested()
            try:
                with usage_set_apart(session) as own:
                    created, payment = insert_order(session, order, lines, fees, **write)
                self._lock_and_check(plan, lines, cart_id, real_now)
            except OrderCodeTaken:
                savepoint.rollback()
                order.code = assign_order_code(session, order.organizer_id, testmode=order.testmode)
                continue
            except CommerceError:
                savepoint.rollback()
                raise
            break
        add_usage(session, own)
        savepoint.commit()
        return complete_order(session, order, lines, created, payment, cart_id=cart_id, actor=self.actor,
                              send_email=send_email, simulate=False)

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
