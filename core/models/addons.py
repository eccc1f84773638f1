"""Add-ons (products offered with a base product from an add-on category) and bundles (products sold inside one)."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Integer, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db.base import Base, BigId, IdPK, TenantMixin
from core.models.items import check_same_event
from core.models.mixins import InitDefaults
from core.services.slugs import ValidationError

if TYPE_CHECKING:
    from core.models.items import Item, ItemCategory
    from core.models.variations import ItemVariation


class ItemAddOn(InitDefaults, TenantMixin, Base):
    """Buyers of ``base_item`` may (or must, ``min_count``) choose ``min_count..max_count`` products of a category."""

    __tablename__ = "item_addon"
    __tenant_parent__ = "base_item"
    __table_args__ = (
        UniqueConstraint("base_item_id", "addon_category_id"),
        CheckConstraint("min_count >= 0 AND min_count <= max_count", name="count_range"),
    )

    id: Mapped[IdPK]
    base_item_id: Mapped[int] = mapped_column(BigId, ForeignKey("item.id", ondelete="CASCADE"))
    addon_category_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("item_category.id", ondelete="CASCADE"), index=True
    )
    min_count: Mapped[int] = mapped_column(Integer, default=0)
    max_count: Mapped[int] = mapped_column(Integer, default=1)
    price_included: Mapped[bool] = mapped_column(Boolean, default=False)
    multi_allowed: Mapped[bool] = mapped_column(Boolean, default=False)
    position: Mapped[int] = mapped_column(Integer, default=0)

    base_item: Mapped[Item] = relationship(back_populates="addons", foreign_keys=[base_item_id])
    addon_category: Mapped[ItemCategory] = relationship()


class ItemBundle(InitDefaults, TenantMixin, Base):
    """``count`` units of ``bundled_item`` (and ``bundled_variation``) come with every unit of ``base_item``.

    ``designated_price`` (gross, per unit) is carved out of the base item's price.
    """

    __tablename__ = "item_bundle"
    __tenant_parent__ = "base_item"
    __table_args__ = (
        CheckConstraint("count >= 1", name="count_positive"),
        CheckConstraint("designated_price >= 0", name="price_not_negative"),
    )

    id: Mapped[IdPK]
    base_item_id: Mapped[int] = mapped_column(BigId, ForeignKey("item.id", ondelete="CASCADE"), index=True)
    bundled_item_id: Mapped[int] = mapped_column(BigId, ForeignKey("item.id", ondelete="CASCADE"), index=True)
    bundled_variation_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("item_variation.id", ondelete="CASCADE")
    )
    count: Mapped[int] = mapped_column(Integer, default=1)
    designated_price: Mapped[Decimal] = mapped_column(default=Decimal("0.00"))

    base_item: Mapped[Item] = relationship(back_populates="bundles", foreign_keys=[base_item_id])
    bundled_item: Mapped[Item] = relationship(foreign_keys=[bundled_item_id])
    bundled_variation: Mapped[ItemVariation | None] = relationship()


def validate_addon(addon: ItemAddOn) -> None:
    """Raise :class:`ValidationError` unless the category is of the same event and the counts are ordered."""
    if addon.addon_category is None:
        raise ValidationError("addon_category", "an add-on needs a category")
    check_same_event(addon.base_item.event_id, "addon_category", addon.addon_category, "category")
    if addon.min_count < 0 or addon.max_count < addon.min_count:
        raise ValidationError("min_count", "min_count must be between 0 and max_count")


def validate_bundle(bundle: ItemBundle) -> None:
    """Raise :class:`ValidationError` unless the bundled product is another product of the same event,
    the variation belongs to it (and is given when it has variations), and count and price are sane."""
    bundled = bundle.bundled_item
    if bundled is None:
        raise ValidationError("bundled_item", "a bundle needs a bundled product")
    if bundled is bundle.base_item:
        raise ValidationError("bundled_item", "a product cannot be bundled with itself")
    check_same_event(bundle.base_item.event_id, "bundled_item", bundled, "bundled product")
    variation = bundle.bundled_variation
    if variation is not None and variation.item is not bundled:
        raise ValidationError("bundled_variation", "the variation does not belong to the bundled product")
    if variation is None and bundled.has_variations:
        raise ValidationError("bundled_variation", "the bundled product has variations: choose one")
    if bundle.count < 1:
        raise ValidationError("count", "a bundle contains at least one unit")
    if bundle.designated_price is not None and bundle.designated_price < 0:
        raise ValidationError("designated_price", "the designated price must not be negative")
