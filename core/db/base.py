"""Declarative base, shared column types and the tenant marker."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated, Any

from sqlalchemy import JSON, BigInteger, DateTime, Dialect, ForeignKey, Integer, MetaData, Numeric, String
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

#: Integer primary keys: BIGINT on PostgreSQL, INTEGER (rowid alias) on SQLite.
BigId = BigInteger().with_variant(Integer(), "sqlite")



class AwareDateTime(TypeDecorator[datetime]):
    """Timezone-aware timestamps on every database: stored in UTC, always read back aware.

    PostgreSQL keeps the offset (``timestamptz``); SQLite has no time zone type and returns naive
    values, which are UTC here because every value is converted to UTC before it is written.
    Naive datetimes are refused on write: they are a bug (use ``core.timemachine.now()``).
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r} written to a timezone-aware column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None or value.tzinfo is not None:
            return value
        return value.replace(tzinfo=UTC)


IdPK = Annotated[int, mapped_column(BigId, primary_key=True, autoincrement=True)]
Str255 = Annotated[str, mapped_column(String(255))]


class Base(DeclarativeBase):
    """Base class of every Ticketry table, core and plugin alike."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {
        datetime: AwareDateTime(),
        Decimal: Numeric(13, 2),
        dict[str, Any]: JSON,
        list[Any]: JSON,
    }


class TenantMixin:
    """Marks a table as tenant data: every row belongs to one organizer.

    Queries of such tables must run inside :func:`core.db.tenancy.scope`; the scope adds
    ``organizer_id = <scoped organizer>`` to every statement, and a query without a scope raises
    :class:`core.db.tenancy.TenantScopeError`.
    """

    @declared_attr
    def organizer_id(cls) -> Mapped[int]:
        return mapped_column(BigId, ForeignKey("organizer.id", ondelete="CASCADE"), index=True, nullable=False)
