"""Declarative base, shared column types and the tenant marker."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any

from sqlalchemy import JSON, BigInteger, DateTime, ForeignKey, Integer, MetaData, Numeric, String
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

#: Integer primary keys: BIGINT on PostgreSQL, INTEGER (rowid alias) on SQLite.
BigId = BigInteger().with_variant(Integer(), "sqlite")

IdPK = Annotated[int, mapped_column(BigId, primary_key=True, autoincrement=True)]
Str255 = Annotated[str, mapped_column(String(255))]


class Base(DeclarativeBase):
    """Base class of every Ticketry table, core and plugin alike."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {
        datetime: DateTime(timezone=True),
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
