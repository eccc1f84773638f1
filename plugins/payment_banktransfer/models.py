"""Tables of ``banktransfer`` (prefixed ``banktransfer_``), migrated by the plugin's own lineage."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from core.db.base import Base, BigId, IdPK, TenantMixin
from core.models.orders import Order
from core.models.payments import OrderPayment


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class BankImportJob(TenantMixin, Base):
    """One uploaded bank statement of an organizer, or of one event, and the outcome of matching it.

    States: ``pending`` (transactions stored, matching queued) -> ``running`` -> ``completed`` or ``error``
    (``error_message`` says why). The counts are filled in when the job completes.
    """

    __tablename__ = "banktransfer_importjob"

    STATE_PENDING = "pending"
    STATE_RUNNING = "running"
    STATE_COMPLETED = "completed"
    STATE_ERROR = "error"
    STATES = (STATE_PENDING, STATE_RUNNING, STATE_COMPLETED, STATE_ERROR)

    id: Mapped[IdPK]
    event_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("event.id", ondelete="CASCADE"), index=True)
    created: Mapped[dt.datetime] = mapped_column(default=_utcnow)
    state: Mapped[str] = mapped_column(String(32), default=STATE_PENDING)
    currency: Mapped[str] = mapped_column(String(10))
    file_format: Mapped[str] = mapped_column(String(16))
    user_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("user_account.id", ondelete="SET NULL"))
    error_message: Mapped[str | None] = mapped_column(Text)
    count_total: Mapped[int] = mapped_column(Integer, default=0)
    count_matched: Mapped[int] = mapped_column(Integer, default=0)
    count_unmatched: Mapped[int] = mapped_column(Integer, default=0)
    count_error: Mapped[int] = mapped_column(Integer, default=0)
    count_duplicate: Mapped[int] = mapped_column(Integer, default=0)

    transactions: Mapped[list[BankTransaction]] = relationship(
        back_populates="job", order_by="BankTransaction.id", cascade="all, delete-orphan",
    )

    @validates("state")
    def _check_state(self, _key: str, value: str) -> str:
        if value not in self.STATES:
            raise ValueError(f"BankImportJob.state must be one of {', '.join(self.STATES)}, got {value!r}")
        return value

    def __repr__(self) -> str:
        return f"<BankImportJob {self.id} {self.state}>"


class BankTransaction(TenantMixin, Base):
    """One line of a bank statement and what became of it.

    States: ``imported`` (not matched yet), ``valid`` (a payment of ``order`` was confirmed), ``nomatch`` (no order
    found: waits in the unmatched list), ``already`` (the order was already paid), ``error`` (an order was found but
    the payment could not be booked: canceled order, currency, late payment, capacity; see ``comment``),
    ``invalid`` (the line could not be read, or money went out), ``duplicate`` (the same line was imported before,
    by ``checksum``) and ``discarded`` (an organizer dismissed it).
    """

    __tablename__ = "banktransfer_transaction"

    STATE_IMPORTED = "imported"
    STATE_NOMATCH = "nomatch"
    STATE_INVALID = "invalid"
    STATE_ERROR = "error"
    STATE_VALID = "valid"
    STATE_DISCARDED = "discarded"
    STATE_ALREADY = "already"
    STATE_DUPLICATE = "duplicate"
    STATES = (STATE_IMPORTED, STATE_NOMATCH, STATE_INVALID, STATE_ERROR, STATE_VALID, STATE_DISCARDED,
              STATE_ALREADY, STATE_DUPLICATE)
    #: States of transactions that still need an organizer's decision (the unmatched list).
    OPEN_STATES = (STATE_NOMATCH, STATE_ERROR)

    id: Mapped[IdPK]
    import_job_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("banktransfer_importjob.id", ondelete="CASCADE"), index=True,
    )
    state: Mapped[str] = mapped_column(String(32), default=STATE_IMPORTED, index=True)
    date: Mapped[dt.date | None] = mapped_column(Date)
    date_text: Mapped[str] = mapped_column(String(50), default="")
    payer: Mapped[str] = mapped_column(Text, default="")
    reference: Mapped[str] = mapped_column(Text, default="")
    amount: Mapped[Decimal | None]
    iban: Mapped[str] = mapped_column(String(64), default="")
    bic: Mapped[str] = mapped_column(String(32), default="")
    checksum: Mapped[str] = mapped_column(String(64), index=True)
    order_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("orders.id", ondelete="SET NULL"), index=True)
    payment_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("order_payment.id", ondelete="SET NULL"))
    comment: Mapped[str] = mapped_column(Text, default="")

    job: Mapped[BankImportJob] = relationship(back_populates="transactions")
    order: Mapped[Order | None] = relationship()
    payment: Mapped[OrderPayment | None] = relationship()

    @validates("state")
    def _check_state(self, _key: str, value: str) -> str:
        if value not in self.STATES:
            raise ValueError(f"BankTransaction.state must be one of {', '.join(self.STATES)}, got {value!r}")
        return value

    def __repr__(self) -> str:
        return f"<BankTransaction {self.id} {self.state} {self.amount}>"
