"""Columns shared by cart positions and order positions (pretix's ``AbstractPosition``)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import Boolean, ForeignKey, Numeric, String, Text
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship, validates

from core.db.base import BigId

if TYPE_CHECKING:
    from core.models.discounts import Discount
    from core.models.event import SubEvent
    from core.models.items import Item
    from core.models.variations import ItemVariation
    from core.models.vouchers import Voucher

#: Column type of tax rates: percent with four decimals, like tax rules.
TaxRate = Numeric(10, 4)


def utcnow() -> dt.datetime:
    """The real (not time-machine) current time: creation stamps, ``last_modified``."""
    return dt.datetime.now(dt.UTC)


def cached_name(parts: dict[str, Any] | None) -> str | None:
    """The display form of a name-parts dict: its non-empty parts (keys not starting with ``_``) joined by spaces."""
    if not parts:
        return None
    words = [str(v).strip() for k, v in parts.items() if not k.startswith("_") and v not in (None, "")]
    joined = " ".join(w for w in words if w)
    return joined or None


class AbstractPosition:
    """Mixin of the product, price, attendee and link columns that cart and order positions have in common.

    ``price`` is the gross price including any rounding correction (``price_includes_rounding_correction`` says how
    much of it is correction). ``attendee_name_parts`` holds the parts of the name with a ``_scheme`` key;
    ``attendee_name_cached`` is kept in sync on assignment.
    """

    price_includes_rounding_correction: Mapped[Decimal] = mapped_column(default=Decimal("0.00"))
    price: Mapped[Decimal]
    attendee_name_cached: Mapped[str | None] = mapped_column(String(255))
    attendee_name_parts: Mapped[dict[str, Any]] = mapped_column(default=dict)
    attendee_email: Mapped[str | None] = mapped_column(String(254))
    company: Mapped[str | None] = mapped_column(String(255))
    street: Mapped[str | None] = mapped_column(Text)
    zipcode: Mapped[str | None] = mapped_column(String(30))
    city: Mapped[str | None] = mapped_column(String(255))
    country: Mapped[str | None] = mapped_column(String(2))
    state: Mapped[str | None] = mapped_column(String(255))
    is_bundled: Mapped[bool] = mapped_column(Boolean, default=False)
    meta_info: Mapped[dict[str, Any]] = mapped_column(default=dict)

    @declared_attr
    def item_id(cls) -> Mapped[int]:
        return mapped_column(BigId, ForeignKey("item.id"), index=True)

    @declared_attr
    def variation_id(cls) -> Mapped[int | None]:
        return mapped_column(BigId, ForeignKey("item_variation.id"), index=True)

    @declared_attr
    def subevent_id(cls) -> Mapped[int | None]:
        return mapped_column(BigId, ForeignKey("subevent.id"), index=True)

    @declared_attr
    def voucher_id(cls) -> Mapped[int | None]:
        return mapped_column(BigId, ForeignKey("voucher.id"), index=True)

    @declared_attr
    def discount_id(cls) -> Mapped[int | None]:
        return mapped_column(BigId, ForeignKey("discount.id", ondelete="SET NULL"), index=True)

    @declared_attr
    def item(cls) -> Mapped[Item]:
        return relationship("Item")

    @declared_attr
    def variation(cls) -> Mapped[ItemVariation | None]:
        return relationship("ItemVariation")

    @declared_attr
    def subevent(cls) -> Mapped[SubEvent | None]:
        return relationship("SubEvent")

    @declared_attr
    def voucher(cls) -> Mapped[Voucher | None]:
        return relationship("Voucher")

    @declared_attr
    def discount(cls) -> Mapped[Discount | None]:
        return relationship("Discount")

    @validates("attendee_name_parts")
    def _sync_attendee_name(self, _key: str, parts: dict[str, Any] | None) -> dict[str, Any]:
        self.attendee_name_cached = cached_name(parts)
        return parts or {}

    @property
    def attendee_name(self) -> str | None:
        return self.attendee_name_cached
