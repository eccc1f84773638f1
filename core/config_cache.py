"""A process-wide cache of rarely changing configuration, invalidated across processes by version counters.

Settings rows (:mod:`core.settings.store`) and plugin activity (:mod:`core.pluginhost.activity`) are read by
every request of an event; they are cached here, in each process, under keys holding the ``cache_version``
of the event and of its organizer. Every change of cached configuration calls :func:`bump` in its own
transaction: it increments the version of the event, of the organizer, or of every organizer (platform
changes), so once it commits no process asks for the stale entries again. Every key holds the organizer's
version, so bumping an organizer invalidates its events' entries too.

The versions come from the event and organizer rows the request loaded anyway: a load records the version
in ``session.info`` for the rest of that transaction only (sessions do not expire on commit, so an object's
version may be stale in a later transaction). A scope whose version was not loaded in the current
transaction is not cached here and is read from the database. Data read after a version was loaded is never
older than that version, so storing it under that version is safe.

A transaction that changed configuration bypasses the cache until it ends: it must see its own writes, and
nothing it reads is stored for others.

Other modules cache through it too: the catalogue and API tokens (:mod:`core.services.catalogue.cache`) and the
event and organizer rows of event routes (:mod:`core.resources`, after reading their versions with one narrow
statement). A change of an event's or organizer's columns bumps the row itself.

Ids can come back: SQLite gives a new row the id of the last one deleted, and the new row's version starts at 0
again. So deleting an event bumps its organizer (a new event with the old id is seen with a newer organizer
version), and a committed deletion of an organizer empties this process's cache (a platform on SQLite runs in one
process).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, update
from sqlalchemy import event as sa_event
from sqlalchemy.orm import ORMExecuteState, QueryContext, Session, SessionTransaction, object_session
from zope.sqlalchemy import mark_changed

from core.models.event import Event
from core.models.organizer import Organizer

#: Entries kept per process; the least recently used one goes first.
MAX_ENTRIES = 1024

_VERSIONS = "ticketry.cache_versions"
_CHANGED = "ticketry.configuration_changed"
_BUMPED = "ticketry.configuration_bumped"
_ORGANIZER_DELETED = "ticketry.organizer_deleted"


class LRUCache:
    """A thread-safe mapping of at most ``size`` entries that forgets the least recently used one."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._entries: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> Any:
        """The value stored under ``key`` (now the most recently used), or None."""
        with self._lock:
            value = self._entries.get(key)
            if value is not None:
                self._entries.move_to_end(key)
            return value

    def put(self, key: Hashable, value: Any) -> None:
        """Store ``value`` (never None) under ``key``, forgetting the oldest entry beyond ``size``."""
        with self._lock:
            self._entries[key] = value
            self._entries.move_to_end(key)
            if len(self._entries) > self.size:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        """Forget every entry."""
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)


_cache = LRUCache(MAX_ENTRIES)


def key(session: Session, kind: str, organizer_id: int | None, event_id: int | None = None) -> tuple[Any, ...] | None:
    """The cache key of ``kind`` data of the organizer (and event), or None if it must not be cached now.

    None when ``session`` changed configuration in this transaction or did not load the organizer (event)
    row in it. The key holds the session's engine: a process may use several databases (tests do).
    """
    if organizer_id is None or session.info.get(_CHANGED):
        return None
    versions = session.info.get(_VERSIONS)
    if versions is None:
        return None
    organizer_version = versions.get((Organizer, organizer_id))
    if organizer_version is None:
        return None
    engine = session.get_bind().engine
    if event_id is None:
        return (kind, engine, organizer_id, organizer_version)
    event_version = versions.get((Event, event_id))
    if event_version is None:
        return None
    return (kind, engine, organizer_id, organizer_version, event_id, event_version)


def get(key: tuple[Any, ...]) -> Any:
    """The immutable value cached under ``key`` (from :func:`key`), or None."""
    return _cache.get(key)


def put(session: Session, key: tuple[Any, ...], value: Any) -> None:
    """Cache ``value`` under ``key`` unless ``session`` changed configuration since the key was made.

    ``value`` must never be changed afterwards (a frozenset, a tuple, or a dict nobody else holds).
    """
    if not session.info.get(_CHANGED):
        _cache.put(key, value)


def clear() -> None:
    """Forget every entry (tests whose database is recreated reuse ids and versions)."""
    _cache.clear()


@contextmanager
def kept_over_commit(session: Session) -> Iterator[None]:
    """Keep the versions ``session`` loaded over a commit inside the block, for a request that commits
    before it renders its answer: the rendering reads the configuration the request started with. Not
    kept when the transaction changed configuration (its versions are the ones before its own bumps)."""
    versions = None if session.info.get(_CHANGED) else session.info.get(_VERSIONS)
    yield
    if versions is not None:
        session.info.setdefault(_VERSIONS, {}).update(versions)


def _mark_written(session: Session) -> None:
    # zope.sqlalchemy only sees ORM writes itself
    if "tm" in session.info:
        mark_changed(session, session.info["tm"])


def _bump_statement(organizer_id: int | None, event_id: int | None) -> Any:
    if event_id is not None:
        table = Event.__table__
        # keep last_modified (it would move with the column's onupdate): configuration is not event data
        return (update(table).where(table.c.id == event_id)
                .values(cache_version=table.c.cache_version + 1, last_modified=table.c.last_modified))
    table = Organizer.__table__
    statement = update(table).values(cache_version=table.c.cache_version + 1)
    return statement if organizer_id is None else statement.where(table.c.id == organizer_id)


def bump(session: Session, organizer_id: int | None, event_id: int | None = None) -> None:
    """Invalidate the cached configuration of the event (given), else of the organizer, else (both None) of
    every organizer and event; in ``session``'s transaction, once per owner and transaction."""
    owner = (organizer_id, event_id)
    session.info[_CHANGED] = True
    bumped = session.info.setdefault(_BUMPED, set())
    if owner in bumped:
        return
    session.execute(_bump_statement(organizer_id, event_id))
    _mark_written(session)
    bumped.add(owner)


def bump_in_flush(connection: Connection, session: Session, organizer_id: int, event_id: int | None = None) -> None:
    """:func:`bump` from a mapper flush event of ``session``, which may only emit SQL on its ``connection``."""
    session.info[_CHANGED] = True
    connection.execute(_bump_statement(organizer_id, event_id))


def detached_copies(objects: Sequence[Any]) -> tuple[Any, ...]:
    """Detached copies of clean ``objects`` (and of the loaded objects they refer to), for :func:`put`: nobody
    changes them, and a session takes its own copies with ``Session.merge(copy, load=False)``."""
    scratch = Session()
    copies = tuple(scratch.merge(obj, load=False) for obj in objects)
    scratch.expunge_all()
    return copies


def _record(target: Any, context: QueryContext | None) -> None:
    # a merge (load=False) of a cached copy sends the load event too, without a query context
    session = context.session if context is not None else object_session(target)
    version = target.__dict__.get("cache_version")
    if session is not None and version is not None:
        session.info.setdefault(_VERSIONS, {})[(type(target), target.id)] = version


def _record_refreshed(target: Any, context: QueryContext, attrs: Any) -> None:
    if attrs is None or "cache_version" in attrs:
        _record(target, context)


for _model in (Event, Organizer):
    sa_event.listen(_model, "load", _record)
    sa_event.listen(_model, "refresh", _record_refreshed)


@sa_event.listens_for(Session, "after_transaction_end")
def _forget(session: Session, transaction: SessionTransaction) -> None:
    # every end, a savepoint's too, forgets the owners bumped: a rolled-back savepoint took its bumps with it
    session.info.pop(_BUMPED, None)
    if transaction.parent is None:
        session.info.pop(_VERSIONS, None)
        session.info.pop(_CHANGED, None)
        session.info.pop(_ORGANIZER_DELETED, None)



@sa_event.listens_for(Session, "after_flush")
def _events_and_organizers_change(session: Session, _context: Any) -> None:
    """Changed event and organizer rows are cached too (:mod:`core.resources`): a change of their columns bumps
    them; a deleted event bumps its organizer."""
    owners: set[tuple[int, int | None]] = set()
    for obj in session.dirty:
        if isinstance(obj, Event | Organizer) and session.is_modified(obj, include_collections=False):
            owners.add((obj.organizer_id, obj.id) if isinstance(obj, Event) else (obj.id, None))
    owners.update((obj.organizer_id, None) for obj in session.deleted if isinstance(obj, Event))
    for organizer_id, event_id in sorted(owners, key=lambda owner: (owner[0], owner[1] or 0)):
        bump(session, organizer_id, event_id)
    if any(isinstance(obj, Organizer) for obj in session.deleted):
        session.info[_ORGANIZER_DELETED] = True


@sa_event.listens_for(Session, "do_orm_execute")
def _bulk_change_of_events_or_organizers(state: ORMExecuteState) -> None:
    if (state.is_update or state.is_delete) and any(
            issubclass(mapper.class_, Event | Organizer) for mapper in state.all_mappers):
        bump(state.session, None)


@sa_event.listens_for(Session, "after_commit")
def _clear_after_organizer_deletion(session: Session) -> None:
    if not session.in_nested_transaction() and session.info.pop(_ORGANIZER_DELETED, None):
        clear()
