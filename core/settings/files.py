"""File-valued settings (logos, images, mail attachments).

A file is written to ``<ticketry.var_dir>/files/settings/<uuid><.ext>`` when the setting is set, and
the setting keeps ``file://<uuid><.ext>``. Reading the setting gives a :class:`StoredFile` with
``path``, ``url`` and ``open()``. Files are never shared between settings (uuid names, not content
hashes), so replacing or deleting a setting can delete its old file: that happens after the
transaction commits, and a file written by a transaction that aborts is removed again.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from sqlalchemy.orm import Session

_NAME = re.compile(r"^[0-9a-f]{32}(\.[a-z0-9]{1,10})?$")
_SUFFIX = re.compile(r"^\.[a-z0-9]{1,10}$")

#: URL path (below ``ticketry.site_url``) where stored setting files are served.
MEDIA_PATH = "media/settings"


class File:
    """Marker type for ``Setting(..., type=File)``."""


@dataclass(frozen=True)
class FileUpload:
    """A new file for a file setting: ``FileUpload("logo.png", b"...")`` or with an open binary file."""

    filename: str
    content: bytes | IO[bytes]
    content_type: str | None = None

    def read(self) -> bytes:
        return self.content if isinstance(self.content, bytes) else self.content.read()

    @property
    def suffix(self) -> str:
        suffix = Path(self.filename).suffix.lower()
        return suffix if _SUFFIX.match(suffix) else ""


class StoredFile:
    """A file kept for a setting; compare by name."""

    __slots__ = ("name", "store")

    def __init__(self, name: str, store: FileStore) -> None:
        self.name = name
        self.store = store

    @property
    def path(self) -> Path:
        return self.store.root / self.name

    @property
    def url(self) -> str:
        return f"{self.store.base_url}/{MEDIA_PATH}/{self.name}"

    def open(self, mode: str = "rb") -> IO[Any]:
        if "r" not in mode or "+" in mode:
            raise ValueError("stored setting files are read-only; set a new FileUpload instead")
        return self.path.open(mode)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, StoredFile) and other.name == self.name

    def __hash__(self) -> int:
        return hash(self.name)

    def __repr__(self) -> str:
        return f"StoredFile({self.name!r})"


class FileStore:
    """The folder of setting files and the public URL they are served under."""

    def __init__(self, root: str | Path, base_url: str) -> None:
        self.root = Path(root)
        self.base_url = base_url.rstrip("/")

    def save(self, upload: FileUpload) -> StoredFile:
        self.root.mkdir(parents=True, exist_ok=True)
        name = uuid.uuid4().hex + upload.suffix
        (self.root / name).write_bytes(upload.read())
        return StoredFile(name, self)

    def get(self, name: str) -> StoredFile:
        if not _NAME.match(name):
            raise ValueError(f"{name!r} is not the name of a stored setting file")
        return StoredFile(name, self)

    def delete(self, name: str) -> None:
        self.get(name).path.unlink(missing_ok=True)


def _transaction(session: Session) -> Any:
    manager = session.info.get("tm")
    if manager is None:
        raise RuntimeError("file settings need a session joined to a transaction manager (core.db.session.tm_session)")
    return manager.get()


def on_commit(session: Session, func: Callable[[], object]) -> None:
    """Run ``func`` after the session's transaction commits successfully (deleting replaced files)."""
    _transaction(session).addAfterCommitHook(lambda ok: func() if ok else None)


def on_abort(session: Session, func: Callable[[], object]) -> None:
    """Run ``func`` if the session's transaction aborts or fails to commit (removing new files)."""
    txn = _transaction(session)
    txn.addAfterAbortHook(func)
    txn.addAfterCommitHook(lambda ok: None if ok else func())
