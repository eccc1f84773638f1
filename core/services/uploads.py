"""API uploads: a file posted to ``/api/v1/upload`` is kept for a day as ``file:<uuid>``.

Only images (PNG, JPEG, GIF) and PDF documents are accepted, up to :data:`MAX_SIZE` bytes. The uploading
principal may then use the id as the value of a file setting or a file answer; :func:`resolve_upload`
turns it into a :class:`~core.settings.FileUpload`. Expired uploads are deleted every hour.
"""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from huey import crontab
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.models.uploads import ApiUpload
from core.pluginhost.registry import current_registry
from core.settings import FileUpload
from core.tasks import periodic_task

#: How long an upload can be used.
VALIDITY = timedelta(days=1)
#: Largest accepted upload.
MAX_SIZE = 10 * 1024 * 1024
#: Accepted content types and the file suffix each is stored with.
ALLOWED_TYPES: dict[str, str] = {
    "image/png": ".png", "image/jpeg": ".jpg", "image/gif": ".gif", "application/pdf": ".pdf",
}
_ID = re.compile(r"^file:([0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12})$")


class UploadError(ValueError):
    """An upload is refused or an id cannot be used; the message says why."""


def upload_dir(registry: Any = None) -> Path:
    """``<ticketry.var_dir>/files/uploads``."""
    registry = registry if registry is not None else current_registry()
    return Path(str(registry.settings.get("ticketry.var_dir", "var"))) / "files" / "uploads"


def store_upload(
    session: Session, owner: str, filename: str, content_type: str, content: bytes, *, now: datetime | None = None,
) -> ApiUpload:
    """Keep ``content`` for :data:`VALIDITY`; :class:`UploadError` for a type or size that is not allowed."""
    content_type = (content_type or "").split(";", 1)[0].strip().lower()
    if content_type not in ALLOWED_TYPES:
        raise UploadError(f'Content type "{content_type}" is not allowed')
    if not content:
        raise UploadError("The submitted file is empty.")
    if len(content) > MAX_SIZE:
        raise UploadError(f"The file is too large (at most {MAX_SIZE // (1024 * 1024)} MB).")
    name = (filename or "").replace("\\", "/").rsplit("/", 1)[-1].strip() or "upload" + ALLOWED_TYPES[content_type]
    moment = now or datetime.now(UTC)
    upload = ApiUpload(id=uuid.uuid4().hex, owner=owner, filename=name[:255], content_type=content_type,
                       size=len(content), created=moment, expires=moment + VALIDITY)
    folder = upload_dir()
    folder.mkdir(parents=True, exist_ok=True)
    (folder / upload.id).write_bytes(content)
    session.add(upload)
    session.flush()
    return upload


def resolve_upload(session: Session, identity: Any, file_id: str, *, now: datetime | None = None) -> FileUpload:
    """The upload ``file:<uuid>`` of ``identity`` as a :class:`FileUpload`.

    Raises :class:`UploadError` when the id is malformed, unknown, expired or was uploaded by someone else.
    """
    match = _ID.match(str(file_id or "").strip().lower())
    if match is None:
        raise UploadError("The submitted file ID is not valid.")
    upload = session.scalar(select(ApiUpload).where(ApiUpload.id == match.group(1).replace("-", "")))
    moment = now or datetime.now(UTC)
    owner = getattr(identity, "userid", None)
    if upload is None or upload.owner != owner or _aware(upload.expires) < moment:
        raise UploadError("The submitted file ID was not found.")
    path = upload_dir() / upload.id
    if not path.exists():
        raise UploadError("The submitted file ID was not found.")
    return FileUpload(upload.filename, path.read_bytes(), upload.content_type)


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def delete_expired_uploads(session: Session, *, now: datetime | None = None) -> int:
    """Delete uploads (rows and files) past their expiry; returns how many."""
    moment = now or datetime.now(UTC)
    expired = list(session.scalars(select(ApiUpload).where(ApiUpload.expires < moment)))
    folder = upload_dir()
    for upload in expired:
        (folder / upload.id).unlink(missing_ok=True)
        session.delete(upload)
    session.flush()
    return len(expired)


@periodic_task(crontab(minute="47"), name="core.services.uploads.cleanup")
def cleanup_uploads(session: Session) -> int:
    """Hourly: :func:`delete_expired_uploads` in its own unit of work."""
    return delete_expired_uploads(session)
