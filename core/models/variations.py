"""Item variations (sizes, ticket classes, ...): an item sold in several variants with their own price."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db.base import Base, BigId, IdPK, TenantMixin
from core.i18n import I18nString, TranslatedJSON
from core.models.channels import SalesChannel, limit_channels_table
from core.models.items import AVAILABILITY_MODE_HIDE, AVAILABILITY_MODES, Item, check_channels, check_mode
from core.models.mixins import InitDefaults
from core.services.slugs import ValidationError

if TYPE_CHECKING:
    from core.models.meta import ItemVariationMetaValue
    from core.models.quotas import Quota

item_variation_sales_channels = limit_channels_table("item_variation_limit_sales_channel", "item_variation")


class ItemVariation(InitDefaults, TenantMixin, Base):
    """One variant of an item; ``default_price`` None means "the item's price"."""

    __tablename__ = "item_variation"
    __tenant_parent__ = "item"

    id: Mapped[IdPK]
    item_id: Mapped[int] = mapped_column(BigId, ForeignKey("item.id", ondelete="CASCADE"), index=True)
    value: Mapped[I18nString] = mapped_column(TranslatedJSON)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    description: Mapped[I18nString | None] = mapped_column(TranslatedJSON)
    position: Mapped[int] = mapped_column(Integer, default=0)
    default_price: Mapped[Decimal | None]
    original_price: Mapped[Decimal | None]
    free_price_suggestion: Mapped[Decimal | None]
    require_approval: Mapped[bool] = mapped_column(Boolean, default=False)
    available_from: Mapped[datetime | None]
    available_from_mode: Mapped[str] = mapped_column(String(16), default=AVAILABILITY_MODE_HIDE)
    available_until: Mapped[datetime | None]
    available_until_mode: Mapped[str] = mapped_column(String(16), default=AVAILABILITY_MODE_HIDE)
    all_sales_channels: Mapped[bool] = mapped_column(Boolean, default=True)
    hide_without_voucher: Mapped[bool] = mapped_column(Boolean, default=False)
    checkin_attention: Mapped[bool] = mapped_column(Boolean, default=False)
    checkin_text: Mapped[str | None] = mapped_column(Text)

    item: Mapped[Item] = relationship(back_populates="variations")
    limit_sales_channels: Mapped[list[SalesChannel]] = relationship(secondary=item_variation_sales_channels)
    meta_values: Mapped[list[ItemVariationMetaValue]] = relationship(
        back_populates="variation", cascade="all, delete-orphan"
    )
    quotas: Mapped[list[Quota]] = relationship(secondary="quota_variation", back_populates="variations")

    @property
    def price(self) -> Decimal:
        """The listed price before sub-event overrides: the variation's own price, else the item's."""
        return self.default_price if self.default_price is not None else self.item.default_price

    def is_sold_on(self, channel: SalesChannel) -> bool:
        return self.all_sales_channels or channel in self.limit_sales_channels

    def __repr__(self) -> str:
        return f"<ItemVariation {self.id} {self.value}>"


def validate_variation(variation: ItemVariation) -> None:
    """Raise :class:`ValidationError` unless the variation has a value, sane prices and valid modes."""
    if not I18nString(variation.value):
        raise ValidationError("value", "the variation needs a name")
    if variation.default_price is not None and variation.default_price < 0:
        raise ValidationError("default_price", "the price must not be negative")
    for field in ("available_from_mode", "available_until_mode"):
        check_mode(field, getattr(variation, field), AVAILABILITY_MODES)
    if variation.available_from and variation.available_until and variation.available_until < variation.available_from:
        raise ValidationError("available_until", "available_until is before available_from")
    check_channels(variation)
