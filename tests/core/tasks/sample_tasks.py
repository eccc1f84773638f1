"""Tasks used by the task tests (tasks must live at module level so huey can name them)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from core.models import Event, Organizer
from core.pluginhost import current_registry
from core.tasks import RetryLater, TaskError, current_task_id, report_progress, task
from core.timemachine import now

#: What the tasks observed, for the tests to inspect.
calls: list[dict[str, Any]] = []
failures_left: dict[str, int] = {}


@task()
def record(session, value: str, **extra: Any) -> None:
    calls.append({
        "value": value, "extra": extra, "now": now(), "task_id": current_task_id(), "registry": current_registry(),
    })


@task()
def event_slugs(session, organizer_id: int) -> None:
    calls.append({"slugs": sorted(session.scalars(select(Event.slug)))})


@task()
def unscoped_event_count(session) -> None:
    calls.append({"count": len(session.scalars(select(Event)).all())})


@task()
def rename_organizer(session, organizer_id: int, name: str) -> None:
    session.get(Organizer, organizer_id).name = name


@task()
def rename_then_fail(session, organizer_id: int, name: str) -> None:
    session.get(Organizer, organizer_id).name = name
    raise RuntimeError("boom")


@task(retries=3)
def flaky(session, key: str) -> str:
    calls.append({"attempt": key})
    if failures_left.get(key, 0) > 0:
        failures_left[key] -= 1
        raise OSError("temporarily broken")
    return "ok"


@task(retries=2, retry_delay=60, retry_backoff=2)
def count_attempt_then_retry(session, organizer_id: int) -> None:
    organizer = session.get(Organizer, organizer_id)
    organizer.name = organizer.name + "+"
    raise RetryLater("try again")


@task()
def long_action(session, steps: int) -> dict[str, str]:
    for i in range(steps):
        report_progress(100 * i / steps, [{"label": f"step {j}", "done": j < i} for j in range(steps)])
        calls.append({"progress_step": i})
    return {"redirect": "/done", "message": "All done."}


@task()
def failing_action(session, visible: bool) -> None:
    if visible:
        raise TaskError("The export has no data.")
    raise KeyError("internal detail")
