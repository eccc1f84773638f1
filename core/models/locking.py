"""The empty table whose write lock serialises writers on SQLite (see :mod:`core.locking`)."""

from __future__ import annotations

from sqlalchemy.orm import Mapped, mapped_column

from core.db.base import Base


class WriteLock(Base):
    """Always empty. ``DELETE FROM write_lock`` takes SQLite's database write lock without writing a page.

    PostgreSQL deployments have the table too (one schema for both databases) but never use it.
    """

    __tablename__ = "write_lock"

    id: Mapped[int] = mapped_column(primary_key=True)
