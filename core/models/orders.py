"""Orders: the buyer's purchase with its status, secrets, totals and bookkeeping flags."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import Boolean, Date, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db.base import Base, BigId, IdPK, TenantMixin
from core.models import tokens
from core.models.position_base import utcnow

if TYPE_CHECKING:
    from core.models.answers import QuestionAnswer
    from core.models.channels import SalesChannel
    from core.models.event import Event
    from core.models.invoices import Invoice, InvoiceAddress
    from core.models.payments import OrderPayment, OrderRefund
    from core.models.positions import OrderFee, OrderPosition


class Order(TenantMixin, Base):
    """A placed order of one event.

    ``code`` is unique per organizer (``full_code`` adds the event slug). ``status`` is one character:
    pending ``n``, paid ``p``, expired ``e``, canceled ``c``; the displayed status also depends on
    ``require_approval`` and ``valid_if_pending`` (see :attr:`status_key`). ``last_modified`` moves on every change
    of the order and, through :meth:`touch`, of its positions and fees. Money-relevant changes must be followed by
    :func:`core.services.transactions.create_transactions` in the same database transaction.
    """

    __tablename__ = "orders"
    __tenant_parent__ = "event"
    __table_args__ = (
        UniqueConstraint("organizer_id", "code"),
        Index("ix_orders_event_datetime", "event_id", "datetime", "id"),
        Index("ix_orders_event_last_modified", "event_id", "last_modified", "id"),
        Index("ix_orders_event_status", "event_id", "status"),
        # The tenant filter adds organizer_id to every query: counting an event's orders stays index-only.
        Index("ix_orders_event_organizer", "event_id", "organizer_id"),
        # The order list finds a page's ids in the index alone, tenant filter included (deep OFFSET pages skip
        # index entries, not table rows).
        Index("ix_orders_event_organizer_datetime", "event_id", "organizer_id", "datetime", "id"),
    )

    STATUS_PENDING = "n"
    STATUS_PAID = "p"
    STATUS_EXPIRED = "e"
    STATUS_CANCELED = "c"
    #: Deprecated alias of :attr:`STATUS_CANCELED`, kept because pretix's API still knows it.
    STATUS_REFUNDED = "c"
    STATUSES = (STATUS_PENDING, STATUS_PAID, STATUS_EXPIRED, STATUS_CANCELED)

    TAX_ROUNDING_LINE = "line"
    TAX_ROUNDING_SUM_BY_NET = "sum_by_net"
    TAX_ROUNDING_SUM_BY_NET_KEEP_GROSS = "sum_by_net_keep_gross"
    TAX_ROUNDING_SUM_BY_NET_ONLY_BUSINESS = "sum_by_net_only_business"
    TAX_ROUNDING_MODES = (
        TAX_ROUNDING_LINE, TAX_ROUNDING_SUM_BY_NET, TAX_ROUNDING_SUM_BY_NET_KEEP_GROSS,
        TAX_ROUNDING_SUM_BY_NET_ONLY_BUSINESS,
    )

    id: Mapped[IdPK]
    event_id: Mapped[int] = mapped_column(BigId, ForeignKey("event.id"), index=True)
    code: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(3), default=STATUS_PENDING, index=True)
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(64))
    locale: Mapped[str | None] = mapped_column(String(32))
    secret: Mapped[str] = mapped_column(String(32), default=tokens.order_secret)
    internal_secret: Mapped[str | None] = mapped_column(String(32), default=tokens.internal_secret)
    datetime: Mapped[dt.datetime] = mapped_column(default=utcnow)
    cancellation_date: Mapped[dt.datetime | None]
    expires: Mapped[dt.datetime]
    total: Mapped[Decimal] = mapped_column(default=Decimal("0.00"))
    comment: Mapped[str | None] = mapped_column(Text)
    custom_followup_at: Mapped[dt.date | None] = mapped_column(Date)
    checkin_attention: Mapped[bool] = mapped_column(Boolean, default=False)
    checkin_text: Mapped[str | None] = mapped_column(Text)
    expiry_reminder_sent: Mapped[bool] = mapped_column(Boolean, default=False)
    download_reminder_sent: Mapped[bool] = mapped_column(Boolean, default=False)
    meta_info: Mapped[dict[str, Any]] = mapped_column(default=dict)
    api_meta: Mapped[dict[str, Any]] = mapped_column(default=dict)
    last_modified: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    require_approval: Mapped[bool] = mapped_column(Boolean, default=False)
    valid_if_pending: Mapped[bool] = mapped_column(Boolean, default=False)
    testmode: Mapped[bool] = mapped_column(Boolean, default=False)
    sales_channel_id: Mapped[int] = mapped_column(BigId, ForeignKey("sales_channel.id"), index=True)
    email_known_to_work: Mapped[bool] = mapped_column(Boolean, default=False)
    invoice_dirty: Mapped[bool] = mapped_column(Boolean, default=False)
    tax_rounding_mode: Mapped[str] = mapped_column(String(100), default=TAX_ROUNDING_LINE)

    event: Mapped[Event] = relationship()
    sales_channel: Mapped[SalesChannel] = relationship("SalesChannel")
    all_positions: Mapped[list[OrderPosition]] = relationship(
        back_populates="order", order_by="OrderPosition.positionid"
    )
    positions: Mapped[list[OrderPosition]] = relationship(
        primaryjoin="and_(Order.id == OrderPosition.order_id, OrderPosition.canceled.is_(False))",
        order_by="OrderPosition.positionid",
        viewonly=True,
    )
    all_fees: Mapped[list[OrderFee]] = relationship(back_populates="order", order_by="OrderFee.id")
    fees: Mapped[list[OrderFee]] = relationship(
        primaryjoin="and_(Order.id == OrderFee.order_id, OrderFee.canceled.is_(False))",
        order_by="OrderFee.id",
        viewonly=True,
    )
    payments: Mapped[list[OrderPayment]] = relationship(back_populates="order", order_by="OrderPayment.local_id")
    refunds: Mapped[list[OrderRefund]] = relationship(back_populates="order", order_by="OrderRefund.local_id")
    invoice_address: Mapped[InvoiceAddress | None] = relationship(back_populates="order")
    invoices: Mapped[list[Invoice]] = relationship(back_populates="order", order_by="Invoice.id")
    answers: Mapped[list[QuestionAnswer]] = relationship(back_populates="order", passive_deletes=True)

    @property
    def full_code(self) -> str:
        """``EVENTSLUG-CODE`` with the event slug in upper case (payment references, ticket file names)."""
        return f"{self.event.slug.upper()}-{self.code}"

    @property
    def is_pending_or_paid(self) -> bool:
        return self.status in (self.STATUS_PENDING, self.STATUS_PAID)

    @property
    def counts_financially(self) -> bool:
        """Whether the order's positions and fees belong in the transaction journal: pending or paid, approved."""
        return self.is_pending_or_paid and not self.require_approval

    @property
    def status_key(self) -> str:
        """The displayed status, derived from ``status`` and the approval and validity flags.

        ``pending_approval``, ``pending_confirmed`` (valid if pending), ``pending``, ``canceled_paid_fee``
        (paid but every position canceled, i.e. canceled with a kept fee), ``paid``, ``expired`` or ``canceled``.
        """
        if self.status == self.STATUS_PENDING:
            if self.require_approval:
                return "pending_approval"
            return "pending_confirmed" if self.valid_if_pending else "pending"
        if self.status == self.STATUS_PAID:
            return "paid" if self.positions else "canceled_paid_fee"
        return "expired" if self.status == self.STATUS_EXPIRED else "canceled"

    def tagged_secret(self, tag: str, length: int = 16) -> str:
        """A per-purpose secret: HMAC-SHA256 of ``tag`` keyed with ``internal_secret`` (or ``secret``), hex, cut."""
        if not 1 <= length <= 64:
            raise ValueError(f"tagged_secret length must be between 1 and 64, got {length}")
        key = (self.internal_secret or self.secret).encode()
        return hmac.new(key, tag.encode(), hashlib.sha256).hexdigest()[:length]

    def touch(self) -> None:
        """Move ``last_modified`` to now (offline scanners and API clients sync on it)."""
        self.last_modified = utcnow()

    def __repr__(self) -> str:
        return f"<Order {self.code} {self.status}>"

