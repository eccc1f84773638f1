"""Order mails: ``send_order_mail(session, order, kind, ...)`` renders the event's template for ``kind`` and queues it.

Kinds and their templates (settings ``mail_subject_<template>`` / ``mail_text_<template>``):

========================== ================================= =====================================================
kind                       template                          sent when
========================== ================================= =====================================================
``placed``                 ``order_placed``                  an order with something to pay was placed
``placed_free``            ``order_free``                    a free order was placed (confirmed at once)
``placed_require_approval`` ``order_placed_require_approval`` an order waiting for the organizer's approval
``approved``               ``order_approved``                an order was approved and has to be paid
``approved_free``          ``order_approved_free``           a free order was approved
``denied``                 ``order_denied``                  an order was declined (pass ``comment``)
``paid``                   ``order_paid``                    an order was paid
``canceled``               ``order_canceled``                an order was canceled (pass ``comment``)
``changed``                ``order_changed``                 the content of an order was changed
``expire_warning``         ``order_expire_warning``          the payment deadline is near (``order_pending_warning``
                                                             when unpaid orders do not expire automatically)
``payment_failed``         ``order_payment_failed``          a payment attempt failed
``resend_link``            ``resend_link``                   the customer asked for the link to the order
``invoice``                ``order_invoice``                 a new invoice is sent on its own (pass ``invoices``)
========================== ================================= =====================================================

``placed``, ``placed_free``, ``placed_require_approval`` and ``paid`` go out only for orders of the sales channels
listed in ``mail_sales_channel_placed_paid``. The mail goes to the order's address in the order's language. For the
templates with an attendee variant (``order_placed``, ``order_free``, ``order_approved``, ``order_approved_free``,
``order_paid``) every position with an attendee address other than the order's also gets the
``<template>_attendee`` mail when ``mail_send_<template>_attendee`` is on; with ``position=`` only that position's
attendee is mailed. Every mail is audit-logged on the order as ``pretix.event.order.email.<kind>``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from pyramid.config import Configurator
from sqlalchemy.orm import Session

from core.logs import log_action
from core.mail import mail
from core.models.mail import OutgoingMail
from core.models.orders import Order
from core.services.errors import OrderError
from core.services.invoices.files import invoice_attachment
from core.services.money import money_str
from core.services.placeholders import babel_locale
from core.settings import settings_for

#: kind -> template name (the part after ``mail_text_`` / ``mail_subject_``).
TEMPLATES: dict[str, str] = {
    "placed": "order_placed",
    "placed_free": "order_free",
    "placed_require_approval": "order_placed_require_approval",
    "approved": "order_approved",
    "approved_free": "order_approved_free",
    "denied": "order_denied",
    "paid": "order_paid",
    "canceled": "order_canceled",
    "changed": "order_changed",
    "expire_warning": "order_expire_warning",
    "payment_failed": "order_payment_failed",
    "resend_link": "resend_link",
    "invoice": "order_invoice",
}
#: Kinds sent only for the sales channels in ``mail_sales_channel_placed_paid``.
CHANNEL_FILTERED = frozenset({"placed", "placed_free", "placed_require_approval", "paid"})
#: Templates with an ``_attendee`` variant and a ``mail_send_<template>_attendee`` switch.
ATTENDEE_TEMPLATES = frozenset({"order_placed", "order_free", "order_approved", "order_approved_free", "order_paid"})


def _template(kind: str, settings: Any) -> str:
    if kind not in TEMPLATES:
        raise OrderError("unknown_mail_kind", f"Unknown order mail kind {kind!r}; use one of {', '.join(TEMPLATES)}.",
                         kind=kind)
    if kind == "expire_warning" and not settings.get("payment_term_expire_automatically"):
        return "order_pending_warning"
    return TEMPLATES[kind]


def _prepared(context: Mapping[str, Any] | None, order: Order, locale: str) -> dict[str, Any]:
    """The caller's context with amounts (Decimal) shown as money in the order's currency."""
    prepared: dict[str, Any] = {}
    for key, value in (context or {}).items():
        if isinstance(value, Decimal):
            value = money_str(value, order.event.currency, str(babel_locale(locale)))
        prepared[key] = value
    return prepared


def _send(session: Session, order: Order, kind: str, template: str, to: str, locale: str, settings: Any,
          context: dict[str, Any], attachments: list[tuple[str, bytes, str]], position: Any) -> OutgoingMail:
    full_context = {**context, "order": order}
    if position is not None:
        full_context["position"] = position
    row = mail(to, settings.get(f"mail_subject_{template}"), settings.get(f"mail_text_{template}"), full_context,
               event=order.event, session=session, locale=locale, attachments=attachments, order_id=order.id)
    data: dict[str, Any] = {"subject": row.subject, "recipient": to, "mail": row.id, "template": template}
    if position is not None:
        data["position"] = position.positionid
    log_action(order, f"pretix.event.order.email.{kind}", data)
    return row


def send_order_mail(
    session: Session,
    order: Order,
    kind: str,
    *,
    position: Any = None,
    context: Mapping[str, Any] | None = None,
    invoices: Iterable[Any] = (),
) -> list[OutgoingMail]:
    """Queue the ``kind`` mail of ``order`` (see the module docstring); return the queued mails (maybe none).

    :param position: mail only this position's attendee (with the attendee variant where there is one).
    :param context: extra placeholder values, e.g. ``{"comment": "...", "payment_info": "..."}``; amounts given as
        Decimal are shown as money of the order's currency.
    :param invoices: invoices to attach to the order's mail (when ``invoice_email_attachment`` is on); the last one
        is the ``{invoice_number}``.
    :raises OrderError: ``unknown_mail_kind`` for a kind not in :data:`TEMPLATES`.
    """
    settings = settings_for(session, order.event)
    template = _template(kind, settings)
    if kind in CHANNEL_FILTERED and order.sales_channel.identifier not in (
            settings.get("mail_sales_channel_placed_paid") or []):
        return []
    locale = order.locale or settings.get("locale")
    invoices = list(invoices)
    extra = _prepared(context, order, locale)
    if invoices:
        extra.setdefault("invoice", invoices[-1])
    sent: list[OutgoingMail] = []
    if position is not None:
        if position.attendee_email:
            variant = f"{template}_attendee" if template in ATTENDEE_TEMPLATES else template
            sent.append(_send(session, order, kind, variant, position.attendee_email, locale, settings, extra, [],
                              position))
        return sent
    if order.email:
        attachments = []
        if settings.get("invoice_email_attachment"):
            attachments = [invoice_attachment(invoice) for invoice in invoices]
        sent.append(_send(session, order, kind, template, order.email, locale, settings, extra, attachments, None))
    if template in ATTENDEE_TEMPLATES and settings.get(f"mail_send_{template}_attendee"):
        for candidate in order.positions:
            address = candidate.attendee_email
            if address and address.lower() != (order.email or "").lower():
                sent.append(_send(session, order, kind, f"{template}_attendee", address, locale, settings, extra,
                                  [], candidate))
    return sent


def includeme(config: Configurator) -> None:
    for kind in TEMPLATES:
        config.add_log_entry_type(f"pretix.event.order.email.{kind}",
                                  f"An e-mail ({kind.replace('_', ' ')}) has been sent to {{recipient}}.")
