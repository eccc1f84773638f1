"""``…/orders/{code}/refunds/``: the refunds of an order (list, detail by ``local_id``, record one) and the
actions ``done/``, ``process/`` (an external refund: cancel the order or set it pending) and ``cancel/``."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Literal

from pydantic import Field
from pyramid.config import Configurator
from pyramid.request import Request
from sqlalchemy import select

from core.api.errors import ApiError, ValidationFailed
from core.api.pagination import Ordering, paginate
from core.api.renderers.order_models import OrderRefundOut
from core.api.renderers.orders import render_refund
from core.api.resources.filtering import DateTimeParam
from core.api.resources.orders import order_of
from core.api.resources.payments import by_local_id
from core.api.schemas import ApiInput, Money
from core.models import Order, OrderPayment, OrderRefund
from core.services.orders.lifecycle import cancel_order, mark_order_pending
from core.services.payments import cancel_refund, payment_providers, pending_sum, refund_done
from core.services.payments.records import record_refund

READ = "event.orders:read"
WRITE = "event.orders:write"
LIST = "/organizers/{organizer}/events/{event}/orders/{code}/refunds/"
DETAIL = LIST + r"{local_id:\d+}/"


class RefundIn(ApiInput):
    state: Literal["created", "transit", "external", "done", "canceled", "failed"] = "created"
    source: Literal["admin", "buyer", "external"]
    amount: Money = Field(max_digits=13, decimal_places=2)
    payment: int | None = None
    execution_date: DateTimeParam | None = None
    comment: str | None = None
    provider: str = Field(max_length=255)
    info: dict[str, Any] = {}
    mark_canceled: bool = False
    mark_pending: bool = False


class ProcessIn(ApiInput):
    mark_canceled: bool = False


def _local_ids(request: Request, order: Order) -> dict[int, int]:
    return dict(request.dbsession.execute(
        select(OrderPayment.id, OrderPayment.local_id).where(OrderPayment.order_id == order.id)).all())


def _refund(request: Request) -> OrderRefund:
    return by_local_id(request, OrderRefund)


def render(request: Request, refund: OrderRefund) -> dict[str, Any]:
    request.dbsession.flush()
    request.dbsession.refresh(refund)
    return render_refund(request, refund, _local_ids(request, refund.order), payment_providers(request.context.event))


def _require(refund: OrderRefund, *states: str) -> None:
    if refund.state not in states:
        raise ApiError(400, "Invalid state of refund")


def _settle_order(request: Request, order: Order, *, mark_canceled: bool, mark_pending: bool) -> None:
    request.dbsession.refresh(order)
    if mark_canceled:
        cancel_order(order, actor=request.identity, send_mail=False)
    elif mark_pending and order.status == Order.STATUS_PAID and pending_sum(order) > 0:
        mark_order_pending(order, actor=request.identity)


def list_refunds(request: Request) -> dict[str, Any]:
    order = order_of(request)
    local_ids = _local_ids(request, order)
    providers = payment_providers(request.context.event)
    return paginate(request, select(OrderRefund).where(OrderRefund.order_id == order.id),
                    lambda rows: [render_refund(request, r, local_ids, providers) for r in rows],
                    ordering=Ordering({"local_id": OrderRefund.local_id}, default=("local_id",), pk=OrderRefund.id))


def get_refund(request: Request) -> dict[str, Any]:
    return render(request, _refund(request))


def create(request: Request) -> dict[str, Any]:
    order = order_of(request)
    body: RefundIn = request.api_body
    payment = None
    if body.payment is not None:
        payment = request.dbsession.scalar(select(OrderPayment).where(
            OrderPayment.order_id == order.id, OrderPayment.local_id == body.payment))
        if payment is None:
            raise ValidationFailed({"payment": [f'Invalid pk "{body.payment}" - object does not exist.']})
    if Decimal(body.amount) <= 0:
        raise ValidationFailed({"amount": ["Ensure this value is greater than 0."]})
    refund = record_refund(order, Decimal(body.amount), provider=body.provider, state=body.state, source=body.source,
                           payment=payment, comment=body.comment, execution_date=body.execution_date, info=body.info,
                           actor=request.identity)
    _settle_order(request, order, mark_canceled=body.mark_canceled, mark_pending=body.mark_pending)
    return render(request, refund)


def done(request: Request) -> dict[str, Any]:
    refund = _refund(request)
    _require(refund, OrderRefund.REFUND_STATE_CREATED, OrderRefund.REFUND_STATE_TRANSIT)
    refund_done(refund, actor=request.identity)
    return render(request, refund)


def process(request: Request) -> dict[str, Any]:
    refund = _refund(request)
    _require(refund, OrderRefund.REFUND_STATE_EXTERNAL)
    refund_done(refund, actor=request.identity)
    request.dbsession.flush()
    _settle_order(request, refund.order, mark_canceled=request.api_body.mark_canceled, mark_pending=True)
    return render(request, refund)


def cancel(request: Request) -> dict[str, Any]:
    refund = _refund(request)
    _require(refund, OrderRefund.REFUND_STATE_CREATED, OrderRefund.REFUND_STATE_TRANSIT,
             OrderRefund.REFUND_STATE_EXTERNAL)
    cancel_refund(refund, actor=request.identity)
    return render(request, refund)


def includeme(config: Configurator) -> None:
    tags = ("refunds",)
    config.add_api_view(list_refunds, path=LIST, permission=READ, response=OrderRefundOut, paginated=True,
                        summary="List the refunds of an order", tags=tags)
    config.add_api_view(create, path=LIST, method="POST", permission=WRITE, body=RefundIn, response=OrderRefundOut,
                        status=201, summary="Record a refund of an order", tags=tags)
    config.add_api_view(get_refund, path=DETAIL, permission=READ, response=OrderRefundOut, summary="Get a refund",
                        tags=tags)
    config.add_api_view(done, path=DETAIL + "done/", method="POST", permission=WRITE, response=OrderRefundOut,
                        summary="Mark a refund as completed", tags=tags)
    config.add_api_view(process, path=DETAIL + "process/", method="POST", permission=WRITE, body=ProcessIn,
                        response=OrderRefundOut, summary="Act on an external refund", tags=tags)
    config.add_api_view(cancel, path=DETAIL + "cancel/", method="POST", permission=WRITE, response=OrderRefundOut,
                        summary="Cancel a refund", tags=tags)
