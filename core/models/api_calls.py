"""REST API bookkeeping: stored responses of idempotent calls and per-minute request counters.

Neither table is tenant data: rows are keyed by a hash of the caller's credentials, not by organizer.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import BigInteger, Boolean, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.db.base import Base, IdPK

#: Longest accepted ``X-Idempotency-Key``.
KEY_MAX_LENGTH = 190


def _utcnow() -> datetime:
    return datetime.now(UTC)


class ApiCall(Base):
    """One ``X-Idempotency-Key`` of one caller (``auth_hash``): ``locked`` while the first request runs,
    then the response it got (status code, header pairs, body), replayed to every repeat for 24 hours."""

    __tablename__ = "api_call"
    __table_args__ = (UniqueConstraint("auth_hash", "idempotency_key"),)

    id: Mapped[IdPK]
    idempotency_key: Mapped[str] = mapped_column(String(KEY_MAX_LENGTH))
    auth_hash: Mapped[str] = mapped_column(String(40))
    locked: Mapped[bool] = mapped_column(Boolean, default=True)
    response_code: Mapped[int | None] = mapped_column(Integer)
    response_headers: Mapped[list[Any] | None]
    response_body: Mapped[bytes | None] = mapped_column(LargeBinary)
    created: Mapped[datetime] = mapped_column(default=_utcnow, index=True)

    def __repr__(self) -> str:
        return f"<ApiCall {self.idempotency_key!r} locked={self.locked}>"


class ApiRateCounter(Base):
    """How many API requests the principal ``principal_hash`` made in the minute ``minute``
    (minutes since the Unix epoch, UTC)."""

    __tablename__ = "api_rate_counter"

    principal_hash: Mapped[str] = mapped_column(String(40), primary_key=True)
    minute: Mapped[int] = mapped_column(BigInteger, primary_key=True, index=True)
    count: Mapped[int] = mapped_column(Integer, default=0)
