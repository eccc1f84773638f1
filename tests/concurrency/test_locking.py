"""lock_objects on PostgreSQL with real, separately committed transactions in threads."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from core.locking import LockTimeout, lock_objects

A = ("concurrency_counter", 1)
B = ("concurrency_counter", 2)


def run_threads(*targets: Callable[[], None]) -> None:
    """Run ``targets`` in threads, join them, re-raise the first failure."""
    errors: list[BaseException] = []

    def wrap(target: Callable[[], None]) -> Callable[[], None]:
        def run() -> None:
            try:
                target()
            except BaseException as exc:  # re-raised below in the test thread
                errors.append(exc)

        return run

    threads = [threading.Thread(target=wrap(t)) for t in targets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    if errors:
        raise errors[0]


def read_modify_write(engine: Engine, barrier: threading.Barrier, lock: bool) -> None:
    with Session(engine) as session:
        barrier.wait()
        if lock:
            lock_objects(session, exclusive=[A], timeout_ms=10000)
        n = session.execute(text("SELECT n FROM concurrency_counter WHERE id = 1")).scalar_one()
        time.sleep(0.05)
        session.execute(text("UPDATE concurrency_counter SET n = :n WHERE id = 1"), {"n": n + 1})
        session.commit()


def counter(engine: Engine) -> int:
    with engine.connect() as conn:
        return conn.execute(text("SELECT n FROM concurrency_counter WHERE id = 1")).scalar_one()


@pytest.mark.parametrize(("lock", "expected"), [(True, 5), (False, 1)])
def test_read_modify_write_loses_updates_only_without_the_lock(pg_engine, counter_table, lock, expected):
    barrier = threading.Barrier(5)
    run_threads(*[lambda: read_modify_write(pg_engine, barrier, lock)] * 5)
    assert counter(pg_engine) == expected


def test_second_transaction_waits_until_the_first_commits(pg_engine, counter_table):
    locked = threading.Event()
    times: dict[str, float] = {}

    def first() -> None:
        with Session(pg_engine) as session:
            lock_objects(session, exclusive=[A])
            locked.set()
            time.sleep(0.3)
            times["first_commit"] = time.monotonic()
            session.commit()

    def second() -> None:
        locked.wait(5)
        with Session(pg_engine) as session:
            times["second_asks"] = time.monotonic()
            lock_objects(session, exclusive=[A], timeout_ms=5000)
            times["second_granted"] = time.monotonic()
            session.commit()

    run_threads(first, second)
    assert times["second_asks"] < times["first_commit"] <= times["second_granted"]


def test_opposite_orders_do_not_deadlock(pg_engine, counter_table):
    barrier = threading.Barrier(2)
    granted: list[str] = []

    def take(name: str, objects: list[tuple[str, int]]) -> Callable[[], None]:
        def run() -> None:
            with Session(pg_engine) as session:
                barrier.wait()
                lock_objects(session, exclusive=objects, timeout_ms=10000)
                granted.append(name)
                time.sleep(0.1)
                session.commit()

        return run

    for _ in range(5):
        run_threads(take("ab", [A, B]), take("ba", [B, A]))
    assert sorted(granted) == ["ab"] * 5 + ["ba"] * 5


def test_timeout_raises_lock_timeout_and_leaves_the_transaction_unusable(pg_engine, counter_table):
    with Session(pg_engine) as holder, Session(pg_engine) as waiter:
        lock_objects(holder, exclusive=[A])
        started = time.monotonic()
        with pytest.raises(LockTimeout) as info:
            lock_objects(waiter, exclusive=[A], timeout_ms=200)
        assert 0.15 <= time.monotonic() - started < 3
        assert info.value.retry_after == 5
        with pytest.raises(DBAPIError, match="current transaction is aborted"):
            waiter.execute(text("SELECT 1"))
        waiter.rollback()
        holder.commit()
        lock_objects(waiter, exclusive=[A], timeout_ms=200)
        waiter.commit()


def test_shared_locks_coexist_and_block_exclusive(pg_engine, counter_table):
    with Session(pg_engine) as one, Session(pg_engine) as two, Session(pg_engine) as writer:
        lock_objects(one, shared=[A])
        lock_objects(two, shared=[A], timeout_ms=200)
        with pytest.raises(LockTimeout):
            lock_objects(writer, exclusive=[A], timeout_ms=200)
        writer.rollback()
        one.commit()
        two.commit()
        lock_objects(writer, exclusive=[A], timeout_ms=200)
        writer.commit()


def test_exclusive_lock_blocks_shared(pg_engine, counter_table):
    with Session(pg_engine) as writer, Session(pg_engine) as reader:
        lock_objects(writer, exclusive=[A])
        with pytest.raises(LockTimeout):
            lock_objects(reader, shared=[A], timeout_ms=200)
        reader.rollback()
        writer.commit()


def test_locks_on_different_objects_do_not_block(pg_engine, counter_table):
    with Session(pg_engine) as one, Session(pg_engine) as two:
        lock_objects(one, exclusive=[A])
        lock_objects(two, exclusive=[B], timeout_ms=200)
        one.commit()
        two.commit()
