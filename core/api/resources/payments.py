"""``…/orders/{code}/payments/``: the payments of an order (list, detail by ``local_id``, create) and the
actions ``confirm/``, ``cancel/`` and ``refund/`` (which answers a refund, as pretix does).

Every change goes through :mod:`core.services.payments`; refused operations answer 400 and write nothing.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Literal

from pydantic import Field
from pyramid.config import Configurator
from pyramid.request import Request
from sqlalchemy import select

from core.api.errors import ApiError, ValidationFailed
from core.api.pagination import Ordering, get_object, paginate
from core.api.renderers.order_models import OrderPaymentOut
from core.api.renderers.orders import render_payment, render_refund
from core.api.resources.filtering import DateTimeParam
from core.api.resources.orders import order_of
from core.api.schemas import ApiInput, Money
from core.models import OrderPayment, OrderRefund
from core.services.orders.lifecycle import cancel_order
from core.services.payments import (
    cancel_payment,
    confirm_payment,
    create_payment,
    create_refund,
    fail_payment,
    payment_provider,
    payment_providers,
    refundable_amount,
)

READ = "event.orders:read"
WRITE = "event.orders:write"
ORDER = "/organizers/{organizer}/events/{event}/orders/{code}/"
LIST = ORDER + "payments/"
DETAIL = LIST + r"{local_id:\d+}/"


class PaymentIn(ApiInput):
    state: Literal["created", "pending", "confirmed", "canceled", "failed"] = "created"
    amount: Money = Field(max_digits=13, decimal_places=2)
    payment_date: DateTimeParam | None = None
    provider: str = Field(max_length=255)
    info: dict[str, Any] = {}
    send_email: bool = True
    force: bool = False


class ConfirmIn(ApiInput):
    send_email: bool = True
    force: bool = False


class RefundActionIn(ApiInput):
    amount: Money | None = Field(default=None, max_digits=13, decimal_places=2)
    mark_canceled: bool = False
    comment: str | None = None


def by_local_id(request: Request, model: type[OrderPayment] | type[OrderRefund]) -> Any:
    """The payment or refund ``{local_id}`` of the order ``{code}`` (404 ``No <model> matches the given query.``)."""
    order = order_of(request)
    return get_object(request, select(model).where(
        model.order_id == order.id, model.local_id == int(request.matchdict["local_id"])), name=model.__name__)


def _payment(request: Request) -> OrderPayment:
    return by_local_id(request, OrderPayment)


def render(request: Request, payment: OrderPayment) -> dict[str, Any]:
    request.dbsession.flush()
    request.dbsession.refresh(payment)
    return render_payment(request, payment, payment.order, request.context.event)


def _open(payment: OrderPayment) -> None:
    if payment.state not in OrderPayment.OPEN_STATES:
        raise ApiError(400, "Invalid state of payment")


def list_payments(request: Request) -> dict[str, Any]:
    order = order_of(request)
    event = request.context.event
    providers = payment_providers(event)
    return paginate(request, select(OrderPayment).where(OrderPayment.order_id == order.id),
                    lambda rows: [render_payment(request, p, order, event, providers) for p in rows],
                    ordering=Ordering({"local_id": OrderPayment.local_id}, default=("local_id",),
                                      pk=OrderPayment.id))


def get_payment(request: Request) -> dict[str, Any]:
    return render(request, _payment(request))


def create(request: Request) -> dict[str, Any]:
    order = order_of(request)
    body: PaymentIn = request.api_body
    if body.provider not in payment_providers(request.context.event):
        raise ValidationFailed({"provider": [f'"{body.provider}" is not a valid choice.']})
    initial = OrderPayment.PAYMENT_STATE_PENDING if body.state == "pending" else OrderPayment.PAYMENT_STATE_CREATED
    payment = create_payment(order, body.provider, Decimal(body.amount), state=initial, info=body.info)
    who = request.identity
    if body.state == "confirmed":
        confirm_payment(payment, actor=who, force=body.force, send_mail=body.send_email,
                        payment_date=body.payment_date)
    elif body.state == "canceled":
        cancel_payment(payment, actor=who)
    elif body.state == "failed":
        fail_payment(payment, actor=who, send_mail=False)
    return render(request, payment)


def confirm(request: Request) -> dict[str, Any]:
    payment = _payment(request)
    _open(payment)
    body: ConfirmIn = request.api_body
    confirm_payment(payment, actor=request.identity, force=body.force, send_mail=body.send_email)
    return render(request, payment)


def cancel(request: Request) -> dict[str, Any]:
    payment = _payment(request)
    _open(payment)
    cancel_payment(payment, actor=request.identity)
    return render(request, payment)


def refund(request: Request) -> dict[str, Any]:
    payment = _payment(request)
    if payment.state != OrderPayment.PAYMENT_STATE_CONFIRMED:
        raise ApiError(400, "Invalid state of payment")
    body: RefundActionIn = request.api_body
    available = refundable_amount(payment)
    amount = Decimal(body.amount) if body.amount is not None else available
    if amount <= 0 or amount > available:
        raise ValidationFailed({"amount": [f"Invalid refund amount, only {available} are available to refund."]})
    handler = payment_provider(request.context.event, payment.provider)
    if handler is None or not handler.payment_refund_supported(payment):
        raise ApiError(400, "Refund is not supported for this payment.")
    if amount < payment.amount and not handler.payment_partial_refund_supported(payment):
        raise ApiError(400, "Partial refund is not supported for this payment.")
    order = payment.order
    created = create_refund(order, payment, amount, comment=body.comment, actor=request.identity)
    if body.mark_canceled:
        cancel_order(order, actor=request.identity, send_mail=False)
    request.dbsession.flush()
    request.dbsession.refresh(created)
    local_ids = dict(request.dbsession.execute(
        select(OrderPayment.id, OrderPayment.local_id).where(OrderPayment.order_id == order.id)).all())
    return render_refund(request, created, local_ids, payment_providers(request.context.event))


def includeme(config: Configurator) -> None:
    tags = ("payments",)
    config.add_api_view(list_payments, path=LIST, permission=READ, response=OrderPaymentOut, paginated=True,
                        summary="List the payments of an order", tags=tags)
    config.add_api_view(create, path=LIST, method="POST", permission=WRITE, body=PaymentIn, response=OrderPaymentOut,
                        status=201, summary="Record a payment of an order", tags=tags)
    config.add_api_view(get_payment, path=DETAIL, permission=READ, response=OrderPaymentOut,
                        summary="Get a payment", tags=tags)
    config.add_api_view(confirm, path=DETAIL + "confirm/", method="POST", permission=WRITE, body=ConfirmIn,
                        response=OrderPaymentOut, summary="Confirm a created or pending payment", tags=tags)
    config.add_api_view(cancel, path=DETAIL + "cancel/", method="POST", permission=WRITE, response=OrderPaymentOut,
                        summary="Cancel a created or pending payment", tags=tags)
    config.add_api_view(refund, path=DETAIL + "refund/", method="POST", permission=WRITE, body=RefundActionIn,
                        summary="Refund a confirmed payment through its provider", tags=tags)
