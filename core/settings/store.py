"""Reading and writing stored setting rows, with a cache per session (that is: per request or task).

The first read of a scope loads every row of its levels (event, organizer, platform) in **one**
``UNION ALL`` query; later reads in the same transaction cost nothing. Writes go to the database at
once and update the cached rows, so the writer sees its own changes. The cache is dropped when the
session's transaction ends (commit or abort, fired by the transaction manager through
zope.sqlalchemy) and when a savepoint is rolled back, so the next transaction reads what others
committed and a rolled-back write is never served.

The statements use the tables, not the ORM classes: every statement filters on the event or
organizer id it was built for, so they cannot cross tenants and need no tenant scope.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Integer, delete, event, insert, literal_column, select, true, union_all, update
from sqlalchemy.orm import Session, SessionTransaction
from zope.sqlalchemy import mark_changed

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


def load(session: Session, levels: list[Level]) -> list[dict[str, str]]:
    """The stored ``{key: text}`` rows of each level, loading the uncached ones in one query."""
    cache = _cache(session)
    missing = [level for level in levels if level not in cache]
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
    return [cache[level] for level in levels]


def _changed(session: Session) -> None:
    """Tell zope.sqlalchemy that these table-level statements wrote (it only sees ORM writes itself)."""
    if "tm" in session.info:
        mark_changed(session, session.info["tm"])


def write(session: Session, level: Level, key: str, text: str | None) -> None:
    """Store ``text`` for ``key`` on ``level`` (``None`` deletes the override)."""
    (stored,) = load(session, [level])
    _changed(session)
    table = _TABLES[level.kind]
    where = level.where() & (table.c.key == key)
    if text is None:
        if key in stored:
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
    _changed(session)
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
