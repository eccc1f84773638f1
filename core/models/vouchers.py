"""Vouchers: codes that unlock, discount or reserve products of an event."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from core.db.base import Base, BigId, IdPK, TenantMixin
from core.models.items import check_same_event
from core.models.mixins import InitDefaults
from core.services.slugs import ValidationError

if TYPE_CHECKING:
    from core.models.event import Event, SubEvent
    from core.models.items import Item
    from core.models.quotas import Quota
    from core.models.variations import ItemVariation

CODE_MIN_LENGTH = 5
CODE_MAX_LENGTH = 255


def _utcnow() -> datetime:
    return datetime.now(UTC)


class Voucher(InitDefaults, TenantMixin, Base):
    """A voucher code of an event, usable ``max_usages`` times (``redeemed`` counts the uses so far).

    It applies to one item (optionally one variation), to the items of one quota, or to every
    item when neither is set. ``code`` is stored upper-case and is unique per event.
    """

    __tablename__ = "voucher"
    __tenant_parent__ = "event"
    __table_args__ = (
        UniqueConstraint("event_id", "code"),
        CheckConstraint("redeemed >= 0", name="redeemed_not_negative"),
        CheckConstraint("max_usages >= redeemed", name="max_usages_ge_redeemed"),
        CheckConstraint("max_usages >= min_usages", name="max_usages_ge_min_usages"),
        CheckConstraint("item_id IS NULL OR quota_id IS NULL", name="item_xor_quota"),
        CheckConstraint("budget IS NULL OR budget >= 0", name="budget_not_negative"),
    )

    PRICE_MODE_NONE = "none"
    PRICE_MODE_SET = "set"
    PRICE_MODE_SUBTRACT = "subtract"
    PRICE_MODE_PERCENT = "percent"
    PRICE_MODES = (PRICE_MODE_NONE, PRICE_MODE_SET, PRICE_MODE_SUBTRACT, PRICE_MODE_PERCENT)

    id: Mapped[IdPK]
    event_id: Mapped[int] = mapped_column(BigId, ForeignKey("event.id", ondelete="CASCADE"))
    subevent_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("subevent.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(CODE_MAX_LENGTH))
    max_usages: Mapped[int] = mapped_column(Integer, default=1)
    redeemed: Mapped[int] = mapped_column(Integer, default=0)
    min_usages: Mapped[int] = mapped_column(Integer, default=1)
    budget: Mapped[Decimal | None]
    valid_until: Mapped[datetime | None]
    block_quota: Mapped[bool] = mapped_column(Boolean, default=False)
    allow_ignore_quota: Mapped[bool] = mapped_column(Boolean, default=False)
    price_mode: Mapped[str] = mapped_column(String(20), default=PRICE_MODE_NONE)
    value: Mapped[Decimal | None]
    item_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("item.id", ondelete="SET NULL"), index=True)
    variation_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("item_variation.id", ondelete="SET NULL"), index=True
    )
    quota_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("quota.id", ondelete="SET NULL"), index=True)
    tag: Mapped[str | None] = mapped_column(String(255), index=True)
    comment: Mapped[str | None] = mapped_column(Text)
    show_hidden_items: Mapped[bool] = mapped_column(Boolean, default=True)
    all_addons_included: Mapped[bool] = mapped_column(Boolean, default=False)
    all_bundles_included: Mapped[bool] = mapped_column(Boolean, default=False)
    created: Mapped[datetime] = mapped_column(default=_utcnow)

    event: Mapped[Event] = relationship()
    subevent: Mapped[SubEvent | None] = relationship()
    item: Mapped[Item | None] = relationship()
    variation: Mapped[ItemVariation | None] = relationship()
    quota: Mapped[Quota | None] = relationship()

    @validates("code")
    def _upper_code(self, key: str, value: str) -> str:
        return (value or "").strip().upper()

    def is_expired(self, now: datetime | None = None) -> bool:
        """Whether ``valid_until`` has passed (real time, not the time machine)."""
        return self.valid_until is not None and self.valid_until < (now or datetime.now(UTC))

    @property
    def uses_left(self) -> int:
        return max(self.max_usages - self.redeemed, 0)

    def __repr__(self) -> str:
        return f"<Voucher {self.code}>"


def validate_voucher(voucher: Voucher, event: Event | None = None) -> None:
    """Raise :class:`ValidationError` unless the voucher's code, usages, target, date and price fit together.

    Rules: code of 5+ characters; ``max_usages >= redeemed`` and ``>= min_usages``; item XOR quota;
    a variation needs its item; no add-on-only or bundle-only products; a quota-blocking voucher of
    an event series needs a date; price modes other than ``none`` need a non-negative value
    (``percent`` at most 100). ``event`` defaults to ``voucher.event``.
    """
    event = event if event is not None else voucher.event
    code = voucher.code or ""
    if len(code) < CODE_MIN_LENGTH:
        raise ValidationError("code", f"the voucher code must have at least {CODE_MIN_LENGTH} characters")
    if any(ch.isspace() for ch in code):
        raise ValidationError("code", "the voucher code must not contain spaces")
    _validate_usages(voucher)
    _validate_target(voucher, event)
    _validate_price(voucher)


def _validate_usages(voucher: Voucher) -> None:
    if voucher.min_usages is not None and voucher.min_usages < 1:
        raise ValidationError("min_usages", "min_usages must be at least 1")
    if voucher.max_usages < (voucher.redeemed or 0):
        raise ValidationError(
            "max_usages", f"the voucher has already been redeemed {voucher.redeemed} times: max_usages cannot be lower"
        )
    if voucher.max_usages < (voucher.min_usages or 1):
        raise ValidationError("max_usages", "max_usages must not be lower than min_usages")
    if voucher.budget is not None and voucher.budget < 0:
        raise ValidationError("budget", "the budget must not be negative")


def _validate_target(voucher: Voucher, event: Event) -> None:
    item, variation, quota = voucher.item, voucher.variation, voucher.quota
    if item is not None and quota is not None:
        raise ValidationError("quota", "a voucher applies to a product or to a quota, not both")
    if variation is not None and item is None:
        raise ValidationError("variation", "a voucher for a variation must name its product too")
    if variation is not None and variation.item is not item:
        raise ValidationError("variation", "the variation does not belong to the voucher's product")
    check_same_event(event.id, "item", item, "product")
    check_same_event(event.id, "quota", quota, "quota")
    check_same_event(event.id, "subevent", voucher.subevent, "date")
    if item is not None and item.is_addon_only:
        raise ValidationError("item", "vouchers cannot be bound to products that are only sold as add-ons")
    if item is not None and item.require_bundling:
        raise ValidationError("item", "vouchers cannot be bound to products that are only sold in bundles")
    if voucher.subevent is not None and not event.has_subevents:
        raise ValidationError("subevent", "this event is not a series: a voucher cannot name a date")
    if event.has_subevents and voucher.block_quota and voucher.subevent is None:
        raise ValidationError("block_quota", "a voucher that blocks quota in an event series must name a date")
    if quota is not None and voucher.subevent is not None and quota.subevent is not voucher.subevent:
        raise ValidationError("quota", "the quota belongs to another date than the voucher")


def _validate_price(voucher: Voucher) -> None:
    if voucher.price_mode not in Voucher.PRICE_MODES:
        raise ValidationError("price_mode", f"price_mode must be one of {', '.join(Voucher.PRICE_MODES)}")
    if voucher.price_mode == Voucher.PRICE_MODE_NONE:
        return
    if voucher.value is None or voucher.value < 0:
        raise ValidationError("value", f"price mode {voucher.price_mode!r} needs a value of 0 or more")
    if voucher.price_mode == Voucher.PRICE_MODE_PERCENT and voucher.value > 100:
        raise ValidationError("value", "a percentage discount cannot exceed 100")
