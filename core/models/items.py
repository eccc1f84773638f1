"""Products: categories and items (the things a buyer puts in the cart)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy import Boolean, CheckConstraint, Column, ForeignKey, Index, Integer, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from core.db.base import Base, BigId, IdPK, TenantMixin
from core.i18n import I18nString, TranslatedJSON
from core.models.channels import SalesChannel, limit_channels_table
from core.models.mixins import InitDefaults, organizer_of
from core.services.slugs import ValidationError

if TYPE_CHECKING:
    from core.models.addons import ItemAddOn, ItemBundle
    from core.models.event import Event
    from core.models.meta import ItemMetaValue
    from core.models.quotas import Quota
    from core.models.tax import TaxRule
    from core.models.variations import ItemVariation

item_sales_channels = limit_channels_table("item_limit_sales_channel", "item")

category_cross_selling_items = Table(
    "item_category_cross_selling_item",
    Base.metadata,
    Column("item_category_id", BigId, ForeignKey("item_category.id", ondelete="CASCADE"), primary_key=True),
    Column("item_id", BigId, ForeignKey("item.id", ondelete="CASCADE"), primary_key=True, index=True),
)

#: ``available_from_mode`` / ``available_until_mode`` / ``hidden_if_item_available_mode`` values.
AVAILABILITY_MODE_HIDE = "hide"
AVAILABILITY_MODE_INFO = "info"
AVAILABILITY_MODES = (AVAILABILITY_MODE_HIDE, AVAILABILITY_MODE_INFO)


class ItemCategory(InitDefaults, TenantMixin, Base):
    """A group of items shown together; items of an ``is_addon`` category are sold only as add-ons."""

    __tablename__ = "item_category"
    __tenant_parent__ = "event"

    CROSS_SELLING_BOTH = "both"
    CROSS_SELLING_ONLY = "only"
    CROSS_SELLING_MODES = (None, CROSS_SELLING_BOTH, CROSS_SELLING_ONLY)
    CROSS_SELLING_CONDITION_ALWAYS = "always"
    CROSS_SELLING_CONDITION_DISCOUNTS = "discounts"
    CROSS_SELLING_CONDITION_PRODUCTS = "products"
    CROSS_SELLING_CONDITIONS = (
        None, CROSS_SELLING_CONDITION_ALWAYS, CROSS_SELLING_CONDITION_DISCOUNTS, CROSS_SELLING_CONDITION_PRODUCTS,
    )

    id: Mapped[IdPK]
    event_id: Mapped[int] = mapped_column(BigId, ForeignKey("event.id", ondelete="CASCADE"), index=True)
    name: Mapped[I18nString] = mapped_column(TranslatedJSON)
    internal_name: Mapped[str | None] = mapped_column(String(255))
    description: Mapped[I18nString | None] = mapped_column(TranslatedJSON)
    position: Mapped[int] = mapped_column(Integer, default=0)
    is_addon: Mapped[bool] = mapped_column(Boolean, default=False)
    cross_selling_mode: Mapped[str | None] = mapped_column(String(5))
    cross_selling_condition: Mapped[str | None] = mapped_column(String(10))

    event: Mapped[Event] = relationship()
    items: Mapped[list[Item]] = relationship(back_populates="category", foreign_keys="Item.category_id")
    cross_selling_match_products: Mapped[list[Item]] = relationship(secondary=category_cross_selling_items)

    def __repr__(self) -> str:
        return f"<ItemCategory {self.id}>"


class Item(InitDefaults, TenantMixin, Base):
    """A product of an event. See pretix-behaviour.md 1.3 "Item details" for the meaning of each field.

    ``hide_without_voucher`` implies ``require_voucher`` (setting it sets both). A ``None`` in
    ``generate_tickets`` / ``show_quota_left`` means "use the event setting".
    """

    __tablename__ = "item"
    __tenant_parent__ = "event"
    __table_args__ = (
        CheckConstraint(
            "min_per_order IS NULL OR max_per_order IS NULL OR min_per_order <= max_per_order", name="min_le_max"
        ),
        CheckConstraint("default_price >= 0", name="price_not_negative"),
        Index("ix_item_event_position", "event_id", "position"),
    )

    VALIDITY_MODE_FIXED = "fixed"
    VALIDITY_MODE_DYNAMIC = "dynamic"
    VALIDITY_MODES = (None, VALIDITY_MODE_FIXED, VALIDITY_MODE_DYNAMIC)

    id: Mapped[IdPK]
    event_id: Mapped[int] = mapped_column(BigId, ForeignKey("event.id", ondelete="CASCADE"))
    category_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("item_category.id", ondelete="SET NULL"), index=True
    )
    name: Mapped[I18nString] = mapped_column(TranslatedJSON)
    internal_name: Mapped[str | None] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    description: Mapped[I18nString | None] = mapped_column(TranslatedJSON)
    position: Mapped[int] = mapped_column(Integer, default=0)
    picture: Mapped[str | None] = mapped_column(String(255))

    default_price: Mapped[Decimal] = mapped_column(default=Decimal("0.00"))
    free_price: Mapped[bool] = mapped_column(Boolean, default=False)
    free_price_suggestion: Mapped[Decimal | None]
    original_price: Mapped[Decimal | None]
    tax_rule_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("tax_rule.id"), index=True)

    admission: Mapped[bool] = mapped_column(Boolean, default=False)
    personalized: Mapped[bool] = mapped_column(Boolean, default=True)
    generate_tickets: Mapped[bool | None] = mapped_column(Boolean)
    allow_waitinglist: Mapped[bool] = mapped_column(Boolean, default=True)
    show_quota_left: Mapped[bool | None] = mapped_column(Boolean)

    available_from: Mapped[datetime | None]
    available_from_mode: Mapped[str] = mapped_column(String(16), default=AVAILABILITY_MODE_HIDE)
    available_until: Mapped[datetime | None]
    available_until_mode: Mapped[str] = mapped_column(String(16), default=AVAILABILITY_MODE_HIDE)
    hidden_if_available_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("quota.id", ondelete="SET NULL"))
    hidden_if_item_available_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("item.id", ondelete="SET NULL")
    )
    hidden_if_item_available_mode: Mapped[str] = mapped_column(String(16), default=AVAILABILITY_MODE_HIDE)

    require_voucher: Mapped[bool] = mapped_column(Boolean, default=False)
    hide_without_voucher: Mapped[bool] = mapped_column(Boolean, default=False)
    require_approval: Mapped[bool] = mapped_column(Boolean, default=False)
    require_bundling: Mapped[bool] = mapped_column(Boolean, default=False)
    allow_cancel: Mapped[bool] = mapped_column(Boolean, default=True)
    min_per_order: Mapped[int | None] = mapped_column(Integer)
    max_per_order: Mapped[int | None] = mapped_column(Integer)
    checkin_attention: Mapped[bool] = mapped_column(Boolean, default=False)
    checkin_text: Mapped[str | None] = mapped_column(Text)
    all_sales_channels: Mapped[bool] = mapped_column(Boolean, default=True)

    validity_mode: Mapped[str | None] = mapped_column(String(16))
    validity_fixed_from: Mapped[datetime | None]
    validity_fixed_until: Mapped[datetime | None]
    validity_dynamic_duration_minutes: Mapped[int | None] = mapped_column(Integer)
    validity_dynamic_duration_hours: Mapped[int | None] = mapped_column(Integer)
    validity_dynamic_duration_days: Mapped[int | None] = mapped_column(Integer)
    validity_dynamic_duration_months: Mapped[int | None] = mapped_column(Integer)
    validity_dynamic_start_choice: Mapped[bool] = mapped_column(Boolean, default=False)
    validity_dynamic_start_choice_day_limit: Mapped[int | None] = mapped_column(Integer)

    event: Mapped[Event] = relationship()
    category: Mapped[ItemCategory | None] = relationship(back_populates="items", foreign_keys=[category_id])
    tax_rule: Mapped[TaxRule | None] = relationship()
    limit_sales_channels: Mapped[list[SalesChannel]] = relationship(secondary=item_sales_channels)
    hidden_if_available: Mapped[Quota | None] = relationship(foreign_keys=[hidden_if_available_id])
    hidden_if_item_available: Mapped[Item | None] = relationship(
        remote_side="Item.id", foreign_keys=[hidden_if_item_available_id]
    )
    variations: Mapped[list[ItemVariation]] = relationship(
        back_populates="item", cascade="all, delete-orphan", order_by="(ItemVariation.position, ItemVariation.id)"
    )
    addons: Mapped[list[ItemAddOn]] = relationship(
        back_populates="base_item", cascade="all, delete-orphan", foreign_keys="ItemAddOn.base_item_id",
        order_by="(ItemAddOn.position, ItemAddOn.id)",
    )
    bundles: Mapped[list[ItemBundle]] = relationship(
        back_populates="base_item", cascade="all, delete-orphan", foreign_keys="ItemBundle.base_item_id"
    )
    meta_values: Mapped[list[ItemMetaValue]] = relationship(back_populates="item", cascade="all, delete-orphan")
    quotas: Mapped[list[Quota]] = relationship(secondary="quota_item", back_populates="items")

    @validates("hide_without_voucher")
    def _hide_implies_require(self, key: str, value: bool) -> bool:
        if value:
            self.require_voucher = True
        return value

    @property
    def has_variations(self) -> bool:
        return bool(self.variations)

    @property
    def is_addon_only(self) -> bool:
        """Sold only as an add-on (its category is an add-on category)."""
        return self.category is not None and self.category.is_addon

    def is_sold_on(self, channel: SalesChannel) -> bool:
        return self.all_sales_channels or channel in self.limit_sales_channels

    def __repr__(self) -> str:
        return f"<Item {self.id} {self.name}>"


def check_same_event(owner_event_id: int | None, field: str, other: object | None, what: str) -> None:
    """Raise :class:`ValidationError` on ``field`` if ``other`` (a catalogue row) belongs to another event."""
    other_event = getattr(other, "event_id", None)
    if other is not None and owner_event_id is not None and other_event is not None and other_event != owner_event_id:
        raise ValidationError(field, f"the {what} belongs to another event")


def check_mode(field: str, value: str | None, allowed: tuple[str | None, ...]) -> None:
    if value not in allowed:
        raise ValidationError(field, f"{field} must be one of {', '.join(repr(a) for a in allowed)}, got {value!r}")


def validate_category(category: ItemCategory) -> None:
    """Raise :class:`ValidationError` unless name and cross-selling settings are valid."""
    if not I18nString(category.name):
        raise ValidationError("name", "the category needs a name")
    check_mode("cross_selling_mode", category.cross_selling_mode, ItemCategory.CROSS_SELLING_MODES)
    check_mode("cross_selling_condition", category.cross_selling_condition, ItemCategory.CROSS_SELLING_CONDITIONS)
    if category.is_addon and category.cross_selling_mode is not None:
        raise ValidationError("cross_selling_mode", "add-on categories cannot be used for cross-selling")
    event_id = category.event_id if category.event_id is not None else getattr(category.event, "id", None)
    for item in category.cross_selling_match_products:
        check_same_event(event_id, "cross_selling_match_products", item, "product")


def check_channels(owner: object) -> None:
    """Raise :class:`ValidationError` if ``owner.limit_sales_channels`` holds a channel of another organizer
    (the owner's organizer is found with :func:`organizer_of`)."""
    organizer_id = organizer_of(owner)
    for channel in getattr(owner, "limit_sales_channels", ()):
        if organizer_id is not None and channel.organizer_id not in (None, organizer_id):
            raise ValidationError("limit_sales_channels", f"sales channel {channel.identifier!r} is not yours")


def _event_id(item: Item) -> int | None:
    return item.event_id if item.event_id is not None else getattr(item.event, "id", None)


def validate_item(item: Item) -> None:
    """Raise :class:`ValidationError` unless the item's references, limits, modes and validity are consistent."""
    if not I18nString(item.name):
        raise ValidationError("name", "the product needs a name")
    event_id = _event_id(item)
    check_same_event(event_id, "category", item.category, "category")
    check_same_event(event_id, "tax_rule", item.tax_rule, "tax rule")
    check_same_event(event_id, "hidden_if_available", item.hidden_if_available, "quota")
    check_same_event(event_id, "hidden_if_item_available", item.hidden_if_item_available, "product")
    if item.hidden_if_item_available is not None and item.hidden_if_item_available is item:
        raise ValidationError("hidden_if_item_available", "a product cannot depend on its own availability")
    if item.default_price is not None and item.default_price < 0:
        raise ValidationError("default_price", "the price must not be negative")
    for field in ("min_per_order", "max_per_order"):
        value = getattr(item, field)
        if value is not None and value < 0:
            raise ValidationError(field, f"{field} must not be negative")
    if item.min_per_order is not None and item.max_per_order is not None and item.min_per_order > item.max_per_order:
        raise ValidationError("min_per_order", "the minimum per order is larger than the maximum per order")
    if item.hide_without_voucher and not item.require_voucher:
        raise ValidationError("require_voucher", "a product hidden without voucher must require a voucher")
    for field in ("available_from_mode", "available_until_mode", "hidden_if_item_available_mode"):
        check_mode(field, getattr(item, field), AVAILABILITY_MODES)
    if item.available_from and item.available_until and item.available_until < item.available_from:
        raise ValidationError("available_until", "available_until is before available_from")
    check_channels(item)
    _validate_validity(item)


def _validate_validity(item: Item) -> None:
    check_mode("validity_mode", item.validity_mode, Item.VALIDITY_MODES)
    if item.validity_mode == Item.VALIDITY_MODE_FIXED:
        start, end = item.validity_fixed_from, item.validity_fixed_until
        if start and end and end < start:
            raise ValidationError("validity_fixed_until", "validity_fixed_until is before validity_fixed_from")
    durations = [
        getattr(item, f"validity_dynamic_duration_{unit}") for unit in ("minutes", "hours", "days", "months")
    ]
    if any(d is not None and d < 0 for d in durations):
        raise ValidationError("validity_dynamic_duration_days", "validity durations must not be negative")
    if item.validity_mode == Item.VALIDITY_MODE_DYNAMIC and not any(durations):
        raise ValidationError("validity_dynamic_duration_days", "dynamic validity needs a duration")
