"""The state operations of an order (``POST /orders/{code}/<action>/``) as pretix offers them.

Each view checks the order's state with pretix's refusal text, calls one life-cycle service and answers with the
order's JSON (``resend_link``: 204; ``create_invoice``: the invoice, 201). Refusals of the services themselves
(capacity, approval, fees) become 400 ``{"detail": ...}``.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any

from pydantic import Field
from pyramid.config import Configurator
from pyramid.request import Request

from core.api.errors import ApiError
from core.api.renderers.invoices import render_invoices
from core.api.renderers.order_models import OrderOut
from core.api.resources.orders import DETAIL, WRITE, order_of, respond
from core.api.schemas import ApiInput, Money
from core.models import Order
from core.services.invoices.generation import generate_invoice, open_invoices
from core.services.orders.expiry import extend_order, mark_order_expired
from core.services.orders.lifecycle import (
    approve_order,
    cancel_order,
    deny_order,
    mark_order_pending,
    mark_order_refunded,
    reactivate_order,
    regenerate_secrets,
    resend_link,
)
from core.services.payments import mark_order_paid
from core.settings import settings_for


class SendEmail(ApiInput):
    send_email: bool = True


class MarkPaid(SendEmail):
    amount: Money | None = Field(default=None, ge=0)
    payment_date: dt.datetime | None = None
    force: bool = False


class Cancel(SendEmail):
    cancellation_fee: Money | None = Field(default=None, ge=0)
    comment: str | None = None


class Deny(SendEmail):
    comment: str | None = None


class Reactivate(ApiInput):
    force: bool = False


class Extend(ApiInput):
    expires: dt.datetime | dt.date
    force: bool = False


def _refuse(message: str) -> ApiError:
    return ApiError(400, message)


def _order(request: Request, statuses: tuple[str, ...] = (), message: str = "") -> Order:
    order = order_of(request)
    if statuses and order.status not in statuses:
        raise _refuse(message)
    return order


def mark_paid(request: Request) -> dict[str, Any]:
    body: MarkPaid = request.api_body
    order = _order(request, (Order.STATUS_PENDING, Order.STATUS_EXPIRED), "The order is not pending or expired.")
    mark_order_paid(order, amount=body.amount, actor=request.identity, force=body.force, send_mail=body.send_email,
                    payment_date=body.payment_date)
    return respond(request, order)


def mark_canceled(request: Request) -> dict[str, Any]:
    body: Cancel = request.api_body
    order = _order(request, (Order.STATUS_PENDING, Order.STATUS_PAID, Order.STATUS_EXPIRED),
                   "The order is not allowed to be canceled.")
    fee = body.cancellation_fee if body.cancellation_fee else None
    if fee is not None and fee > order.total:
        raise _refuse("The cancellation fee cannot be higher than the total amount of this order.")
    cancel_order(order, cancellation_fee=fee, send_mail=body.send_email, comment=body.comment, actor=request.identity)
    return respond(request, order)


def reactivate(request: Request) -> dict[str, Any]:
    order = _order(request, (Order.STATUS_CANCELED,), "The order is not canceled.")
    reactivate_order(order, force=request.api_body.force, actor=request.identity)
    return respond(request, order)


def _awaiting_approval(request: Request) -> Order:
    order = order_of(request)
    if order.status != Order.STATUS_PENDING or not order.require_approval:
        raise _refuse("This order is not awaiting approval.")
    return order


def approve(request: Request) -> dict[str, Any]:
    order = _awaiting_approval(request)
    approve_order(order, send_mail=request.api_body.send_email, actor=request.identity)
    return respond(request, order)


def deny(request: Request) -> dict[str, Any]:
    order = _awaiting_approval(request)
    deny_order(order, comment=request.api_body.comment, send_mail=request.api_body.send_email,
               actor=request.identity)
    return respond(request, order)


def mark_pending(request: Request) -> dict[str, Any]:
    order = _order(request, (Order.STATUS_PAID,), "The order is not paid.")
    mark_order_pending(order, actor=request.identity)
    return respond(request, order)


def mark_expired(request: Request) -> dict[str, Any]:
    order = _order(request, (Order.STATUS_PENDING,), "The order is not pending.")
    mark_order_expired(order, actor=request.identity)
    return respond(request, order)


def mark_refunded(request: Request) -> dict[str, Any]:
    order = _order(request, (Order.STATUS_PAID,), "The order is not paid.")
    mark_order_refunded(order, actor=request.identity)
    return respond(request, order)


def _deadline(value: dt.datetime | dt.date, timezone: str | None) -> dt.datetime:
    """A date means the end of that day in the event's time zone; a naive datetime is UTC."""
    if isinstance(value, dt.datetime):
        return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)
    tz = zoneinfo.ZoneInfo(timezone or "UTC")
    return dt.datetime.combine(value, dt.time(23, 59, 59), tzinfo=tz)


def extend(request: Request) -> dict[str, Any]:
    body: Extend = request.api_body
    order = _order(request, (Order.STATUS_PENDING, Order.STATUS_EXPIRED), "The order is not pending or expired.")
    extend_order(order, _deadline(body.expires, request.context.event.timezone), force=body.force,
                 actor=request.identity)
    return respond(request, order)


def create_invoice(request: Request) -> dict[str, Any]:
    order = order_of(request)
    if open_invoices(order):
        raise _refuse("An invoice for this order already exists.")
    disabled = settings_for(request.dbsession, order.event)["invoice_generate"] == "False"
    if disabled or order.status in (Order.STATUS_CANCELED, Order.STATUS_EXPIRED) or not (order.positions or order.fees):
        raise _refuse("You cannot generate an invoice for this order.")
    invoice = generate_invoice(order, auth=request.identity)
    return render_invoices(request.dbsession, [invoice])[0]


def resend(request: Request) -> None:
    order = order_of(request)
    if not order.email:
        raise _refuse("There is no email address associated with this order.")
    resend_link(order, actor=request.identity)


def regenerate(request: Request) -> dict[str, Any]:
    order = order_of(request)
    regenerate_secrets(order, actor=request.identity)
    return respond(request, order)


ACTIONS: tuple[tuple[str, Any, type[ApiInput] | None, str], ...] = (
    ("mark_paid", mark_paid, MarkPaid, "Mark a pending or expired order as paid"),
    ("mark_canceled", mark_canceled, Cancel, "Cancel an order, optionally keeping a cancellation fee"),
    ("reactivate", reactivate, Reactivate, "Reactivate a canceled order"),
    ("approve", approve, SendEmail, "Approve an order awaiting approval"),
    ("deny", deny, Deny, "Deny an order awaiting approval"),
    ("mark_pending", mark_pending, None, "Set a paid order back to pending"),
    ("mark_expired", mark_expired, None, "Expire a pending order now"),
    ("mark_refunded", mark_refunded, None, "Cancel a paid order whose money was refunded"),
    ("extend", extend, Extend, "Give a pending or expired order a new payment deadline"),
    ("regenerate_secrets", regenerate, None, "Give the order and its tickets new secrets"),
)


def includeme(config: Configurator) -> None:
    tags = ("orders",)
    for name, view, body, summary in ACTIONS:
        config.add_api_view(view, path=f"{DETAIL}{name}/", method="POST", permission=WRITE, body=body,
                            response=OrderOut, summary=summary, tags=tags)
    config.add_api_view(create_invoice, path=f"{DETAIL}create_invoice/", method="POST", permission=WRITE, status=201,
                        summary="Issue an invoice for the order", tags=tags)
    config.add_api_view(resend, path=f"{DETAIL}resend_link/", method="POST", permission=WRITE, status=204,
                        summary="Send the order link to the buyer again", tags=tags)
