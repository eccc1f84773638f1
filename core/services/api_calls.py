"""Storage of the REST API's idempotent calls and request counters, each step in its own short transaction.

Every function here takes the session *factory* (``registry.dbsession_factory``), not the request's
session: the row that marks an idempotent call as running must be visible to a concurrent repeat
before the request's own transaction commits, and it must survive that transaction's rollback.

Life of a call: :func:`begin_call` inserts the row locked (the unique key ``(auth_hash,
idempotency_key)`` lets exactly one of two concurrent callers win) or reports the existing row;
:func:`finish_call` stores the response and unlocks it, or deletes the row for responses that must
not be replayed (409, 429, 500, 503) so the client can retry; :func:`drop_call` deletes it when the
request failed without a response. Rows older than :data:`CALL_LIFETIME` are ignored and removed by
the hourly :func:`purge_api_records`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from huey import crontab
from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core.models.api_calls import ApiCall, ApiRateCounter
from core.tasks import periodic_task

#: How long a stored response is replayed (pretix: 24 hours).
CALL_LIFETIME = timedelta(hours=24)
#: Response codes that are not stored: the client may retry with the same key.
NOT_STORED = frozenset({409, 429, 500, 503})

SessionFactory = Callable[[], Session]


@dataclass(frozen=True)
class StoredResponse:
    """A response as it was sent: status code, header pairs in order, body bytes."""

    status: int
    headers: list[tuple[str, str]]
    body: bytes


@dataclass(frozen=True)
class Claim:
    """What :func:`begin_call` found: ``call_id`` set = the caller runs the request (and must call
    :func:`finish_call` or :func:`drop_call`); ``stored`` set = replay it; neither = another request
    with the same key is still running."""

    call_id: int | None = None
    stored: StoredResponse | None = None

    @property
    def running(self) -> bool:
        return self.call_id is None and self.stored is None


def _now(now: datetime | None) -> datetime:
    return now or datetime.now(UTC)


def _claim_of(call: ApiCall | None) -> Claim:
    if call is None or call.locked:
        return Claim()
    headers = [(str(name), str(value)) for name, value in call.response_headers or ()]
    return Claim(stored=StoredResponse(int(call.response_code or 200), headers, bytes(call.response_body or b"")))


def _call_query(auth_hash: str, key: str) -> Any:
    return select(ApiCall).where(ApiCall.auth_hash == auth_hash, ApiCall.idempotency_key == key)


def begin_call(factory: SessionFactory, auth_hash: str, key: str, *, now: datetime | None = None) -> Claim:
    """Claim ``key`` for the caller ``auth_hash`` (see :class:`Claim`); an expired row of the key is replaced.

    The locked row is committed before this returns. A row that vanished between a lost insert and
    the re-read (its request ended with a response that is not stored) counts as still running.
    """
    moment = _now(now)
    try:
        with factory() as session, session.begin():
            session.execute(delete(ApiCall).where(
                ApiCall.auth_hash == auth_hash, ApiCall.idempotency_key == key,
                ApiCall.created < moment - CALL_LIFETIME,
            ))
            existing = session.scalars(_call_query(auth_hash, key)).one_or_none()
            if existing is not None:
                return _claim_of(existing)
            call = ApiCall(idempotency_key=key, auth_hash=auth_hash, locked=True, created=moment)
            session.add(call)
            session.flush()
            return Claim(call_id=call.id)
    except IntegrityError:
        with factory() as session:
            return _claim_of(session.scalars(_call_query(auth_hash, key)).one_or_none())


def finish_call(factory: SessionFactory, call_id: int, status: int, headers: Iterable[tuple[str, str]],
                body: bytes) -> bool:
    """Store the response of call ``call_id`` and unlock it; returns False (row deleted) for :data:`NOT_STORED`."""
    if status in NOT_STORED:
        drop_call(factory, call_id)
        return False
    with factory() as session, session.begin():
        call = session.get(ApiCall, call_id)
        if call is None:
            return False
        call.response_code = status
        call.response_headers = [[name, value] for name, value in headers]
        call.response_body = body
        call.locked = False
    return True


def drop_call(factory: SessionFactory, call_id: int) -> None:
    """Forget call ``call_id`` (its request failed); the key may be used again at once."""
    with factory() as session, session.begin():
        session.execute(delete(ApiCall).where(ApiCall.id == call_id))


def stored_call(session: Session, auth_hash: str, key: str, *, now: datetime | None = None) -> ApiCall | None:
    """The unexpired call ``key`` of the caller ``auth_hash`` (locked or answered), or None."""
    return session.scalars(
        _call_query(auth_hash, key).where(ApiCall.created >= _now(now) - CALL_LIFETIME)
    ).one_or_none()


def response_of(call: ApiCall) -> StoredResponse | None:
    """The stored response of an unlocked call; None while its request is still running."""
    return _claim_of(call).stored


def minute_of(moment: datetime) -> int:
    """Minutes since the Unix epoch (the rate counter's window)."""
    return int(moment.timestamp() // 60)


def count_request(factory: SessionFactory, principal_hash: str, *, now: datetime | None = None) -> tuple[int, int]:
    """Count one request of ``principal_hash`` in the current minute (an atomic upsert, committed at once).

    Returns the requests counted in this minute so far, this one included, and the seconds until the
    minute ends.
    """
    moment = _now(now)
    minute = minute_of(moment)
    with factory() as session, session.begin():
        dialect = session.get_bind().dialect.name
        insert = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}[dialect]
        stmt = insert(ApiRateCounter).values(principal_hash=principal_hash, minute=minute, count=1)
        stmt = stmt.on_conflict_do_update(
            index_elements=["principal_hash", "minute"], set_={"count": ApiRateCounter.count + 1},
        ).returning(ApiRateCounter.count)
        count = int(session.execute(stmt).scalar_one())
    return count, max(1, 60 - int(moment.timestamp()) % 60)


def purge_api_records(session: Session, *, now: datetime | None = None) -> tuple[int, int]:
    """Delete calls older than :data:`CALL_LIFETIME` and counters of past minutes; returns both counts."""
    moment = _now(now)
    calls = session.execute(delete(ApiCall).where(ApiCall.created < moment - CALL_LIFETIME)).rowcount or 0
    counters = session.execute(delete(ApiRateCounter).where(ApiRateCounter.minute < minute_of(moment))).rowcount
    return calls, counters or 0


@periodic_task(crontab(minute="23"), name="core.api.purge_api_records")
def purge_api_records_task(session: Session) -> tuple[int, int]:
    """Hourly: :func:`purge_api_records` in its own unit of work."""
    return purge_api_records(session)
