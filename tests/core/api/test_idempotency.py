"""X-Idempotency-Key: one run per caller and key, replay verbatim, 409 while running, no storing of retryable
answers, 24 h lifetime and purge, the query endpoint, and two real connections racing on PostgreSQL."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from pyramid.request import Request
from pyramid.response import Response
from sqlalchemy import Engine, delete, func, select, update
from sqlalchemy.orm import Session, sessionmaker

from core.api.idempotency import idempotency_tween_factory, scope_hash
from core.db import scopes_disabled
from core.models import TaxRule
from core.models.api_calls import ApiCall, ApiRateCounter
from core.services.api_calls import begin_call, purge_api_records

BASE = "/organizers/demo/events/conf/taxrules/"
KEY = {"X-Idempotency-Key": "k-1"}


def _with_key(api_client: Any, key: str = "k-1") -> dict[str, str]:
    return {**api_client.headers, "X-Idempotency-Key": key}


def _rules(session: Session) -> int:
    with scopes_disabled():
        return session.scalar(select(func.count()).select_from(TaxRule))


def _calls(session: Session) -> list[ApiCall]:
    return list(session.scalars(select(ApiCall).order_by(ApiCall.id)))


def test_repeat_replays_the_first_response_and_runs_once(api_client: Any, event: Any, db_session: Session) -> None:
    headers = _with_key(api_client)
    first = api_client.post(BASE, {"name": {"en": "VAT"}, "rate": "19"}, headers=headers, status=201)
    again = api_client.post(BASE, {"name": {"en": "Other"}, "rate": "7"}, headers=headers, status=201)
    assert again.body == first.body and again.json["rate"] == "19.00"
    assert again.headers["Content-Type"] == first.headers["Content-Type"]
    assert _rules(db_session) == 1
    (call,) = _calls(db_session)
    assert not call.locked and call.response_code == 201 and call.idempotency_key == "k-1"
    assert call.auth_hash != scope_hash(Request.blank("/"))


def test_replay_ignores_method_and_path(api_client: Any, event: Any) -> None:
    headers = _with_key(api_client)
    first = api_client.post(BASE, {"name": {"en": "VAT"}, "rate": "19"}, headers=headers, status=201)
    replayed = api_client.delete(f"{BASE}{first.json['id']}/", headers=headers, status=201)
    assert replayed.json == first.json
    assert api_client.get(f"{BASE}{first.json['id']}/").json["id"] == first.json["id"]


def test_other_credentials_and_keys_run_anew(api_client: Any, event: Any, organizer: Any, db_session: Session,
                                            make_api_token: Callable[..., dict[str, str]]) -> None:
    body = {"name": {"en": "VAT"}, "rate": "19"}
    api_client.post(BASE, body, headers=_with_key(api_client), status=201)
    other = {**make_api_token(organizer, everything=True), "X-Idempotency-Key": "k-1"}
    api_client.post(BASE, body, headers=other, status=201)
    api_client.post(BASE, body, headers=_with_key(api_client, "k-2"), status=201)
    api_client.post(BASE, body, status=201)
    api_client.post(BASE, body, headers={**api_client.headers, "X-Idempotency-Key": ""}, status=201)
    assert _rules(db_session) == 5


def test_client_errors_are_stored_too(api_client: Any, event: Any, db_session: Session) -> None:
    headers = _with_key(api_client)
    refused = api_client.post(BASE, {"rate": "19"}, headers=headers, status=400)
    assert api_client.post(BASE, {"name": {"en": "VAT"}, "rate": "19"}, headers=headers, status=400).json == \
        refused.json == {"name": ["This field is required."]}
    assert _rules(db_session) == 0


def test_too_long_key_is_refused(api_client: Any, event: Any, db_session: Session) -> None:
    response = api_client.post(BASE, {"name": {"en": "VAT"}, "rate": "19"}, status=400,
                               headers=_with_key(api_client, "k" * 191))
    assert response.json == {"detail": "The idempotency key must not be longer than 190 characters."}
    assert _rules(db_session) == 0


class FakeView:
    """A downstream handler answering the queued statuses (or raising), counting its runs."""

    def __init__(self, *outcomes: int | BaseException) -> None:
        self.outcomes = list(outcomes)
        self.runs = 0

    def __call__(self, request: Request) -> Response:
        self.runs += 1
        outcome = self.outcomes.pop(0)
        if isinstance(outcome, BaseException):
            raise outcome
        return Response(body=f"run {self.runs}".encode(), status=outcome, headerlist=[("X-Run", str(self.runs))])


def _post(path: str = "/api/v1/anything/", key: str = "k-1", auth: str = "Token abc") -> Request:
    return Request.blank(path, method="POST", headers={"X-Idempotency-Key": key, "Authorization": auth})


def _tween(view: FakeView, registry: Any) -> Callable[[Request], Response]:
    return idempotency_tween_factory(view, SimpleNamespace(dbsession_factory=registry.dbsession_factory))


@pytest.mark.parametrize("status", [409, 429, 500, 503])
def test_retryable_answers_are_not_stored(status: int, registry: Any, connection: Any, db_session: Session) -> None:
    view = FakeView(status, 201)
    tween = _tween(view, registry)
    assert tween(_post()).status_code == status
    assert _calls(db_session) == []
    second = tween(_post())
    assert (second.status_code, second.body, view.runs) == (201, b"run 2", 2)
    third = tween(_post())
    assert (third.status_code, third.body, third.headers["X-Run"], view.runs) == (201, b"run 2", "2", 2)


def test_failed_request_frees_the_key(registry: Any, connection: Any, db_session: Session) -> None:
    view = FakeView(RuntimeError("commit failed"), 200)
    tween = _tween(view, registry)
    with pytest.raises(RuntimeError):
        tween(_post())
    assert _calls(db_session) == []
    assert tween(_post()).body == b"run 2"


def test_only_writes_under_api_are_tracked(registry: Any, connection: Any, db_session: Session) -> None:
    view = FakeView(200, 200, 200, 200)
    tween = _tween(view, registry)
    get = Request.blank("/api/v1/anything/", headers=KEY)
    for request in (get, get.copy(), _post("/control/x/"), _post("/control/x/")):
        tween(request)
    assert view.runs == 4 and _calls(db_session) == []


def test_running_call_answers_409_and_query_endpoint(api_client: Any, event: Any, registry: Any,
                                                      db_session: Session) -> None:
    auth = api_client.headers["Authorization"]
    claim = begin_call(registry.dbsession_factory, scope_hash(_post(auth=auth)), "k-1")
    assert claim.call_id is not None
    busy = api_client.post(BASE, {"name": {"en": "VAT"}, "rate": "19"}, headers=_with_key(api_client), status=409)
    assert busy.json == {"detail": "Concurrent request with idempotency key."}
    assert busy.headers["Retry-After"] == "5"
    queried = api_client.get("/idempotency_query/?key=k-1", status=409)
    assert queried.headers["Retry-After"] == "5"
    assert _rules(db_session) == 0
    db_session.execute(delete(ApiCall))
    created = api_client.post(BASE, {"name": {"en": "VAT"}, "rate": "19"}, headers=_with_key(api_client),
                              status=201)
    stored = api_client.get("/idempotency_query/?key=k-1", status=201)
    assert stored.body == created.body and stored.headers["Content-Type"] == created.headers["Content-Type"]
    assert api_client.get("/idempotency_query/?key=nope", status=404).json == {
        "detail": "Idempotency key not seen before."}
    assert api_client.get("/idempotency_query/", status=400).json == {"key": ["This field is required."]}
    assert api_client.get("/idempotency_query/?key=k-1", headers={}, status=401).status_code == 401


def test_expired_calls_are_ignored_and_purged(api_client: Any, event: Any, db_session: Session) -> None:
    headers = _with_key(api_client)
    api_client.post(BASE, {"name": {"en": "VAT"}, "rate": "19"}, headers=headers, status=201)
    db_session.execute(update(ApiCall).values(created=datetime.now(UTC) - timedelta(hours=25)))
    api_client.get("/idempotency_query/?key=k-1", status=404)
    again = api_client.post(BASE, {"name": {"en": "Other"}, "rate": "7"}, headers=headers, status=201)
    assert again.json["rate"] == "7.00" and _rules(db_session) == 2
    (call,) = _calls(db_session)
    assert call.created > datetime.now(UTC) - timedelta(hours=1)
    db_session.add(ApiRateCounter(principal_hash="x" * 40, minute=1, count=3))
    db_session.execute(update(ApiCall).values(created=datetime.now(UTC) - timedelta(hours=24, seconds=1)))
    assert purge_api_records(db_session) == (1, 1)
    assert _calls(db_session) == [] and db_session.scalar(select(func.count()).select_from(ApiRateCounter)) == 0


@pytest.fixture
def pg_factory(db_engine: Engine) -> Iterator[sessionmaker[Session]]:
    """Sessions on their own connections that really commit (PostgreSQL only); api_call emptied afterwards."""
    if db_engine.dialect.name != "postgresql":
        pytest.skip("needs PostgreSQL: set TICKETRY_TEST_DATABASE_URL=postgresql+psycopg://...")
    factory = sessionmaker(bind=db_engine, expire_on_commit=False)
    yield factory
    with factory() as session, session.begin():
        session.execute(delete(ApiCall))


@pytest.mark.postgres
def test_concurrent_repeat_gets_409_then_the_replay(pg_factory: sessionmaker[Session]) -> None:
    started, release = threading.Event(), threading.Event()
    runs: list[int] = []

    def slow_view(request: Request) -> Response:
        runs.append(1)
        started.set()
        assert release.wait(10)
        return Response(body=b'{"id": 1}', status=201, content_type="application/json")

    tween = idempotency_tween_factory(slow_view, SimpleNamespace(dbsession_factory=pg_factory))
    results: list[Response] = []
    first = threading.Thread(target=lambda: results.append(tween(_post())))
    first.start()
    assert started.wait(10)
    busy = tween(_post())
    release.set()
    first.join(10)
    assert busy.status_code == 409 and busy.headers["Retry-After"] == "5"
    assert results[0].status_code == 201
    replayed = tween(_post())
    assert (replayed.status_code, replayed.body, len(runs)) == (201, b'{"id": 1}', 1)


def _race(factory: sessionmaker[Session], key: str) -> list[Any]:
    barrier = threading.Barrier(2)
    claims: list[Any] = []

    def claim() -> None:
        barrier.wait(5)
        claims.append(begin_call(factory, "a" * 40, key))

    threads = [threading.Thread(target=claim) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    return claims


@pytest.mark.postgres
def test_racing_claims_have_one_winner(pg_factory: sessionmaker[Session]) -> None:
    for round_ in range(10):
        claims = _race(pg_factory, f"race-{round_}")
        assert sorted(c.call_id is not None for c in claims) == [False, True]
        assert [c.running for c in claims if c.call_id is None] == [True]
