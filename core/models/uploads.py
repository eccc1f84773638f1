"""Files uploaded through ``POST /api/v1/upload``, kept for a day until a setting or an answer uses them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from core.db.base import Base


class ApiUpload(Base):
    """One uploaded file: ``id`` is the uuid (hex) of ``file:<uuid>``; ``owner`` the uploading principal's userid.

    The bytes live in ``<ticketry.var_dir>/files/uploads/<id>``; the row and the file are removed after
    ``expires`` by the periodic clean-up.
    """

    __tablename__ = "api_upload"
    __table_args__ = (Index("ix_api_upload_expires", "expires"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    owner: Mapped[str] = mapped_column(String(100))
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(BigInteger)
    created: Mapped[datetime]
    expires: Mapped[datetime]

    def __repr__(self) -> str:
        return f"<ApiUpload file:{self.id} {self.filename!r}>"
