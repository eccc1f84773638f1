"""Signals of the commerce engine: validation before carts and orders, and the order life cycle.

Every signal's scope is the order's (or cart's) event, so handlers run only for plugins active on
that event. The implementing dataclasses live in :mod:`core.services.order_signals`; the services
in ``core/services/`` send them with :func:`core.pluginhost.send`.

Life-cycle signals are sent inside the transaction that made the change, after the change is
written and audit-logged, under the ROBUST policy: a failing handler's own writes are rolled back,
the failure is logged and the order change stands. Side effects that leave the system (mail, HTTP,
data sync) belong after commit: use :func:`core.tasks.enqueue_after_commit` from the handler.
"""

from __future__ import annotations

from zope.interface import Attribute, taggedValue

from core.interfaces.signals import IScopedSignal, Policy


class IValidateCart(IScopedSignal):
    """Asked before cart positions are added and before checkout starts from a cart.

    Attributes: ``scope`` (the event), ``positions`` (the cart positions as they will be, including
    the new ones). Raise :class:`core.services.errors.CartError` to refuse with a message shown to
    the buyer; the cart stays as it was. Return values are ignored. Policy: STRICT (any exception
    propagates: a bug must not let a cart through).

    .. versionadded:: 0.1
    """

    taggedValue("policy", Policy.STRICT)
    positions = Attribute("List of CartPosition objects (possibly not flushed yet).")


class IValidateOrder(IScopedSignal):
    """Asked once per order placement, after the core checks and before anything is written.

    Attributes: ``scope`` (the event), ``positions`` (the positions about to become the order),
    ``email``, ``locale``, ``invoice_address`` (or None), ``meta_info`` (dict), ``payment_provider``
    (identifier or None), ``sales_channel`` (identifier). Raise
    :class:`core.services.errors.OrderError` to refuse; nothing is written. Policy: STRICT.

    .. versionadded:: 0.1
    """

    taggedValue("policy", Policy.STRICT)
    positions = Attribute("The positions to be ordered.")
    email = Attribute("Buyer e-mail address or None.")
    locale = Attribute("Order locale.")
    invoice_address = Attribute("InvoiceAddress or None.")
    meta_info = Attribute("Free-form dict stored on the order.")
    payment_provider = Attribute("Identifier of the chosen payment provider, or None.")
    sales_channel = Attribute("Identifier of the sales channel.")


class IOrderValidIfPending(IScopedSignal):
    """Asked during placement: return True to make the order valid (tickets usable) while unpaid.

    Same attributes as :class:`IValidateOrder`. Policy: FIRST (the first handler returning a
    non-None value decides).

    .. versionadded:: 0.1
    """

    taggedValue("policy", Policy.FIRST)
    positions = Attribute("The positions to be ordered.")
    email = Attribute("Buyer e-mail address or None.")
    meta_info = Attribute("Free-form dict stored on the order.")


class IOrderFeeCalculation(IScopedSignal):
    """Asked during placement (and cart display) for extra fees.

    Attributes: ``scope`` (the event), ``positions``, ``invoice_address`` (or None), ``meta_info``,
    ``total`` (Decimal sum of the positions). Handlers return a list of unsaved ``OrderFee`` objects
    (``fee_type``, ``value``, ``description``, ``internal_type``; taxes are computed by the core).
    Policy: COLLECT (exceptions propagate and abort the placement).

    .. versionadded:: 0.1
    """

    taggedValue("policy", Policy.COLLECT)
    positions = Attribute("The positions to be ordered.")
    invoice_address = Attribute("InvoiceAddress or None.")
    meta_info = Attribute("Free-form dict stored on the order.")
    total = Attribute("Decimal total of the positions before fees.")


class IOrderSignal(IScopedSignal):
    """Base of the life-cycle signals: ``scope`` is ``order.event`` and ``order`` the order."""

    order = Attribute("The Order.")


class IOrderPlaced(IOrderSignal):
    """Sent after an order was created (not for orders created by splitting). Policy: ROBUST.

    ``bulk`` is True when many orders are created at once (imports); expensive handlers should
    then defer their work.

    .. versionadded:: 0.1
    """

    taggedValue("policy", Policy.ROBUST)
    bulk = Attribute("True for bulk creation (imports).")


class IOrderPaid(IOrderSignal):
    """Sent after an order became paid (status ``p``). Policy: ROBUST.

    .. versionadded:: 0.1
    """

    taggedValue("policy", Policy.ROBUST)


class IOrderCanceled(IOrderSignal):
    """Sent after an order was canceled (also when a cancellation fee keeps it pending or paid). Policy: ROBUST.

    .. versionadded:: 0.1
    """

    taggedValue("policy", Policy.ROBUST)


class IOrderReactivated(IOrderSignal):
    """Sent after a canceled order was reactivated. Policy: ROBUST.

    .. versionadded:: 0.1
    """

    taggedValue("policy", Policy.ROBUST)


class IOrderExpired(IOrderSignal):
    """Sent after a pending order expired. Policy: ROBUST.

    .. versionadded:: 0.1
    """

    taggedValue("policy", Policy.ROBUST)


class IOrderExpiryChanged(IOrderSignal):
    """Sent after the payment deadline of an order was changed explicitly (extend). Policy: ROBUST.

    .. versionadded:: 0.1
    """

    taggedValue("policy", Policy.ROBUST)


class IOrderModified(IOrderSignal):
    """Sent after buyer data changed (names, answers, contact, invoice address), not items or prices.

    Policy: ROBUST.

    .. versionadded:: 0.1
    """

    taggedValue("policy", Policy.ROBUST)


class IOrderChanged(IOrderSignal):
    """Sent after a material change (items, prices, taxes, positions, fees, sub-events, split). Policy: ROBUST.

    .. versionadded:: 0.1
    """

    taggedValue("policy", Policy.ROBUST)


class IOrderApproved(IOrderSignal):
    """Sent after an order awaiting approval was approved. Policy: ROBUST.

    .. versionadded:: 0.1
    """

    taggedValue("policy", Policy.ROBUST)


class IOrderDenied(IOrderSignal):
    """Sent after an order awaiting approval was denied (it is canceled). Policy: ROBUST.

    .. versionadded:: 0.1
    """

    taggedValue("policy", Policy.ROBUST)
