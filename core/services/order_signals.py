"""The signal objects of :mod:`core.interfaces.orders`, sent by the commerce services."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from zope.interface import implementer

from core.interfaces import orders as i


@implementer(i.IValidateCart)
@dataclass(frozen=True)
class ValidateCart:
    scope: Any
    positions: list[Any]


@implementer(i.IValidateOrder)
@dataclass(frozen=True)
class ValidateOrder:
    scope: Any
    positions: list[Any]
    email: str | None
    locale: str
    invoice_address: Any
    meta_info: dict[str, Any]
    payment_provider: str | None
    sales_channel: str


@implementer(i.IOrderValidIfPending)
@dataclass(frozen=True)
class OrderValidIfPending:
    scope: Any
    positions: list[Any]
    email: str | None
    meta_info: dict[str, Any]


@implementer(i.IOrderFeeCalculation)
@dataclass(frozen=True)
class OrderFeeCalculation:
    scope: Any
    positions: list[Any]
    invoice_address: Any
    meta_info: dict[str, Any]
    total: Decimal


@dataclass(frozen=True)
class _OrderSignal:
    order: Any

    @property
    def scope(self) -> Any:
        return self.order.event


@implementer(i.IOrderPlaced)
@dataclass(frozen=True)
class OrderPlaced(_OrderSignal):
    bulk: bool = field(default=False)


@implementer(i.IOrderPaid)
class OrderPaid(_OrderSignal):
    pass


@implementer(i.IOrderCanceled)
class OrderCanceled(_OrderSignal):
    pass


@implementer(i.IOrderReactivated)
class OrderReactivated(_OrderSignal):
    pass


@implementer(i.IOrderExpired)
class OrderExpired(_OrderSignal):
    pass


@implementer(i.IOrderExpiryChanged)
class OrderExpiryChanged(_OrderSignal):
    pass


@implementer(i.IOrderModified)
class OrderModified(_OrderSignal):
    pass


@implementer(i.IOrderChanged)
class OrderChanged(_OrderSignal):
    pass


@implementer(i.IOrderApproved)
class OrderApproved(_OrderSignal):
    pass


@implementer(i.IOrderDenied)
class OrderDenied(_OrderSignal):
    pass
