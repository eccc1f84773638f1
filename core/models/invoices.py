"""Invoice addresses of orders, invoices and their lines. Invoices are legal documents and are never deleted."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import Boolean, Date, ForeignKey, Integer, Numeric, String, Text, UniqueConstraint, event
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship, validates

from core.db.base import Base, BigId, IdPK, TenantMixin
from core.models.position_base import TaxRate, cached_name, utcnow

if TYPE_CHECKING:
    from core.models.event import Event, SubEvent
    from core.models.items import Item
    from core.models.orders import Order
    from core.models.variations import ItemVariation


class InvoiceDeletionError(RuntimeError):
    """Code tried to delete an invoice; issue a cancellation invoice instead."""


class InvoiceAddress(TenantMixin, Base):
    """The billing address of an order (at most one per order)."""

    __tablename__ = "invoice_address"
    __tenant_parent__ = "order"

    TRANSMISSION_EMAIL = "email"

    id: Mapped[IdPK]
    order_id: Mapped[int] = mapped_column(BigId, ForeignKey("orders.id", ondelete="CASCADE"), unique=True)
    last_modified: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    is_business: Mapped[bool] = mapped_column(Boolean, default=False)
    company: Mapped[str | None] = mapped_column(String(255))
    name_cached: Mapped[str | None] = mapped_column(String(255))
    name_parts: Mapped[dict[str, Any]] = mapped_column(default=dict)
    street: Mapped[str | None] = mapped_column(Text)
    zipcode: Mapped[str | None] = mapped_column(String(30))
    city: Mapped[str | None] = mapped_column(String(255))
    country: Mapped[str | None] = mapped_column(String(2))
    state: Mapped[str | None] = mapped_column(String(255))
    vat_id: Mapped[str | None] = mapped_column(String(255))
    vat_id_validated: Mapped[bool] = mapped_column(Boolean, default=False)
    custom_field: Mapped[str | None] = mapped_column(String(255))
    internal_reference: Mapped[str | None] = mapped_column(Text)
    beneficiary: Mapped[str | None] = mapped_column(Text)
    transmission_type: Mapped[str] = mapped_column(String(255), default=TRANSMISSION_EMAIL)
    transmission_info: Mapped[dict[str, Any]] = mapped_column(default=dict)

    order: Mapped[Order] = relationship(back_populates="invoice_address")

    @validates("name_parts")
    def _sync_name(self, _key: str, parts: dict[str, Any] | None) -> dict[str, Any]:
        self.name_cached = cached_name(parts)
        return parts or {}

    @property
    def name(self) -> str | None:
        return self.name_cached


class Invoice(TenantMixin, Base):
    """An invoice or cancellation invoice (``is_cancellation``, ``refers`` = the invoice it cancels).

    ``invoice_no`` is unique per organizer and ``prefix``; ``full_invoice_no`` is prefix + number. The issuer
    (``invoice_from*``) and recipient (``invoice_to*``) data are copied at issue time so later changes of settings or
    addresses don't alter issued invoices. ``transmission_status`` is one of :attr:`TRANSMISSION_STATUSES`.
    """

    __tablename__ = "invoice"
    __tenant_parent__ = "order"
    __table_args__ = (UniqueConstraint("organizer_id", "prefix", "invoice_no"),)

    TRANSMISSION_STATUS_PENDING = "pending"
    TRANSMISSION_STATUS_INFLIGHT = "inflight"
    TRANSMISSION_STATUS_COMPLETED = "completed"
    TRANSMISSION_STATUS_FAILED = "failed"
    TRANSMISSION_STATUS_UNKNOWN = "unknown"
    TRANSMISSION_STATUS_TESTMODE_IGNORED = "testmode_ignored"
    TRANSMISSION_STATUSES = (
        TRANSMISSION_STATUS_PENDING, TRANSMISSION_STATUS_INFLIGHT, TRANSMISSION_STATUS_COMPLETED,
        TRANSMISSION_STATUS_FAILED, TRANSMISSION_STATUS_UNKNOWN, TRANSMISSION_STATUS_TESTMODE_IGNORED,
    )

    id: Mapped[IdPK]
    order_id: Mapped[int] = mapped_column(BigId, ForeignKey("orders.id"), index=True)
    event_id: Mapped[int] = mapped_column(BigId, ForeignKey("event.id"), index=True)
    prefix: Mapped[str] = mapped_column(String(160), default="")
    invoice_no: Mapped[str] = mapped_column(String(19))
    full_invoice_no: Mapped[str] = mapped_column(String(190), index=True)
    is_cancellation: Mapped[bool] = mapped_column(Boolean, default=False)
    refers_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("invoice.id"), index=True)

    invoice_from: Mapped[str | None] = mapped_column(Text)
    invoice_from_name: Mapped[str | None] = mapped_column(String(190))
    invoice_from_street: Mapped[str | None] = mapped_column(Text)
    invoice_from_zipcode: Mapped[str | None] = mapped_column(String(190))
    invoice_from_city: Mapped[str | None] = mapped_column(String(190))
    invoice_from_state: Mapped[str | None] = mapped_column(String(190))
    invoice_from_country: Mapped[str | None] = mapped_column(String(2))
    invoice_from_tax_id: Mapped[str | None] = mapped_column(String(190))
    invoice_from_vat_id: Mapped[str | None] = mapped_column(String(190))

    invoice_to: Mapped[str | None] = mapped_column(Text)
    invoice_to_company: Mapped[str | None] = mapped_column(Text)
    invoice_to_is_business: Mapped[bool | None] = mapped_column(Boolean)
    invoice_to_name: Mapped[str | None] = mapped_column(Text)
    invoice_to_street: Mapped[str | None] = mapped_column(Text)
    invoice_to_zipcode: Mapped[str | None] = mapped_column(String(190))
    invoice_to_city: Mapped[str | None] = mapped_column(Text)
    invoice_to_state: Mapped[str | None] = mapped_column(String(190))
    invoice_to_country: Mapped[str | None] = mapped_column(String(2))
    invoice_to_vat_id: Mapped[str | None] = mapped_column(Text)
    invoice_to_beneficiary: Mapped[str | None] = mapped_column(Text)
    invoice_to_transmission_info: Mapped[dict[str, Any]] = mapped_column(default=dict)

    internal_reference: Mapped[str | None] = mapped_column(Text)
    custom_field: Mapped[str | None] = mapped_column(String(255))
    created: Mapped[dt.datetime] = mapped_column(default=utcnow)
    date: Mapped[dt.date] = mapped_column(Date)
    locale: Mapped[str] = mapped_column(String(50), default="en")
    introductory_text: Mapped[str | None] = mapped_column(Text)
    additional_text: Mapped[str | None] = mapped_column(Text)
    reverse_charge: Mapped[bool] = mapped_column(Boolean, default=False)
    payment_provider_text: Mapped[str | None] = mapped_column(Text)
    payment_provider_stamp: Mapped[str | None] = mapped_column(String(100))
    footer_text: Mapped[str | None] = mapped_column(Text)
    foreign_currency_display: Mapped[str | None] = mapped_column(String(50))
    foreign_currency_rate: Mapped[Decimal | None] = mapped_column(Numeric(10, 4))
    foreign_currency_rate_date: Mapped[dt.date | None] = mapped_column(Date)
    foreign_currency_source: Mapped[str | None] = mapped_column(String(100))
    shredded: Mapped[bool] = mapped_column(Boolean, default=False)
    sent_to_organizer: Mapped[bool | None] = mapped_column(Boolean)
    transmission_type: Mapped[str] = mapped_column(String(255), default=InvoiceAddress.TRANSMISSION_EMAIL)
    transmission_provider: Mapped[str | None] = mapped_column(String(255))
    transmission_status: Mapped[str] = mapped_column(String(255), default=TRANSMISSION_STATUS_UNKNOWN)
    transmission_date: Mapped[dt.datetime | None]
    transmission_info: Mapped[dict[str, Any]] = mapped_column(default=dict)
    file: Mapped[str | None] = mapped_column(String(255))
    plugin_data: Mapped[dict[str, Any]] = mapped_column(default=dict)

    order: Mapped[Order] = relationship(back_populates="invoices")
    event: Mapped[Event] = relationship()
    refers: Mapped[Invoice | None] = relationship(remote_side="Invoice.id")
    lines: Mapped[list[InvoiceLine]] = relationship(back_populates="invoice", order_by="InvoiceLine.position")

    @validates("transmission_status")
    def _check_transmission_status(self, _key: str, value: str) -> str:
        if value not in self.TRANSMISSION_STATUSES:
            raise ValueError(
                f"Invoice.transmission_status must be one of {', '.join(self.TRANSMISSION_STATUSES)}, got {value!r}"
            )
        return value

    def __repr__(self) -> str:
        return f"<Invoice {self.full_invoice_no}>"


class InvoiceLine(TenantMixin, Base):
    """One line of an invoice: a position or a fee, with the values as invoiced."""

    __tablename__ = "invoice_line"
    __tenant_parent__ = "invoice"

    id: Mapped[IdPK]
    invoice_id: Mapped[int] = mapped_column(BigId, ForeignKey("invoice.id"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    description: Mapped[str] = mapped_column(Text, default="")
    gross_value: Mapped[Decimal]
    tax_value: Mapped[Decimal] = mapped_column(default=Decimal("0.00"))
    tax_rate: Mapped[Decimal] = mapped_column(TaxRate, default=Decimal("0"))
    tax_name: Mapped[str] = mapped_column(String(190), default="")
    tax_code: Mapped[str | None] = mapped_column(String(190))
    subevent_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("subevent.id", ondelete="SET NULL"))
    period_start: Mapped[dt.datetime | None]
    period_end: Mapped[dt.datetime | None]
    event_location: Mapped[str | None] = mapped_column(Text)
    item_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("item.id", ondelete="SET NULL"))
    variation_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("item_variation.id", ondelete="SET NULL"))
    attendee_name: Mapped[str | None] = mapped_column(Text)
    fee_type: Mapped[str | None] = mapped_column(String(100))
    fee_internal_type: Mapped[str | None] = mapped_column(String(255))

    invoice: Mapped[Invoice] = relationship(back_populates="lines")
    subevent: Mapped[SubEvent | None] = relationship("SubEvent")
    item: Mapped[Item | None] = relationship("Item")
    variation: Mapped[ItemVariation | None] = relationship("ItemVariation")

    @property
    def net_value(self) -> Decimal:
        return self.gross_value - self.tax_value


#: ``session.info`` key: ids of invoices whose lines are being rebuilt from the order data (pretix's "regenerate"
#: keeps the invoice and its number and replaces only its lines).
REBUILDING_INVOICES = "ticketry.invoices_rebuilding"


@event.listens_for(Session, "before_flush")
def _refuse_invoice_deletion(session: Session, _context: Any, _instances: Any) -> None:
    rebuilding = session.info.get(REBUILDING_INVOICES, ())
    for obj in session.deleted:
        if isinstance(obj, InvoiceLine) and obj.invoice_id in rebuilding:
            continue
        if isinstance(obj, Invoice | InvoiceLine):
            raise InvoiceDeletionError(
                f"{obj!r} cannot be deleted: invoices are permanent; issue a cancellation invoice instead"
            )
