"""Cart positions: products a buyer holds for a limited time before placing the order."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy import Boolean, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db.base import Base, BigId, IdPK, TenantMixin
from core.models.position_base import AbstractPosition, TaxRate, utcnow

if TYPE_CHECKING:
    from core.models.answers import QuestionAnswer
    from core.models.event import Event

#: Carts created through the API have ids ending in this suffix.
API_CART_SUFFIX = "@api"


class CartPosition(AbstractPosition, TenantMixin, Base):
    """One product in a cart, reserved until ``expires`` (real time).

    ``listed_price`` is the catalogue price, ``price_after_voucher`` the price once the voucher applied,
    ``custom_price_input`` (net if ``custom_price_input_is_net``) what the buyer typed for a free-price product,
    ``line_price_gross`` the gross line price before discounts and ``price`` the final gross price. ``max_extend``
    caps how far a cart may be extended; ``requested_valid_from`` is the start the buyer chose for tickets with a
    selectable validity.
    """

    __tablename__ = "cart_position"
    __table_args__ = (
        Index("ix_cart_position_event_expires", "event_id", "expires"),
        Index("ix_cart_position_voucher_expires", "voucher_id", "expires"),
    )
    __tenant_parent__ = "event"

    id: Mapped[IdPK]
    event_id: Mapped[int] = mapped_column(BigId, ForeignKey("event.id", ondelete="CASCADE"), index=True)
    cart_id: Mapped[str] = mapped_column(String(255), index=True)
    datetime: Mapped[dt.datetime] = mapped_column(default=utcnow)
    expires: Mapped[dt.datetime] = mapped_column(index=True)
    max_extend: Mapped[dt.datetime | None]
    listed_price: Mapped[Decimal | None]
    price_after_voucher: Mapped[Decimal | None]
    custom_price_input: Mapped[Decimal | None]
    custom_price_input_is_net: Mapped[bool] = mapped_column(Boolean, default=False)
    line_price_gross: Mapped[Decimal | None]
    tax_rate: Mapped[Decimal] = mapped_column(TaxRate, default=Decimal("0"))
    tax_code: Mapped[str | None] = mapped_column(String(190))
    tax_value_includes_rounding_correction: Mapped[Decimal] = mapped_column(default=Decimal("0.00"))
    requested_valid_from: Mapped[dt.datetime | None]
    addon_to_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("cart_position.id", ondelete="CASCADE"), index=True
    )

    event: Mapped[Event] = relationship()
    addon_to: Mapped[CartPosition | None] = relationship(remote_side="CartPosition.id", back_populates="addons")
    addons: Mapped[list[CartPosition]] = relationship(back_populates="addon_to", passive_deletes=True)
    answers: Mapped[list[QuestionAnswer]] = relationship(back_populates="cartposition", passive_deletes=True)

    @property
    def is_api_cart(self) -> bool:
        return self.cart_id.endswith(API_CART_SUFFIX)

    def __repr__(self) -> str:
        return f"<CartPosition {self.id} cart={self.cart_id!r} item={self.item_id}>"
