"""The huey instance every Ticketry task is registered on, configured from the deployment settings."""

from __future__ import annotations

import os
from typing import Any

from huey import Huey
from huey.storage import RedisStorage, SqliteStorage

from core.configuration import ConfigurationError

#: File name of the SQLite task queue inside ``ticketry.var_dir``.
SQLITE_QUEUE_FILE = "tasks.sqlite3"
_REDIS_SCHEMES = ("redis://", "rediss://", "unix://")


class TicketryHuey(Huey):
    """A huey instance that exists at import time and is pointed at its storage later.

    Task decorators run when modules are imported, before the app is configured, so the instance
    starts in immediate mode on memory storage (nothing touches disk or the network on import).
    :meth:`configure` (called by ``core.tasks.includeme``) then selects the real storage:

    * ``ticketry.huey.url = redis://...`` (or ``rediss://``, ``unix://``): Redis;
    * otherwise SQLite in ``<ticketry.var_dir>/tasks.sqlite3``;
    * ``ticketry.huey.immediate = true``: tasks run inline on memory storage (tests, simple setups).

    Results are not kept (``results=False``): the async-action state in :mod:`core.tasks.progress`
    carries what pollers need, and stored results would grow without bound.
    """

    def __init__(self) -> None:
        super().__init__("ticketry", results=False, immediate=True, utc=True, store_intermediate_errors=False)
        self.registry: Any = None

    def configure(self, settings: dict[str, Any], registry: Any = None) -> None:
        """Select the storage from ``settings`` and remember ``registry`` for consumer threads."""
        url = settings.get("ticketry.huey.url") or ""
        if url:
            if not url.startswith(_REDIS_SCHEMES):
                raise ConfigurationError(
                    f"setting 'ticketry.huey.url' has the bad value {url!r}: expected a redis:// URL "
                    "(rediss:// or unix:// work too) or nothing for the SQLite queue in ticketry.var_dir"
                )
            storage_class: type = RedisStorage
            storage_kwargs: dict[str, Any] = {"url": url}
        else:
            var_dir = settings["ticketry.var_dir"]
            os.makedirs(var_dir, exist_ok=True)
            storage_class = SqliteStorage
            storage_kwargs = {"filename": os.path.join(var_dir, SQLITE_QUEUE_FILE)}
        self.storage.close()
        self.storage_class = storage_class
        self.storage_kwargs = storage_kwargs
        self._immediate = bool(settings.get("ticketry.huey.immediate"))
        self.storage = self.create_storage()
        self.registry = registry


#: The one huey instance. Decorate with :func:`core.tasks.task`, not ``huey.task``, to get the
#: registry, unit of work, tenant scope and time machine handling.
huey = TicketryHuey()
