"""Capacity locks: ``lock_objects(session, exclusive=[...], shared=[...])`` inside the current transaction.

Take an **exclusive** lock on every object whose availability you are about to *reduce* (quota,
voucher, seat, membership) and a **shared** lock on objects whose rules you only read but that
someone may change exclusively (the event). Check availability *after* locking, write, commit:
the locks are released when the transaction ends (commit or rollback), never earlier. Freeing
capacity needs no lock. Nothing else in the code base locks.

Call it **once per transaction** with everything you need: all keys are taken in one sorted
statement, so two transactions that need the same objects in different orders cannot deadlock.
A second call in the same transaction is allowed only if it asks for nothing new (it is then a
no-op); asking for new objects raises :class:`LockingError`, because a second round of locks
could deadlock against another transaction's first round.

**PostgreSQL.** Advisory *transaction* locks (``pg_advisory_xact_lock`` and
``pg_advisory_xact_lock_shared``). ``SET LOCAL lock_timeout`` (``ticketry.lock_timeout_ms``,
3000 ms by default) is set first and stays in force for the rest of the transaction, so any later
row-lock wait gives up after the same time. Then one ``SELECT`` takes all keys in ascending
order. Each object gets the key :func:`lock_key`: the first 8 bytes of
``blake2b(b"<table name>:<primary key>")`` read as a signed big-endian 64-bit integer. The key is
stable across processes, releases and machines, and the table name keeps the key spaces of
different tables apart. A hash collision only makes two unrelated objects serialise; it never
makes anything unsafe. If an object is requested both shared and exclusive, the exclusive lock
wins.

**SQLite.** SQLite has one writer at a time, so all writers are serialised: the call runs
``DELETE FROM write_lock`` (an always-empty table), which takes the database write lock at
once, waiting at most the lock timeout (``PRAGMA busy_timeout``). Until the commit no other
connection can write, so the check-then-write that follows cannot interleave. The objects only
matter for the once-per-transaction rule. In WAL mode a transaction that has already read
cannot take the write lock if another connection committed after that read. SQLite refuses at
once, and that refusal is reported as :class:`LockTimeout` too. Retrying the whole transaction
is the answer in both cases.

**Timeout.** :class:`LockTimeout` carries ``retry_after`` (seconds) for the API's
``409 Conflict`` + ``Retry-After``. After it, the transaction is **unusable**: PostgreSQL has
aborted it and only a rollback is possible. Let the exception propagate (pyramid_tm and
``unit_of_work`` roll back) and retry the whole unit of work.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import Any

from pyramid.threadlocal import get_current_registry
from sqlalchemy import Table, delete, inspect, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, SessionTransaction

from core.configuration import OPTIONS_BY_KEY
from core.models.locking import WriteLock

#: What ``lock_objects`` accepts: an ORM instance, or a ``(table, primary key)`` pair where table
#: is a table name, a mapped class or a :class:`sqlalchemy.Table`.
Lockable = Any

#: ``Retry-After`` seconds suggested to clients after a :class:`LockTimeout` (pretix answers 5).
RETRY_AFTER_SECONDS = 5

_PG_LOCK_NOT_AVAILABLE = "55P03"
_SQLITE_BUSY = 5
_SQLITE_DEFAULT_BUSY_TIMEOUT_MS = 30000
_HELD = "ticketry.locking.held"


class LockTimeout(Exception):
    """The locks were not granted within the lock timeout; the transaction must be rolled back.

    ``retry_after`` is the number of seconds a client should wait before trying again (the API
    sends it as ``Retry-After`` with ``409 Conflict``).
    """

    def __init__(self, message: str, retry_after: int = RETRY_AFTER_SECONDS) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class LockingError(RuntimeError):
    """``lock_objects`` was misused (a second round of new locks, an unsaved object, a bad argument)."""


def lock_key(table: str, pk: Any) -> int:
    """The 64-bit advisory lock key of row ``pk`` of ``table`` (see the module docstring)."""
    digest = hashlib.blake2b(f"{table}:{pk}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def _table_name(table: Any) -> str:
    if isinstance(table, str):
        return table
    if isinstance(table, Table):
        return table.name
    mapped_table = getattr(table, "__table__", None)
    if isinstance(mapped_table, Table):
        return mapped_table.name
    raise LockingError(f"cannot lock {table!r}: expected a table name, a mapped class or a Table")


def identify(obj: Lockable) -> tuple[str, Any]:
    """``(table name, primary key)`` of an ORM instance or a ``(table, id)`` pair."""
    if isinstance(obj, tuple):
        if len(obj) != 2 or obj[1] is None:
            raise LockingError(f"cannot lock {obj!r}: expected a (table, id) pair")
        return _table_name(obj[0]), obj[1]
    state = inspect(obj, raiseerr=False)
    if state is None or not hasattr(state, "mapper"):
        raise LockingError(f"cannot lock {obj!r}: expected an ORM instance or a (table, id) pair")
    identity = state.identity
    if identity is None:
        raise LockingError(f"cannot lock {obj!r}: it has no primary key yet (add and flush it first)")
    pk = identity[0] if len(identity) == 1 else "/".join(str(part) for part in identity)
    return state.mapper.local_table.name, pk


def _requested(exclusive: Iterable[Lockable], shared: Iterable[Lockable]) -> dict[int, bool]:
    """``{key: is_exclusive}`` for every requested object; exclusive wins over shared."""
    keys: dict[int, bool] = {}
    for obj in shared:
        keys.setdefault(lock_key(*identify(obj)), False)
    for obj in exclusive:
        keys[lock_key(*identify(obj))] = True
    return keys


def _default_timeout_ms() -> int:
    settings = get_current_registry().settings or {}
    return int(settings.get("ticketry.lock_timeout_ms", OPTIONS_BY_KEY["ticketry.lock_timeout_ms"].default))


def _root(session: Session) -> SessionTransaction:
    current = session.get_transaction()
    if current is None:
        session.connection()
        current = session.get_transaction()
    assert current is not None
    while current.parent is not None:
        current = current.parent
    return current


def _held(session: Session, root: SessionTransaction) -> dict[int, bool]:
    """The keys the session's current root transaction already holds.

    The entry is keyed by the root transaction object itself, so a new transaction starts empty.
    """
    held = session.info.get(_HELD)
    if held is None or held[0] is not root:
        held = (root, {})
        session.info[_HELD] = held
    return held[1]


def lock_objects(
    session: Session,
    exclusive: Iterable[Lockable] = (),
    shared: Iterable[Lockable] = (),
    timeout_ms: int | None = None,
) -> None:
    """Lock ``exclusive`` and ``shared`` objects until the end of the session's transaction.

    :param session: the session whose transaction holds the locks (begun if it has not yet).
    :param exclusive: objects whose capacity this transaction reduces.
    :param shared: objects this transaction relies on but does not change (typically the event).
    :param timeout_ms: how long to wait; ``ticketry.lock_timeout_ms`` by default.
    :raises LockTimeout: not granted in time; the transaction is unusable afterwards.
    :raises LockingError: bad objects, or new objects in a second call in the same transaction.
    """
    requested = _requested(exclusive, shared)
    if not requested:
        return
    root = _root(session)
    held = _held(session, root)
    if held:
        missing = {k for k, excl in requested.items() if k not in held or (excl and not held[k])}
        if missing:
            raise LockingError(
                "lock_objects was already called in this transaction; take every lock in one call "
                "(a second round of new locks can deadlock)"
            )
        return
    timeout = _default_timeout_ms() if timeout_ms is None else int(timeout_ms)
    if timeout < 0:
        raise LockingError(f"timeout_ms must be >= 0, got {timeout}")
    if session.get_bind().dialect.name == "postgresql":
        _lock_postgresql(session, requested, timeout)
    else:
        _lock_sqlite(session, timeout)
    held.update(requested)


def _lock_postgresql(session: Session, requested: dict[int, bool], timeout_ms: int) -> None:
    calls = ", ".join(
        f"pg_advisory_xact_lock({key})" if excl else f"pg_advisory_xact_lock_shared({key})"
        for key, excl in sorted(requested.items())
    )
    try:
        # One round trip (a simple query of two statements; keys and timeout are integers): the locked
        # section of a ticket rush starts here, and every round trip in it costs throughput.
        session.connection().exec_driver_sql(f"SET LOCAL lock_timeout = '{int(timeout_ms)}ms'; SELECT {calls}")
    except OperationalError as exc:
        if getattr(exc.orig, "sqlstate", None) == _PG_LOCK_NOT_AVAILABLE:
            raise LockTimeout(
                f"could not lock {len(requested)} object(s) within {timeout_ms} ms; roll back and retry"
            ) from exc
        raise


def _lock_sqlite(session: Session, timeout_ms: int) -> None:
    session.execute(text(f"PRAGMA busy_timeout = {timeout_ms}"))
    try:
        session.execute(delete(WriteLock.__table__))
    except OperationalError as exc:
        if getattr(exc.orig, "sqlite_errorcode", 0) & 0xFF == _SQLITE_BUSY:
            raise LockTimeout(
                f"could not take the SQLite write lock within {timeout_ms} ms (or another writer committed "
                "after this transaction's first read); roll back and retry"
            ) from exc
        raise
    finally:
        session.execute(text(f"PRAGMA busy_timeout = {_SQLITE_DEFAULT_BUSY_TIMEOUT_MS}"))
