"""Changing the content of a placed order: :class:`OrderChangeManager`.

>>> ocm = OrderChangeManager(order, actor=user)
>>> ocm.change_item(position, other_item, None)
>>> ocm.add_position(shirt, large, price=None)        # the listed price
>>> ocm.cancel_fee(order.fees[0])
>>> ocm.commit()

Each operation is validated when it is recorded (wrong order, item of another event, missing variation, negative
price ...) and raises :class:`~core.services.errors.OrderError` at once; nothing is written before :meth:`commit`.
``commit`` then, in the caller's transaction and the order's tenant scope:

1. refuses an order that is canceled (``order_canceled``), a change that would cancel every position
   (``complete_cancel``) and a split of every remaining position (``split_all``);
2. computes, per position, the quotas its new product, variation or date counts against that its old one did not
   (and all quotas of added positions): only this *additional* usage is locked (:func:`core.locking.lock_objects`)
   and checked, without the waiting list (``quota``). Orders that hold no quota (expired) and
   ``commit(check_quotas=False)`` skip the check;
3. applies the operations in the order they were recorded, each audit-logged as
   ``pretix.event.order.changed.<op>`` (``item``, ``subevent``, ``price``, ``tax_rule``, ``valid_from``,
   ``valid_until``, ``add``, ``cancel``, ``addfee``, ``cancelfee``, ``feevalue``, ``secret``, ``recomputed``,
   ``split`` / ``split_from``);
4. recomputes the total; a paid order whose total now exceeds the money held becomes pending with a new payment
   deadline, a pending order whose total is now covered becomes paid (``pretix.event.order.paid``). Money paid
   beyond a lowered total is **not refunded automatically**: the order shows as overpaid and the organizer
   creates the refund (:func:`core.services.payments.create_refund`);
5. gives changed positions their secrets through the event's generator (signed secrets change with the product,
   date or validity; the replaced ones are revoked), writes the journal of the order (and of a split-off order),
   sends ``order_changed`` (the invoice handlers reissue an open invoice) and, with ``notify``, the ``changed``
   mail.

Voucher redemptions of canceled positions are given back. Removed add-ons follow their canceled parent.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select

from core.db.tenancy import scope
from core.i18n import _
from core.logs import log_action
from core.models.items import Item
from core.models.orders import Order
from core.models.positions import OrderFee, OrderPosition
from core.models.tax import TaxRule
from core.pluginhost import send
from core.services.errors import OrderError
from core.services.order_signals import OrderChanged, OrderPaid
from core.services.orders.capacity import check_capacity
from core.services.orders.common import (
    NOT_CANCELED,
    change_voucher_usage,
    lock_order_in,
    log_actor,
    queue_mail,
    session_of,
)
from core.services.orders.split import split_positions
from core.services.positions import Usage, quotas_for
from core.services.pricing.taxes import taxed_from_gross, taxed_from_net
from core.services.transactions import create_transactions
from core.timemachine import now

ZERO = Decimal("0.00")
MAX_PRICE = Decimal("99999999999")
KEEP_NET, KEEP_GROSS = "net", "gross"

#: The audit log action types of order changes.
LOG_ENTRY_TYPES = {
    f"pretix.event.order.changed.{op}": text for op, text in {
        "item": _("Position #{positionid} has been changed to another product."),
        "subevent": _("Position #{positionid} has been moved to another date."),
        "price": _("The price of position #{positionid} has been changed from {old_price} to {new_price}."),
        "tax_rule": _("The tax rule of an order line has been changed."),
        "valid_from": _("The validity start of position #{positionid} has been changed."),
        "valid_until": _("The validity end of position #{positionid} has been changed."),
        "add": _("Position #{positionid} has been added."),
        "cancel": _("Position #{positionid} has been canceled."),
        "addfee": _("A fee ({fee_type}) of {value} has been added."),
        "cancelfee": _("A fee ({fee_type}) of {value} has been removed."),
        "feevalue": _("A fee ({fee_type}) has been changed from {old_value} to {new_value}."),
        "secret": _("The ticket secret of position #{positionid} has been changed."),
        "recomputed": _("The taxes have been recomputed keeping the {keep} prices."),
        "split": _("Positions have been split off into order {new_order}."),
        "split_from": _("This order has been split off order {original_order}."),
    }.items()
}


def _usage(position: OrderPosition) -> Usage:
    return (position.item_id, position.variation_id, position.subevent_id)


class OrderChangeManager:
    """Collects changes of one order and writes them together in :meth:`commit` (see the module docstring).

    :param actor: the User or identity making the change (audit log), None for the system.
    :param notify: send the buyer the ``changed`` mail after the change.
    :param reissue_invoice: False marks the order ``invoice_dirty`` (its invoice no longer matches); the reissue
        itself is done by the invoice handlers of ``order_changed`` whenever the order has an open invoice.
    """

    def __init__(self, order: Order, *, actor: Any = None, notify: bool = True, reissue_invoice: bool = True) -> None:
        self.order = order
        self.session = session_of(order)
        self.actor = actor
        self.notify = notify
        self.reissue_invoice = reissue_invoice
        self._ops: list[tuple[str, Callable[[], dict[str, Any]]]] = []
        self._before: dict[int, Usage] = {}
        self._after: dict[int, Usage | None] = {}
        self._added: list[Usage] = []
        self._split: list[OrderPosition] = []
        self._secret_positions: list[OrderPosition] = []
        self._forced_secrets: list[OrderPosition] = []
        self.split_order: Order | None = None

    # -- validation helpers ----------------------------------------------------------------------------------

    def _position(self, position: OrderPosition) -> OrderPosition:
        if position.order_id != self.order.id or position.canceled or self._after.get(position.id, 1) is None:
            raise OrderError("position_not_in_order",
                             f"Position {position.positionid} is not an active position of order {self.order.code}.",
                             position=position.id)
        self._before.setdefault(position.id, _usage(position))
        self._after.setdefault(position.id, _usage(position))
        return position

    def _fee(self, fee: OrderFee) -> OrderFee:
        if fee.order_id != self.order.id or fee.canceled:
            raise OrderError("fee_not_in_order", f"The fee is not an active fee of order {self.order.code}.")
        return fee

    def _product(self, item: Item, variation: Any) -> None:
        if item.event_id != self.order.event_id:
            raise OrderError("product_invalid", f"The product {item.name} belongs to another event.", item=item.id)
        if variation is None and item.variations:
            raise OrderError("product_without_variation", f"Choose a variation of the product {item.name}.",
                             item=item.id)
        if variation is not None and variation.item_id != item.id:
            raise OrderError("product_invalid", f"The variation does not belong to the product {item.name}.",
                             item=item.id, variation=variation.id)

    def _subevent(self, subevent: Any) -> None:
        if self.order.event.has_subevents and subevent is None:
            raise OrderError("subevent_required", "Choose a date of the event series.")
        if subevent is not None and (not self.order.event.has_subevents or subevent.event_id != self.order.event_id):
            raise OrderError("subevent_invalid", "The date does not belong to this event.", subevent=subevent.id)

    def _price(self, price: Decimal) -> Decimal:
        price = Decimal(price)
        if not price.is_finite() or price < 0:
            raise OrderError("price_not_a_number", f"The price {price} is not a valid amount.", price=str(price))
        if price > MAX_PRICE:
            raise OrderError("price_too_high", f"The price {price} is too high.", price=price)
        return price

    def _tax(self, gross: Decimal, rule: TaxRule | None) -> Any:
        rate = rule.rate if rule is not None else Decimal("0")
        return taxed_from_gross(gross, rate, self.order.event.currency, rule.code if rule is not None else None)

    def _record(self, op: str, apply: Callable[[], dict[str, Any]]) -> None:
        self._ops.append((op, apply))

    # -- operations ------------------------------------------------------------------------------------------

    def change_item(self, position: OrderPosition, item: Item, variation: Any = None) -> None:
        """Change the product (and variation) of ``position``; its price stays."""
        self._position(position)
        self._product(item, variation)
        _old_item, _old_var, subevent_id = self._after[position.id]
        self._after[position.id] = (item.id, variation.id if variation is not None else None, subevent_id)
        self._secret_positions.append(position)

        def apply() -> dict[str, Any]:
            data = {"old_item": position.item_id, "old_variation": position.variation_id, "new_item": item.id,
                    "new_variation": variation.id if variation is not None else None}
            position.item, position.variation = item, variation
            return data

        self._record_position("item", position, apply)

    def change_subevent(self, position: OrderPosition, subevent: Any) -> None:
        """Move ``position`` to another date of the series."""
        self._position(position)
        if subevent is None:
            raise OrderError("subevent_required", "Choose the date to move the position to.")
        self._subevent(subevent)
        item_id, variation_id, _old = self._after[position.id]
        self._after[position.id] = (item_id, variation_id, subevent.id)
        self._secret_positions.append(position)

        def apply() -> dict[str, Any]:
            data = {"old_subevent": position.subevent_id, "new_subevent": subevent.id}
            position.subevent = subevent
            return data

        self._record_position("subevent", position, apply)

    def change_price(self, position: OrderPosition, price: Decimal) -> None:
        """Set the gross price of ``position``; the tax is recomputed at its tax rule's rate."""
        self._position(position)
        price = self._price(price)

        def apply() -> dict[str, Any]:
            old = position.price
            taxed = taxed_from_gross(price, position.tax_rate, self.order.event.currency, position.tax_code)
            position.price, position.tax_value = taxed.gross, taxed.tax
            position.price_includes_rounding_correction = ZERO
            position.tax_value_includes_rounding_correction = ZERO
            return {"old_price": old, "new_price": taxed.gross}

        self._record_position("price", position, apply)

    def change_tax_rule(self, target: OrderPosition | OrderFee, tax_rule: TaxRule | None) -> None:
        """Tax ``target`` (position or fee) under ``tax_rule``; the gross amount stays, the tax is recomputed."""
        if tax_rule is not None and tax_rule.event_id != self.order.event_id:
            raise OrderError("tax_rule_invalid", "The tax rule belongs to another event.", tax_rule=tax_rule.id)
        is_position = isinstance(target, OrderPosition)
        if is_position:
            self._position(target)
        else:
            self._fee(target)

        def apply() -> dict[str, Any]:
            gross = target.price if is_position else target.value
            taxed = self._tax(gross, tax_rule)
            data = {"old_taxrule": target.tax_rule_id, "new_taxrule": tax_rule.id if tax_rule is not None else None}
            target.tax_rule, target.tax_rate, target.tax_code, target.tax_value = (
                tax_rule, taxed.rate, taxed.code, taxed.tax)
            return data

        if is_position:
            self._record_position("tax_rule", target, apply)
        else:
            self._record("tax_rule", lambda: {"fee": target.id, **apply()})

    def change_validity(self, position: OrderPosition, *, valid_from: Any = ..., valid_until: Any = ...) -> None:
        """Set ``valid_from`` and/or ``valid_until`` (aware datetimes or None) of ``position``."""
        self._position(position)
        for name, value in (("valid_from", valid_from), ("valid_until", valid_until)):
            if value is ...:
                continue
            if value is not None and value.tzinfo is None:
                raise OrderError("validity_invalid", f"{name} must be a time-zone aware date and time.")
            self._secret_positions.append(position)

            def apply(name: str = name, value: Any = value) -> dict[str, Any]:
                data = {f"old_{name}": getattr(position, name), f"new_{name}": value}
                setattr(position, name, value)
                return data

            self._record_position(name, position, apply)

    def add_position(self, item: Item, variation: Any = None, price: Decimal | None = None, *,
                     addon_to: OrderPosition | None = None, subevent: Any = None) -> None:
        """Add a position; ``price`` None means the listed price of the product (variation)."""
        self._product(item, variation)
        self._subevent(subevent)
        if addon_to is not None:
            self._position(addon_to)
        if price is None:
            listed = variation.default_price if variation is not None else None
            price = listed if listed is not None else item.default_price
        price = self._price(price)
        self._added.append((item.id, variation.id if variation is not None else None,
                            subevent.id if subevent is not None else None))

        def apply() -> dict[str, Any]:
            taxed = self._tax(price, item.tax_rule)
            number = (self.session.scalar(select(func.max(OrderPosition.positionid)).where(
                OrderPosition.order_id == self.order.id)) or 0) + 1
            position = OrderPosition(
                order=self.order, organizer_id=self.order.organizer_id, positionid=number, item=item,
                variation=variation, subevent=subevent, addon_to=addon_to, price=taxed.gross, tax_rate=taxed.rate,
                tax_rule=item.tax_rule, tax_code=taxed.code, tax_value=taxed.tax,
            )
            self.session.add(position)
            self.session.flush()
            self._secret_positions.append(position)
            return {"position": position.id, "positionid": number, "item": item.id,
                    "variation": variation.id if variation is not None else None, "price": taxed.gross,
                    "addon_to": addon_to.id if addon_to is not None else None,
                    "subevent": subevent.id if subevent is not None else None}

        self._record("add", apply)

    def cancel_position(self, position: OrderPosition) -> None:
        """Cancel ``position`` and its add-ons; their voucher redemptions are given back."""
        self._position(position)
        affected = [position, *(a for a in position.addons if not a.canceled)]
        for each in affected:
            self._position(each)
            self._after[each.id] = None

        def apply() -> dict[str, Any]:
            for each in affected:
                each.canceled = True
            change_voucher_usage(self.session, Counter(p.voucher_id for p in affected if p.voucher_id), -1)
            return {"old_item": position.item_id, "old_variation": position.variation_id,
                    "old_price": position.price, "addons": [a.id for a in affected[1:]]}

        self._record_position("cancel", position, apply)

    def add_fee(self, fee_type: str, value: Decimal, *, tax_rule: TaxRule | None = None,
                description: str | None = None) -> None:
        """Add a fee of ``fee_type`` (one of :attr:`OrderFee.FEE_TYPES`) with gross ``value``."""
        if fee_type not in OrderFee.FEE_TYPES:
            raise OrderError("fee_type_invalid", f"Unknown fee type {fee_type!r}; use one of "
                             f"{', '.join(OrderFee.FEE_TYPES)}.", fee_type=fee_type)
        value = self._price(value)

        def apply() -> dict[str, Any]:
            taxed = self._tax(value, tax_rule)
            self.session.add(OrderFee(
                order=self.order, organizer_id=self.order.organizer_id, fee_type=fee_type, value=taxed.gross,
                tax_rate=taxed.rate, tax_rule=tax_rule, tax_code=taxed.code, tax_value=taxed.tax,
                description=description,
            ))
            return {"fee_type": fee_type, "value": taxed.gross}

        self._record("addfee", apply)

    def cancel_fee(self, fee: OrderFee) -> None:
        """Cancel ``fee``."""
        self._fee(fee)

        def apply() -> dict[str, Any]:
            fee.canceled = True
            return {"fee": fee.id, "fee_type": fee.fee_type, "value": fee.value}

        self._record("cancelfee", apply)

    def change_fee(self, fee: OrderFee, value: Decimal) -> None:
        """Set the gross value of ``fee``; the tax is recomputed at its rate."""
        self._fee(fee)
        value = self._price(value)

        def apply() -> dict[str, Any]:
            old = fee.value
            taxed = taxed_from_gross(value, fee.tax_rate, self.order.event.currency, fee.tax_code)
            fee.value, fee.tax_value = taxed.gross, taxed.tax
            fee.value_includes_rounding_correction = fee.tax_value_includes_rounding_correction = ZERO
            return {"fee": fee.id, "fee_type": fee.fee_type, "old_value": old, "new_value": taxed.gross}

        self._record("feevalue", apply)

    def regenerate_secret(self, position: OrderPosition) -> None:
        """Give ``position`` a new ticket secret (the old one is revoked under a signed generator)."""
        self._position(position)
        self._forced_secrets.append(position)
        self._record_position("secret", position, lambda: {})

    def recalculate_taxes(self, keep: str = KEEP_NET) -> None:
        """Tax every position and fee at the current rate of its tax rule, keeping the ``net`` or ``gross`` price."""
        if keep not in (KEEP_NET, KEEP_GROSS):
            raise OrderError("keep_invalid", f"keep must be {KEEP_NET!r} or {KEEP_GROSS!r}, not {keep!r}.",
                             keep=keep)

        def apply() -> dict[str, Any]:
            currency = self.order.event.currency
            changed = 0
            for line in [*self.order.positions, *self.order.fees]:
                rule = line.tax_rule
                if rule is None:
                    continue
                is_position = isinstance(line, OrderPosition)
                gross = line.price if is_position else line.value
                if keep == KEEP_GROSS:
                    taxed = taxed_from_gross(gross, rule.rate, currency, rule.code)
                else:
                    taxed = taxed_from_net(gross - line.tax_value, rule.rate, currency, rule.code)
                if (taxed.gross, taxed.tax, taxed.rate) == (gross, line.tax_value, line.tax_rate):
                    continue
                changed += 1
                if is_position:
                    line.price = taxed.gross
                else:
                    line.value = taxed.gross
                line.tax_rate, line.tax_value, line.tax_code = taxed.rate, taxed.tax, taxed.code
            return {"keep": keep, "changed": changed}

        self._record("recomputed", apply)

    def split(self, *positions: OrderPosition) -> None:
        """Move ``positions`` (with their add-ons) into a new order, created at commit (:attr:`split_order`)."""
        for position in positions:
            self._position(position)
            if position.addon_to_id is not None and position.addon_to not in positions:
                raise OrderError("addon_split", "An add-on can only be split off together with its parent.",
                                 position=position.id)
            self._split.append(position)

    def _record_position(self, op: str, position: OrderPosition, apply: Callable[[], dict[str, Any]]) -> None:
        self._record(op, lambda: {"position": position.id, "positionid": position.positionid, **apply()})

    # -- commit ----------------------------------------------------------------------------------------------

    def _check_structure(self) -> None:
        canceled = {pid for pid, after in self._after.items() if after is None}
        remaining = [p for p in self.order.positions if p.id not in canceled]
        if not remaining and not self._added and self.order.positions:
            raise OrderError("complete_cancel", "A change cannot cancel every position; cancel the order instead.")
        split_ids = {p.id for p in self._split} | {a.id for p in self._split for a in p.addons}
        if self._split and not [p for p in remaining if p.id not in split_ids] and not self._added:
            raise OrderError("split_all", "At least one position has to stay in the original order.")

    def _quota_demand(self) -> Counter[Any]:
        """Quotas the order does not hold yet: per changed position the quotas of its new product, variation or
        date that its old one did not count against, and every quota of an added position."""
        changed = [(self._before[pid], after) for pid, after in self._after.items()
                   if after is not None and after != self._before[pid]]
        lookup = quotas_for(self.session, self.order.event_id, [u for pair in changed for u in pair] + self._added)
        demand: Counter[Any] = Counter()
        for before, after in changed:
            old = {q.id for q in lookup[before]}
            demand.update(q for q in lookup[after] if q.id not in old)
        for usage in self._added:
            demand.update(lookup[usage])
        return demand

    def commit(self, *, check_quotas: bool = True) -> None:
        """Validate, lock, check and write all recorded operations (see the module docstring)."""
        if not self._ops and not self._split:
            return
        session = self.session
        with scope(self.order.organizer_id):
            order = lock_order_in(session, self.order, NOT_CANCELED, "order_canceled",
                                  "Order {code} is canceled and cannot be changed.")
            self._check_structure()
            if check_quotas and order.status in (Order.STATUS_PENDING, Order.STATUS_PAID):
                check_capacity(session, order.event, self._quota_demand(),
                               subject=f"The change of order {order.code}")
            for op, apply in self._ops:
                data = apply()
                session.flush()
                log_action(order, f"pretix.event.order.changed.{op}", data, **log_actor(self.actor))
            if self._split:
                self._do_split()
            session.expire(order, ["positions", "fees", "all_positions", "all_fees", "payments", "refunds"])
            self._assign_secrets()
            order.total = (sum((p.price for p in order.positions), ZERO) + sum((f.value for f in order.fees), ZERO))
            became_paid = self._payment_status(order)
            if not self.reissue_invoice:
                order.invoice_dirty = True
            order.touch()
            session.flush()
            create_transactions(session, order)
            send(OrderChanged(order))
            if became_paid:
                send(OrderPaid(order))
            if self.notify:
                queue_mail(session, order, "changed")
        self._ops.clear()

    def _assign_secrets(self) -> None:
        from core.services.secrets import assign_ticket_secrets

        event = self.order.event
        normal = [p for p in dict.fromkeys(self._secret_positions) if not p.canceled and p not in self._forced_secrets]
        if normal:
            assign_ticket_secrets(self.session, event, normal)
        if self._forced_secrets:
            assign_ticket_secrets(self.session, event, list(dict.fromkeys(self._forced_secrets)),
                                  force_invalidate=True)

    def _payment_status(self, order: Order) -> bool:
        """Paid -> pending when the total grew beyond the money held; pending -> paid when it is covered now."""
        from core.services.deadlines import payment_deadline
        from core.services.payments import payment_refund_sum
        from core.settings import settings_for

        held = payment_refund_sum(order)
        if order.status == Order.STATUS_PAID and order.total > held:
            order.status = Order.STATUS_PENDING
            dates = sorted({p.subevent.date_from for p in order.positions if p.subevent is not None}) or [
                order.event.date_from]
            order.expires = payment_deadline(now(), settings_for(self.session, order.event),
                                             tz=order.event.timezone, event_dates=dates,
                                             channel=order.sales_channel.identifier)
            order.expiry_reminder_sent = False
            return False
        if order.status == Order.STATUS_PENDING and not order.require_approval and held >= order.total and held > 0:
            order.status = Order.STATUS_PAID
            log_action(order, "pretix.event.order.paid", {"provider": None, "payment": None, "date": dt.datetime.now(
                dt.UTC), "force": False, "changed": True}, **log_actor(self.actor))
            return True
        return False

    def _do_split(self) -> None:
        original = self.order
        positions = list(dict.fromkeys(self._split))
        moved_ids = [p.id for p in positions]
        new = split_positions(self.session, original, positions)
        self.split_order = new
        log_action(original, "pretix.event.order.changed.split", {
            "positions": moved_ids, "new_order": new.code,
        }, **log_actor(self.actor))
        log_action(new, "pretix.event.order.changed.split_from", {
            "original_order": original.code, "positions": moved_ids,
        }, **log_actor(self.actor))
        create_transactions(self.session, new)
        send(OrderChanged(new))
        if self.notify:
            queue_mail(self.session, new, "changed")
