"""lock_objects: keys, argument handling, once-per-transaction rule, and SQLite writer serialisation."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from core.db import Base
from core.db.session import make_engine
from core.locking import LockingError, LockTimeout, identify, lock_key, lock_objects
from core.models import Event, Organizer, WriteLock


def test_lock_key_is_stable_signed_64_bit_and_separates_tables():
    assert lock_key("quota", 1) == lock_key("quota", 1)
    assert lock_key("quota", 1) != lock_key("voucher", 1)
    assert lock_key("quota", 1) != lock_key("quota", 2)
    keys = [lock_key("quota", i) for i in range(1000)]
    assert len(set(keys)) == 1000
    assert all(-(2**63) <= k < 2**63 for k in keys)
    # Fixed value: the scheme must never change between releases (other processes use it).
    assert lock_key("event", 42) == 5388580199052802617


def test_identify_accepts_instances_pairs_classes_and_tables(db_session, organizer):
    assert identify(organizer) == ("organizer", organizer.id)
    assert identify(("quota", 7)) == ("quota", 7)
    assert identify((Event, 3)) == ("event", 3)
    assert identify((Event.__table__, 3)) == ("event", 3)


@pytest.mark.parametrize("bad", [object(), ("quota",), ("quota", None), (42, 1), "quota"])
def test_identify_rejects_bad_objects(bad):
    with pytest.raises(LockingError, match="cannot lock"):
        identify(bad)


def test_unsaved_instance_is_refused(db_session):
    with pytest.raises(LockingError, match="flush it first"):
        lock_objects(db_session, exclusive=[Organizer(slug="x", name="X")])


def test_lock_in_transaction_then_second_round_rules(db_session, organizer, event):
    lock_objects(db_session, exclusive=[event], shared=[organizer], timeout_ms=500)
    # Asking again for what is held is a no-op, even exclusive-held asked as shared.
    lock_objects(db_session, shared=[event, organizer])
    with pytest.raises(LockingError, match="already called"):
        lock_objects(db_session, exclusive=[("quota", 1)])
    with pytest.raises(LockingError, match="already called"):
        lock_objects(db_session, exclusive=[organizer])


def test_nothing_requested_is_a_no_op(db_session):
    lock_objects(db_session)
    assert db_session.get_transaction() is None


def test_negative_timeout_is_refused(db_session):
    with pytest.raises(LockingError, match="timeout_ms"):
        lock_objects(db_session, exclusive=[("quota", 1)], timeout_ms=-1)


def test_a_new_transaction_starts_without_locks(db_engine):
    with Session(db_engine) as session:
        lock_objects(session, exclusive=[("quota", 1)], timeout_ms=500)
        session.rollback()
        lock_objects(session, exclusive=[("quota", 2)], timeout_ms=500)
        session.rollback()


@pytest.fixture
def sqlite_file_engine(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path}/locks.sqlite")
    Base.metadata.create_all(engine, tables=[WriteLock.__table__])
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE counter (id INTEGER PRIMARY KEY, n INTEGER)"))
        conn.execute(text("INSERT INTO counter VALUES (1, 0)"))
    yield engine
    engine.dispose()


def test_sqlite_second_writer_times_out_while_first_holds_the_lock(sqlite_file_engine):
    with Session(sqlite_file_engine) as first, Session(sqlite_file_engine) as second:
        lock_objects(first, exclusive=[("counter", 1)])
        started = time.monotonic()
        with pytest.raises(LockTimeout) as info:
            lock_objects(second, exclusive=[("counter", 1)], timeout_ms=150)
        assert time.monotonic() - started >= 0.1
        assert info.value.retry_after == 5
        second.rollback()
        first.commit()
        lock_objects(second, exclusive=[("counter", 1)], timeout_ms=150)
        second.commit()


def test_sqlite_lock_after_a_stale_read_raises_lock_timeout(sqlite_file_engine):
    with Session(sqlite_file_engine) as reader, Session(sqlite_file_engine) as writer:
        reader.execute(text("SELECT n FROM counter")).scalar_one()
        writer.execute(text("UPDATE counter SET n = n + 1"))
        writer.commit()
        with pytest.raises(LockTimeout, match="committed"):
            lock_objects(reader, exclusive=[("counter", 1)], timeout_ms=5000)


def test_sqlite_writers_serialise_read_modify_write(sqlite_file_engine):
    workers = 4
    barrier = threading.Barrier(workers)
    errors: list[BaseException] = []

    def work() -> None:
        try:
            with Session(sqlite_file_engine) as session:
                barrier.wait()
                lock_objects(session, exclusive=[("counter", 1)], timeout_ms=10000)
                n = session.execute(text("SELECT n FROM counter WHERE id = 1")).scalar_one()
                time.sleep(0.02)
                session.execute(text("UPDATE counter SET n = :n WHERE id = 1"), {"n": n + 1})
                session.commit()
        except BaseException as exc:  # collected and re-raised in the test thread
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with sqlite_file_engine.connect() as conn:
        assert conn.execute(text("SELECT n FROM counter")).scalar_one() == workers
