"""Payments and refunds of an order, each numbered per order (``CODE-P-n``, ``CODE-R-n``)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from core.db.base import Base, BigId, IdPK, TenantMixin
from core.models.position_base import utcnow

if TYPE_CHECKING:
    from core.models.orders import Order
    from core.models.positions import OrderFee


class OrderPayment(TenantMixin, Base):
    """One payment attempt of an order through one provider.

    States: ``created`` -> ``pending`` -> ``confirmed``, or ``failed`` / ``canceled``; a confirmed payment becomes
    ``refunded`` once refunds cover its amount. ``local_id`` is 1..n per order. ``info`` holds provider data
    (shredded by the provider's shredder). ``fee`` is the payment fee this payment caused, if any.
    """

    __tablename__ = "order_payment"
    __tenant_parent__ = "order"
    __table_args__ = (UniqueConstraint("order_id", "local_id"),)

    PAYMENT_STATE_CREATED = "created"
    PAYMENT_STATE_PENDING = "pending"
    PAYMENT_STATE_CONFIRMED = "confirmed"
    PAYMENT_STATE_FAILED = "failed"
    PAYMENT_STATE_CANCELED = "canceled"
    PAYMENT_STATE_REFUNDED = "refunded"
    PAYMENT_STATES = (
        PAYMENT_STATE_CREATED, PAYMENT_STATE_PENDING, PAYMENT_STATE_CONFIRMED, PAYMENT_STATE_FAILED,
        PAYMENT_STATE_CANCELED, PAYMENT_STATE_REFUNDED,
    )
    #: States whose amount counts as received money.
    PAID_STATES = (PAYMENT_STATE_CONFIRMED, PAYMENT_STATE_REFUNDED)
    #: States of a payment that may still complete.
    OPEN_STATES = (PAYMENT_STATE_CREATED, PAYMENT_STATE_PENDING)

    id: Mapped[IdPK]
    order_id: Mapped[int] = mapped_column(BigId, ForeignKey("orders.id"), index=True)
    local_id: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(190), default=PAYMENT_STATE_CREATED)
    amount: Mapped[Decimal]
    created: Mapped[dt.datetime] = mapped_column(default=utcnow)
    payment_date: Mapped[dt.datetime | None]
    provider: Mapped[str] = mapped_column(String(255))
    info: Mapped[dict[str, Any]] = mapped_column(default=dict)
    fee_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("order_fee.id", ondelete="SET NULL"), index=True)
    migrated: Mapped[bool] = mapped_column(Boolean, default=False)
    process_initiated: Mapped[bool | None] = mapped_column(Boolean)

    order: Mapped[Order] = relationship(back_populates="payments")
    fee: Mapped[OrderFee | None] = relationship()
    refunds: Mapped[list[OrderRefund]] = relationship(back_populates="payment", order_by="OrderRefund.local_id")

    @validates("state")
    def _check_state(self, _key: str, value: str) -> str:
        if value not in self.PAYMENT_STATES:
            raise ValueError(f"OrderPayment.state must be one of {', '.join(self.PAYMENT_STATES)}, got {value!r}")
        return value

    @property
    def full_id(self) -> str:
        return f"{self.order.code}-P-{self.local_id}"

    def __repr__(self) -> str:
        return f"<OrderPayment {self.order_id}-P-{self.local_id} {self.provider} {self.state}>"


class OrderRefund(TenantMixin, Base):
    """Money going back to the buyer, optionally tied to the payment it refunds.

    States: ``created``, ``transit``, ``external`` (noticed at the provider), ``done``, ``canceled``,
    ``failed``. ``source`` says who started it: ``buyer``, ``admin`` or ``external``.
    """

    __tablename__ = "order_refund"
    __tenant_parent__ = "order"
    __table_args__ = (UniqueConstraint("order_id", "local_id"),)

    REFUND_STATE_CREATED = "created"
    REFUND_STATE_TRANSIT = "transit"
    REFUND_STATE_EXTERNAL = "external"
    REFUND_STATE_DONE = "done"
    REFUND_STATE_CANCELED = "canceled"
    REFUND_STATE_FAILED = "failed"
    REFUND_STATES = (
        REFUND_STATE_CREATED, REFUND_STATE_TRANSIT, REFUND_STATE_EXTERNAL, REFUND_STATE_DONE,
        REFUND_STATE_CANCELED, REFUND_STATE_FAILED,
    )
    #: States whose amount counts against the money received (``pending_sum``).
    COUNTING_STATES = (REFUND_STATE_CREATED, REFUND_STATE_TRANSIT, REFUND_STATE_DONE)

    REFUND_SOURCE_BUYER = "buyer"
    REFUND_SOURCE_ADMIN = "admin"
    REFUND_SOURCE_EXTERNAL = "external"
    REFUND_SOURCES = (REFUND_SOURCE_BUYER, REFUND_SOURCE_ADMIN, REFUND_SOURCE_EXTERNAL)

    id: Mapped[IdPK]
    order_id: Mapped[int] = mapped_column(BigId, ForeignKey("orders.id"), index=True)
    local_id: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(190), default=REFUND_STATE_CREATED)
    source: Mapped[str] = mapped_column(String(190))
    amount: Mapped[Decimal]
    payment_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("order_payment.id"), index=True)
    created: Mapped[dt.datetime] = mapped_column(default=utcnow)
    execution_date: Mapped[dt.datetime | None]
    provider: Mapped[str | None] = mapped_column(String(255))
    comment: Mapped[str | None] = mapped_column(Text)
    info: Mapped[dict[str, Any]] = mapped_column(default=dict)

    order: Mapped[Order] = relationship(back_populates="refunds")
    payment: Mapped[OrderPayment | None] = relationship(back_populates="refunds")

    @validates("state")
    def _check_state(self, _key: str, value: str) -> str:
        if value not in self.REFUND_STATES:
            raise ValueError(f"OrderRefund.state must be one of {', '.join(self.REFUND_STATES)}, got {value!r}")
        return value

    @validates("source")
    def _check_source(self, _key: str, value: str) -> str:
        if value not in self.REFUND_SOURCES:
            raise ValueError(f"OrderRefund.source must be one of {', '.join(self.REFUND_SOURCES)}, got {value!r}")
        return value

    @property
    def full_id(self) -> str:
        return f"{self.order.code}-R-{self.local_id}"

    def __repr__(self) -> str:
        return f"<OrderRefund {self.order_id}-R-{self.local_id} {self.state}>"
