"""When invoices are issued: the ``invoice_generate`` modes and the core's order signal handlers.

The event setting ``invoice_generate`` decides who issues invoices and when:

* ``False``: invoicing is off; neither the customer nor the automatic triggers issue invoices (staff may still
  call :func:`~core.services.invoices.generate_invoice` explicitly, e.g. for a single correction);
* ``admin``: only staff issue invoices, by hand;
* ``user``: the customer may request an invoice from the order page (:func:`can_request_invoice`), staff too;
* ``user_paid``: like ``user``, but only once the order is paid;
* ``True``: automatically when the order is placed (or, for orders needing approval, when it is approved);
* ``paid``: automatically when the order is paid.

Automatic invoices are issued only for :func:`invoice_qualified` orders: total not zero, no approval pending,
status neither canceled nor expired, the sales channel listed in ``invoice_generate_sales_channels`` and, with
``invoice_generate_only_business``, a business invoice address. Whatever the mode, the order's open invoices are
canceled (a cancellation invoice is issued) when the order is canceled, expires or is denied, and reissued when its
content changes (``order_changed``, or a cancellation that keeps a fee).

The handlers run inside the transaction of the order change and only queue :func:`invoice_task` after commit:
numbering takes the invoice counter lock, which must not join the capacity locks of that transaction. The task
re-checks the order's state, so a duplicate trigger issues nothing twice. When an invoice is issued automatically
and ``invoice_email_attachment`` is on, the customer gets it by mail (template ``order_invoice``).
"""

from __future__ import annotations

from typing import Any

from pyramid.config import Configurator
from sqlalchemy.orm import Session, object_session

from core.interfaces import orders as signals
from core.models.orders import Order
from core.services.invoices.generation import cancel_open_invoices, generate_invoice, open_invoices, reissue_invoice
from core.settings import settings_for
from core.tasks import enqueue_after_commit, task

MODES = ("False", "admin", "user", "user_paid", "True", "paid")
GENERATE, CANCEL, REISSUE = "generate", "cancel", "reissue"


def _mode(order: Order) -> str:
    return str(settings_for(object_session(order), order.event).get("invoice_generate"))


def invoice_qualified(order: Order) -> bool:
    """Whether ``order`` may get an automatic invoice (see the module docstring)."""
    settings = settings_for(object_session(order), order.event)
    if not order.total or order.require_approval or order.status in (Order.STATUS_CANCELED, Order.STATUS_EXPIRED):
        return False
    if order.sales_channel.identifier not in (settings.get("invoice_generate_sales_channels") or []):
        return False
    if settings.get("invoice_generate_only_business"):
        address = order.invoice_address
        return address is not None and address.is_business
    return True


def can_request_invoice(order: Order) -> bool:
    """Whether the customer may request an invoice for ``order`` now (modes ``user`` and ``user_paid``)."""
    mode = _mode(order)
    if mode not in ("user", "user_paid") or open_invoices(order):
        return False
    if mode == "user_paid" and order.status != Order.STATUS_PAID:
        return False
    return bool(order.positions or order.fees) and order.status not in (Order.STATUS_CANCELED, Order.STATUS_EXPIRED)


def _queue(order: Order, action: str) -> None:
    session = object_session(order)
    enqueue_after_commit(session, invoice_task, order.id, action, organizer_id=order.organizer_id)


def _generate_if(order: Order, modes: tuple[str, ...]) -> None:
    if _mode(order) in modes and invoice_qualified(order) and not open_invoices(order):
        _queue(order, GENERATE)


def on_placed(signal: Any, **kw: Any) -> None:
    _generate_if(signal.order, ("True",))


def on_approved(signal: Any, **kw: Any) -> None:
    _generate_if(signal.order, ("True",))


def on_paid(signal: Any, **kw: Any) -> None:
    _generate_if(signal.order, ("True", "paid"))


def on_reactivated(signal: Any, **kw: Any) -> None:
    order = signal.order
    _generate_if(order, ("True", "paid") if order.status == Order.STATUS_PAID else ("True",))


def on_ended(signal: Any, **kw: Any) -> None:
    """Canceled, expired or denied: cancel the open invoices (a kept cancellation fee gets a new invoice)."""
    order = signal.order
    if not open_invoices(order):
        return
    kept_fee = order.status in (Order.STATUS_PENDING, Order.STATUS_PAID) and bool(order.fees)
    _queue(order, REISSUE if kept_fee else CANCEL)


def on_changed(signal: Any, **kw: Any) -> None:
    if open_invoices(signal.order):
        _queue(signal.order, REISSUE)


@task(retries=3, retry_delay=10)
def invoice_task(session: Session, order_id: int, action: str, organizer_id: int) -> None:
    """Issue, cancel or reissue the invoices of an order in a unit of work of their own (see the module doc)."""
    order = session.get(Order, order_id)
    if order is None:
        return
    if action == CANCEL:
        cancel_open_invoices(order)
        return
    if action == REISSUE:
        if open_invoices(order) and (order.positions or order.fees):
            _cancellations, invoice = reissue_invoice(order)
        else:
            cancel_open_invoices(order)
            return
    elif action == GENERATE and not open_invoices(order) and invoice_qualified(order):
        invoice = generate_invoice(order)
    else:
        return
    if order.email and settings_for(session, order.event).get("invoice_email_attachment"):
        from core.services.ordermails import send_order_mail

        send_order_mail(session, order, "invoice", invoices=[invoice])


def includeme(config: Configurator) -> None:
    config.add_signal_handler(on_placed, signals.IOrderPlaced)
    config.add_signal_handler(on_approved, signals.IOrderApproved)
    config.add_signal_handler(on_paid, signals.IOrderPaid)
    config.add_signal_handler(on_reactivated, signals.IOrderReactivated)
    for iface in (signals.IOrderCanceled, signals.IOrderExpired, signals.IOrderDenied):
        config.add_signal_handler(on_ended, iface)
    config.add_signal_handler(on_changed, signals.IOrderChanged)
