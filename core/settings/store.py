"""Reading and writing stored setting rows, with a cache per session (that is: per request or task).

The first read of a scope loads every row of its levels (event, organizer, platform) in **one**
``UNION ALL`` query; later reads in the same transaction cost nothing. Writes go to the database at
once and update the cached rows, so the writer sees its own changes. The cache is dropped when the
session's transaction ends (commit or abort, fired by the transaction manager through
zope.sqlalchemy) and when a savepoint is rolled back, so the next transaction reads what others
committed and a rolled-back write is never served.

The rows of a scope whose event and organizer the transaction loaded are also kept in the
process-wide :mod:`core.config_cache`, so the next request of that scope reads no rows. Every write
bumps the version of the level's event or organizer (a platform write: of every organizer), which
invalidates them in every process once it commits.

The statements use the tables, not the ORM classes: every statement filters on the event or
organizer id it was built for, so they cannot cross tenants and need no tenant scope.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Integer, delete, event, insert, literal_column, select, true, union_all, update
from sqlalchemy.orm import Session, SessionTransaction

from core import config_cache
from core.models.settings import EventSetting, GlobalSetting, OrganizerSetting

CACHE_KEY = "ticketry.settings_cache"

EVENT = "event"
ORGANIZER = "organizer"
PLATFORM = "platform"

_TABLES = {EVENT: EventSetting.__table__, ORGANIZER: OrganizerSetting.__table__, PLATFORM: GlobalSetting.__table__}


@dataclass(frozen=True)
class Level:
    """One storage level: ``Level("event", event_id, organizer_id)``, ``Level("organizer", id, id)``
    or ``Level("platform")``."""

    kind: str
    object_id: int | None = None
    organizer_id: int | None = None

    def where(self) -> Any:
        table = _TABLES[self.kind]
        if self.kind == EVENT:
            return (table.c.event_id == self.object_id) & (table.c.organizer_id == self.organizer_id)
        if self.kind == ORGANIZER:
            return table.c.organizer_id == self.object_id
        return true()

    def owner_values(self) -> dict[str, Any]:
        if self.kind == EVENT:
            return {"event_id": self.object_id, "organizer_id": self.organizer_id}
        if self.kind == ORGANIZER:
            return {"organizer_id": self.object_id}
        return {}


def _cache(session: Session) -> dict[Level, dict[str, str]]:
    return session.info.setdefault(CACHE_KEY, {})


def _organizer_id(levels: list[Level]) -> int | None:
    """The organizer of the scope whose ``levels`` these are (None: the platform scope)."""
    for level in levels:
        if level.kind != PLATFORM:
            return level.organizer_id if level.kind == EVENT else level.object_id
    return None


def _shared_key(session: Session, level: Level, organizer_id: int | None) -> tuple[Any, ...] | None:
    """The process cache key of ``level`` read for a scope of ``organizer_id`` (platform rows included)."""
    event_id = level.object_id if level.kind == EVENT else None
    return config_cache.key(session, f"settings.{level.kind}", organizer_id, event_id)


def load(session: Session, levels: list[Level]) -> list[dict[str, str]]:
    """The stored ``{key: text}`` rows of each level, loading the uncached ones in one query."""
    cache = _cache(session)
    missing = [level for level in levels if level not in cache]
    if missing:
        organizer_id = _organizer_id(levels)
        keys = {level: _shared_key(session, level, organizer_id) for level in missing}
        for level, shared in keys.items():
            found = config_cache.get(shared) if shared is not None else None
            if found is not None:
                cache[level] = dict(found)  # the session's copy: writes of this transaction change it
        missing = [level for level in missing if level not in cache]
    if missing:
        selects = []
        for index, level in enumerate(missing):
            table = _TABLES[level.kind]
            marker = literal_column(str(index), Integer).label("level")
            selects.append(select(marker, table.c.key, table.c.value).where(level.where()))
        statement = selects[0] if len(selects) == 1 else union_all(*selects)
        rows: list[dict[str, str]] = [{} for _ in missing]
        for index, key, value in session.execute(statement):
            rows[int(index)][key] = value
        for level, values in zip(missing, rows, strict=True):
            cache[level] = values
            if keys[level] is not None:
                config_cache.put(session, keys[level], dict(values))
    return [cache[level] for level in levels]


def _bump(session: Session, level: Level) -> None:
    if level.kind == EVENT:
        config_cache.bump(session, level.organizer_id, level.object_id)
    else:
        config_cache.bump(session, level.object_id)


def write(session: Session, level: Level, key: str, text: str | None) -> None:
    """Store ``text`` for ``key`` on ``level`` (``None`` deletes the override)."""
    (stored,) = load(session, [level])
    if text is None and key not in stored:
        return
    _bump(session, level)
    table = _TABLES[level.kind]
    where = level.where() & (table.c.key == key)
    if text is None:
        session.execute(delete(table).where(where))
        del stored[key]
        return
    if key in stored:
        session.execute(update(table).where(where).values(value=text))
    else:
        session.execute(insert(table).values(key=key, value=text, **level.owner_values()))
    stored[key] = text


def plugin_rows(session: Session, plugin: str) -> list[tuple[str, str]]:
    """``(key, text)`` of every stored value of ``plugin`` on every level and organizer."""
    prefix = f"plugin.{plugin}.%"
    rows: list[tuple[str, str]] = []
    for table in _TABLES.values():
        rows.extend((key, value) for key, value in session.execute(
            select(table.c.key, table.c.value).where(table.c.key.like(prefix))
        ))
    return rows


def delete_plugin_rows(session: Session, plugin: str) -> int:
    """Delete every stored value of ``plugin`` (``ticketry plugins purge``); returns the row count."""
    prefix = f"plugin.{plugin}.%"
    config_cache.bump(session, None)
    count = 0
    for table in _TABLES.values():
        count += session.execute(delete(table).where(table.c.key.like(prefix))).rowcount
    session.info.pop(CACHE_KEY, None)
    return count


@event.listens_for(Session, "after_transaction_end")
def _forget_after_transaction(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:
        session.info.pop(CACHE_KEY, None)


@event.listens_for(Session, "after_soft_rollback")
def _forget_after_rollback(session: Session, previous_transaction: SessionTransaction) -> None:
    session.info.pop(CACHE_KEY, None)
