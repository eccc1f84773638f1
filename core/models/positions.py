"""Order positions (tickets and other products of an order) and order fees."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import Boolean, ForeignKey, Integer, String, UniqueConstraint, event, update
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship, validates
from sqlalchemy.orm.util import identity_key

from core.db.base import Base, BigId, IdPK, TenantMixin
from core.models import tokens
from core.models.orders import Order
from core.models.position_base import AbstractPosition, TaxRate, utcnow

if TYPE_CHECKING:
    from core.models.answers import QuestionAnswer
    from core.models.tax import TaxRule


_UNLOADED_TOUCH = "ticketry.touch_orders"


class TaxColumns:
    """Tax columns of positions and fees: rate, rule, code, tax amount and its share of rounding correction."""

    tax_rate: Mapped[Decimal] = mapped_column(TaxRate, default=Decimal("0"))
    tax_code: Mapped[str | None] = mapped_column(String(190))
    tax_value: Mapped[Decimal] = mapped_column(default=Decimal("0.00"))
    tax_value_includes_rounding_correction: Mapped[Decimal] = mapped_column(default=Decimal("0.00"))


class OrderPosition(TaxColumns, AbstractPosition, TenantMixin, Base):
    """One product of an order; with an admission product, one ticket.

    ``positionid`` numbers the positions 1..n within the order. ``secret`` is the ticket code (unique per
    organizer), ``web_secret`` protects the position's own link, ``pseudonymization_id`` (globally unique) is what
    lead scanning shows instead of personal data. Canceled positions stay (``canceled``); :attr:`Order.positions`
    lists the active ones. ``blocked`` is ``None`` or a non-empty list of block reasons (an empty list becomes
    ``None``).
    """

    __tablename__ = "order_position"
    __tenant_parent__ = "order"
    __table_args__ = (
        UniqueConstraint("organizer_id", "secret"),
        UniqueConstraint("order_id", "positionid"),
    )

    id: Mapped[IdPK]
    order_id: Mapped[int] = mapped_column(BigId, ForeignKey("orders.id"), index=True)
    positionid: Mapped[int] = mapped_column(Integer)
    voucher_budget_use: Mapped[Decimal | None]
    tax_rule_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("tax_rule.id"), index=True)
    secret: Mapped[str] = mapped_column(String(255), default=tokens.ticket_secret, index=True)
    web_secret: Mapped[str] = mapped_column(String(32), default=tokens.web_secret)
    pseudonymization_id: Mapped[str] = mapped_column(String(16), default=tokens.pseudonymization_id, unique=True)
    canceled: Mapped[bool] = mapped_column(Boolean, default=False)
    blocked: Mapped[list[Any] | None]
    ignore_from_quota_while_blocked: Mapped[bool] = mapped_column(Boolean, default=False)
    valid_from: Mapped[dt.datetime | None]
    valid_until: Mapped[dt.datetime | None]
    addon_to_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("order_position.id"), index=True)

    order: Mapped[Order] = relationship(back_populates="all_positions")
    tax_rule: Mapped[TaxRule | None] = relationship("TaxRule")
    addon_to: Mapped[OrderPosition | None] = relationship(remote_side="OrderPosition.id", back_populates="addons")
    addons: Mapped[list[OrderPosition]] = relationship(back_populates="addon_to", order_by="OrderPosition.positionid")
    answers: Mapped[list[QuestionAnswer]] = relationship(back_populates="orderposition", passive_deletes=True)

    @validates("blocked")
    def _normalise_blocked(self, _key: str, value: list[str] | None) -> list[str] | None:
        if value is None:
            return None
        if not isinstance(value, list | tuple) or not all(isinstance(v, str) and v for v in value):
            raise ValueError(f"OrderPosition.blocked must be None or a list of non-empty strings, got {value!r}")
        return list(value) or None

    @property
    def net_price(self) -> Decimal:
        return self.price - self.tax_value

    @property
    def is_blocked(self) -> bool:
        return bool(self.blocked)

    def __repr__(self) -> str:
        return f"<OrderPosition {self.order_id}-{self.positionid}>"


class OrderFee(TaxColumns, TenantMixin, Base):
    """A fee of an order (payment, shipping, service, cancellation, ...); canceled fees stay with ``canceled``.

    ``value`` is gross and includes ``value_includes_rounding_correction``. ``internal_type`` distinguishes fees
    of one ``fee_type`` (e.g. the payment provider a payment fee belongs to).
    """

    __tablename__ = "order_fee"
    __tenant_parent__ = "order"

    FEE_TYPE_PAYMENT = "payment"
    FEE_TYPE_SHIPPING = "shipping"
    FEE_TYPE_SERVICE = "service"
    FEE_TYPE_CANCELLATION = "cancellation"
    FEE_TYPE_INSURANCE = "insurance"
    FEE_TYPE_LATE = "late"
    FEE_TYPE_OTHER = "other"
    FEE_TYPE_GIFTCARD = "giftcard"
    FEE_TYPES = (
        FEE_TYPE_PAYMENT, FEE_TYPE_SHIPPING, FEE_TYPE_SERVICE, FEE_TYPE_CANCELLATION, FEE_TYPE_INSURANCE,
        FEE_TYPE_LATE, FEE_TYPE_OTHER, FEE_TYPE_GIFTCARD,
    )

    id: Mapped[IdPK]
    order_id: Mapped[int] = mapped_column(BigId, ForeignKey("orders.id"), index=True)
    fee_type: Mapped[str] = mapped_column(String(100))
    value: Mapped[Decimal]
    value_includes_rounding_correction: Mapped[Decimal] = mapped_column(default=Decimal("0.00"))
    description: Mapped[str | None] = mapped_column(String(190))
    internal_type: Mapped[str] = mapped_column(String(255), default="")
    tax_rule_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("tax_rule.id"), index=True)
    canceled: Mapped[bool] = mapped_column(Boolean, default=False)

    order: Mapped[Order] = relationship(back_populates="all_fees")
    tax_rule: Mapped[TaxRule | None] = relationship("TaxRule")

    @validates("fee_type")
    def _check_fee_type(self, _key: str, value: str) -> str:
        if value not in self.FEE_TYPES:
            raise ValueError(f"OrderFee.fee_type must be one of {', '.join(self.FEE_TYPES)}, got {value!r}")
        return value

    @property
    def net_value(self) -> Decimal:
        return self.value - self.tax_value

    def __repr__(self) -> str:
        return f"<OrderFee {self.fee_type} {self.value}>"


def _order_of(session: Session, obj: OrderPosition | OrderFee) -> Order | int | None:
    """The loaded order of ``obj`` or, if it is not in the session, its id."""
    order = obj.__dict__.get("order")
    if order is not None:
        return order
    if obj.order_id is None:
        return None
    return session.identity_map.get(identity_key(Order, obj.order_id)) or obj.order_id


@event.listens_for(Session, "before_flush")
def _touch_orders(session: Session, _context: Any, _instances: Any) -> None:
    """Move ``Order.last_modified`` whenever one of its positions or fees is added, changed or deleted."""
    unloaded: set[int] = set()
    changed = [o for o in session.dirty if session.is_modified(o, include_collections=False)]
    for obj in (*session.new, *changed, *session.deleted):
        if not isinstance(obj, OrderPosition | OrderFee):
            continue
        order = _order_of(session, obj)
        if isinstance(order, int):
            unloaded.add(order)
        elif order is not None:
            order.touch()
    if unloaded:
        session.info.setdefault(_UNLOADED_TOUCH, set()).update(unloaded)


@event.listens_for(Session, "after_flush")
def _touch_unloaded_orders(session: Session, _context: Any) -> None:
    ids = session.info.pop(_UNLOADED_TOUCH, None)
    if ids:
        table = Order.__table__
        session.connection().execute(update(table).where(table.c.id.in_(ids)).values(last_modified=utcnow()))
