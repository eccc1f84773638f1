"""Automatic discounts: "buy N (or for at least X), get P % off" rules applied to a cart."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy import Boolean, CheckConstraint, Column, ForeignKey, Integer, Numeric, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db.base import Base, BigId, IdPK, TenantMixin
from core.models.channels import SalesChannel, limit_channels_table
from core.models.items import check_channels, check_same_event
from core.models.mixins import InitDefaults
from core.services.slugs import ValidationError

if TYPE_CHECKING:
    from core.models.event import Event
    from core.models.items import Item

discount_sales_channels = limit_channels_table("discount_limit_sales_channel", "discount")


def _discount_items_table(name: str) -> Table:
    return Table(
        name,
        Base.metadata,
        Column("discount_id", BigId, ForeignKey("discount.id", ondelete="CASCADE"), primary_key=True),
        Column("item_id", BigId, ForeignKey("item.id", ondelete="CASCADE"), primary_key=True, index=True),
    )


discount_condition_items = _discount_items_table("discount_condition_item")
discount_benefit_items = _discount_items_table("discount_benefit_item")


class Discount(InitDefaults, TenantMixin, Base):
    """An automatic discount of an event, applied in ``(position, id)`` order; see pretix-behaviour.md 2.4.

    Condition: at least ``condition_min_count`` matching positions, or matching positions worth at
    least ``condition_min_value`` (exactly one of both is non-zero). Benefit: the matching (or the
    ``benefit_limit_products``) positions get ``benefit_discount_matching_percent`` off, optionally
    only the cheapest ``benefit_only_apply_to_cheapest_n_matches`` per fulfilled condition.
    """

    __tablename__ = "discount"
    __tenant_parent__ = "event"
    __table_args__ = (
        CheckConstraint(
            "benefit_discount_matching_percent >= 0 AND benefit_discount_matching_percent <= 100",
            name="percent_range",
        ),
        CheckConstraint("condition_min_count >= 0 AND condition_min_value >= 0", name="condition_not_negative"),
    )

    SUBEVENT_MODE_MIXED = "mixed"
    SUBEVENT_MODE_SAME = "same"
    SUBEVENT_MODE_DISTINCT = "distinct"
    SUBEVENT_MODES = (SUBEVENT_MODE_MIXED, SUBEVENT_MODE_SAME, SUBEVENT_MODE_DISTINCT)

    id: Mapped[IdPK]
    event_id: Mapped[int] = mapped_column(BigId, ForeignKey("event.id", ondelete="CASCADE"), index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    internal_name: Mapped[str] = mapped_column(String(255))
    position: Mapped[int] = mapped_column(Integer, default=0)
    all_sales_channels: Mapped[bool] = mapped_column(Boolean, default=True)
    available_from: Mapped[datetime | None]
    available_until: Mapped[datetime | None]
    subevent_mode: Mapped[str] = mapped_column(String(50), default=SUBEVENT_MODE_MIXED)
    subevent_date_from: Mapped[datetime | None]
    subevent_date_until: Mapped[datetime | None]
    condition_all_products: Mapped[bool] = mapped_column(Boolean, default=True)
    condition_apply_to_addons: Mapped[bool] = mapped_column(Boolean, default=True)
    condition_ignore_voucher_discounted: Mapped[bool] = mapped_column(Boolean, default=False)
    condition_min_count: Mapped[int] = mapped_column(Integer, default=0)
    condition_min_value: Mapped[Decimal] = mapped_column(default=Decimal("0.00"))
    benefit_same_products: Mapped[bool] = mapped_column(Boolean, default=True)
    benefit_discount_matching_percent: Mapped[Decimal] = mapped_column(Numeric(10, 2), default=Decimal("0.00"))
    benefit_only_apply_to_cheapest_n_matches: Mapped[int | None] = mapped_column(Integer)
    benefit_apply_to_addons: Mapped[bool] = mapped_column(Boolean, default=True)
    benefit_ignore_voucher_discounted: Mapped[bool] = mapped_column(Boolean, default=False)

    event: Mapped[Event] = relationship()
    limit_sales_channels: Mapped[list[SalesChannel]] = relationship(secondary=discount_sales_channels)
    condition_limit_products: Mapped[list[Item]] = relationship(secondary=discount_condition_items)
    benefit_limit_products: Mapped[list[Item]] = relationship(secondary=discount_benefit_items)

    def is_sold_on(self, channel: SalesChannel) -> bool:
        return self.all_sales_channels or channel in self.limit_sales_channels

    def __repr__(self) -> str:
        return f"<Discount {self.id} {self.internal_name!r}>"


def validate_discount(discount: Discount) -> None:
    """Raise :class:`ValidationError` unless the discount's condition and benefit are a valid combination.

    Exactly one of ``condition_min_count`` / ``condition_min_value`` is set (non-zero); a value
    condition works neither with "cheapest N" nor with ``distinct`` dates; ``distinct`` needs
    ``benefit_same_products``; products belong to the discount's event.
    """
    if not (discount.internal_name or "").strip():
        raise ValidationError("internal_name", "the discount needs an internal name")
    if discount.subevent_mode not in Discount.SUBEVENT_MODES:
        raise ValidationError("subevent_mode", f"subevent_mode must be one of {', '.join(Discount.SUBEVENT_MODES)}")
    min_count = discount.condition_min_count or 0
    min_value = discount.condition_min_value or Decimal("0")
    if min_count < 0 or min_value < 0:
        raise ValidationError("condition_min_count", "the condition must not be negative")
    if (min_count > 0) == (min_value > 0):
        raise ValidationError(
            "condition_min_value", "set exactly one of condition_min_count and condition_min_value"
        )
    cheapest_n = discount.benefit_only_apply_to_cheapest_n_matches
    if cheapest_n is not None and cheapest_n < 1:
        raise ValidationError("benefit_only_apply_to_cheapest_n_matches", "the number of matches must be at least 1")
    if min_value > 0 and cheapest_n:
        raise ValidationError(
            "benefit_only_apply_to_cheapest_n_matches", "a minimum-value condition cannot discount only the cheapest N"
        )
    if min_value > 0 and discount.subevent_mode == Discount.SUBEVENT_MODE_DISTINCT:
        raise ValidationError("subevent_mode", "a minimum-value condition cannot require distinct dates")
    if discount.subevent_mode == Discount.SUBEVENT_MODE_DISTINCT and not discount.benefit_same_products:
        raise ValidationError(
            "benefit_same_products", "distinct dates require the benefit to apply to the same products"
        )
    percent = discount.benefit_discount_matching_percent
    if percent is None or not 0 <= percent <= 100:
        raise ValidationError("benefit_discount_matching_percent", "the discount percentage must be between 0 and 100")
    if discount.available_from and discount.available_until and discount.available_until < discount.available_from:
        raise ValidationError("available_until", "available_until is before available_from")
    check_channels(discount)
    event_id = discount.event_id if discount.event_id is not None else getattr(discount.event, "id", None)
    for field in ("condition_limit_products", "benefit_limit_products"):
        for item in getattr(discount, field):
            check_same_event(event_id, field, item, "product")
