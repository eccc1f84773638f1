"""Task wrapper: after-commit queueing, unit of work, tenant scope, time machine, retries."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from core.db.session import unit_of_work
from core.i18n import I18nString
from core.models import Event, Organizer
from core.tasks import enqueue_after_commit
from core.timemachine import time_machine
from tests.core.tasks import sample_tasks as t


@pytest.fixture(autouse=True)
def _reset():
    t.calls.clear()
    t.failures_left.clear()


def test_enqueue_after_commit_runs_only_on_commit(huey_immediate, db_session, tm):
    task_id = enqueue_after_commit(db_session, t.record, "committed")
    assert t.calls == []
    tm.commit()
    tm.begin()  # the tm fixture's teardown expects an open transaction
    assert [c["value"] for c in t.calls] == ["committed"]
    assert t.calls[0]["task_id"] == task_id


def test_enqueue_after_commit_does_nothing_on_abort(huey_immediate, db_session, tm):
    enqueue_after_commit(db_session, t.record, "aborted")
    tm.abort()
    tm.begin()
    assert t.calls == []


def test_enqueue_after_commit_needs_a_transaction_manager(db_engine):
    from sqlalchemy.orm import Session

    with Session(db_engine) as session, pytest.raises(RuntimeError, match="transaction manager"):
        enqueue_after_commit(session, t.record, "x")


def test_task_commits_its_unit_of_work(huey_immediate, registry, connection):
    with unit_of_work(registry) as session:
        organizer = Organizer(slug="taskorg", name="Before")
        session.add(organizer)
        session.flush()
        organizer_id = organizer.id
    t.rename_organizer(organizer_id, "After")
    with unit_of_work(registry) as session:
        assert session.get(Organizer, organizer_id).name == "After"


def test_failing_task_rolls_back(huey_immediate, registry, connection):
    with unit_of_work(registry) as session:
        organizer = Organizer(slug="taskorg", name="Before")
        session.add(organizer)
        session.flush()
        organizer_id = organizer.id
    t.rename_then_fail(organizer_id, "After")
    with unit_of_work(registry) as session:
        assert session.get(Organizer, organizer_id).name == "Before"


def make_two_organizers(registry):
    ids = []
    with unit_of_work(registry) as session:
        for slug in ("one", "two"):
            organizer = Organizer(slug=slug, name=slug)
            session.add(organizer)
            session.flush()
            session.add(Event(organizer_id=organizer.id, slug=f"{slug}-event", name=I18nString("x"),
                              date_from=datetime(2030, 1, 1, tzinfo=UTC)))
            session.flush()
            ids.append(organizer.id)
    return ids


def test_task_with_organizer_id_runs_in_that_tenant_scope(huey_immediate, registry, connection):
    one, two = make_two_organizers(registry)
    t.event_slugs(organizer_id=one)
    t.event_slugs(two)
    assert t.calls == [{"slugs": ["one-event"]}, {"slugs": ["two-event"]}]


def test_task_without_organizer_id_has_no_tenant_scope(huey_immediate, registry, connection, caplog):
    make_two_organizers(registry)
    t.unscoped_event_count()
    assert t.calls == []
    assert "TenantScopeError" in caplog.text


def test_override_now_is_applied_and_not_forwarded(huey_immediate):
    moment = datetime(2029, 6, 1, 8, 0, tzinfo=UTC)
    t.record("tm", override_now=moment, colour="blue")
    t.record("real")
    assert t.calls[0]["now"] == moment
    assert t.calls[0]["extra"] == {"colour": "blue"}
    assert t.calls[1]["now"] != moment


def test_time_machine_of_the_caller_is_not_inherited(huey_immediate):
    moment = datetime(2029, 6, 1, 8, 0, tzinfo=UTC)
    with time_machine(moment):
        t.record("inherited?")
    assert t.calls[0]["now"] != moment


def test_failures_are_retried_until_success(huey_immediate):
    t.failures_left["a"] = 2
    t.flaky("a")
    assert [c["attempt"] for c in t.calls] == ["a", "a", "a"]
    assert t.failures_left["a"] == 0


def test_retries_run_out(huey_immediate):
    t.failures_left["b"] = 10
    t.flaky("b")
    assert len(t.calls) == 4
    assert t.failures_left["b"] == 6


def test_retry_later_commits_and_schedules_with_backoff(huey_immediate, registry, connection):
    with unit_of_work(registry) as session:
        organizer = Organizer(slug="retry", name="n")
        session.add(organizer)
        session.flush()
        organizer_id = organizer.id
    t.count_attempt_then_retry(organizer_id=organizer_id)
    scheduled = huey_immediate.scheduled()
    assert len(scheduled) == 1
    assert scheduled[0].retries == 1
    assert huey_immediate.run_scheduled() == 2
    with unit_of_work(registry) as session:
        assert session.get(Organizer, organizer_id).name == "n+++"
    assert huey_immediate.scheduled() == []


def run_in_thread(func):
    """Run ``func`` in a fresh thread, where no Pyramid registry is pushed (like a consumer thread)."""
    import threading

    outcome = {}

    def target():
        try:
            outcome["value"] = func()
        except Exception as exc:  # handed back to the test thread
            outcome["error"] = exc

    thread = threading.Thread(target=target)
    thread.start()
    thread.join()
    if "error" in outcome:
        raise outcome["error"]
    return outcome.get("value")


def test_task_without_app_registry_fails_clearly(huey_immediate, monkeypatch):
    from core.tasks import huey
    from core.tasks.runner import _application_registry

    monkeypatch.setattr(huey, "registry", None)
    with pytest.raises(RuntimeError, match="no Ticketry application registry"):
        run_in_thread(_application_registry)


def test_task_in_a_thread_without_registry_uses_the_configured_one(huey_immediate, registry):
    run_in_thread(lambda: t.record("x"))
    assert t.calls[0]["registry"] is registry
