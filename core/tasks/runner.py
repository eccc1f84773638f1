"""Running a task: registry, unit of work, tenant scope, time machine, retries."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from datetime import datetime
from typing import Any

from huey.api import Task, TaskWrapper
from pyramid.threadlocal import manager
from sqlalchemy.orm import Session

from core.db import tenancy
from core.db.session import unit_of_work
from core.tasks import progress
from core.tasks.queue import huey
from core.timemachine import time_machine

_current_task_id = progress.current_task


class TaskError(Exception):
    """An error whose message is meant for the user who started an async action.

    The polling JSON shows its message; other exceptions show a generic one (their details go to
    the log only). Subclass it for domain errors, or list other classes in ``task(user_errors=...)``.
    """


class RetryLater(Exception):
    """Raise from a task to **commit** the work done so far and let huey retry it.

    It counts against the task's ``retries`` and waits ``retry_delay`` (times ``retry_backoff``
    per attempt), like any failure, but the unit of work commits instead of rolling back, so the
    task can record the attempt (e.g. an outgoing mail's error and attempt count).
    """


def current_task_id() -> str | None:
    """The id of the task running in this context, or None outside a task."""
    return _current_task_id.get()


def _application_registry() -> Any:
    pushed = manager.get()["registry"] if manager.stack else None
    if pushed is not None and hasattr(pushed, "dbsession_factory"):
        return pushed
    if huey.registry is not None:
        return huey.registry
    raise RuntimeError(
        "no Ticketry application registry for this task: tasks run inside a configured app "
        "(core.app.make_config includes core.tasks; `ticketry worker` builds the app first)"
    )


@contextmanager
def _pushed(registry: Any) -> Iterator[None]:
    if manager.stack and manager.get()["registry"] is registry:
        yield
        return
    manager.push({"registry": registry, "request": None})
    try:
        yield
    finally:
        manager.pop()


def _run(
    func: Callable[..., Any],
    signature: inspect.Signature,
    user_errors: tuple[type[BaseException], ...],
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    task: Task | None,
    override_now: datetime | None,
    async_action: bool,
) -> Any:
    bound = signature.bind_partial(None, *args, **kwargs)
    organizer_id = bound.arguments.get("organizer_id")
    task_id = task.id if task is not None else None
    registry = _application_registry()
    with ExitStack() as stack:
        stack.enter_context(_pushed(registry))
        stack.enter_context(time_machine(override_now))
        if organizer_id is not None:
            stack.enter_context(tenancy.scope(int(organizer_id)))
        token = _current_task_id.set(task_id)
        stack.callback(_current_task_id.reset, token)
        if async_action and task_id:
            progress.mark_started(task_id)
        try:
            retry: RetryLater | None = None
            with unit_of_work(registry) as session:
                try:
                    result = func(session, *args, **kwargs)
                except RetryLater as exc:
                    retry = exc
            if retry is not None:
                raise retry
        except Exception as exc:
            final = task is None or not task.retries
            if async_action and task_id and final:
                progress.mark_failed(task_id, exc, isinstance(exc, user_errors))
            raise
        if async_action and task_id:
            progress.mark_done(task_id, result)
        return result


def task(
    *,
    retries: int = 0,
    retry_delay: float = 0,
    retry_backoff: float = 1,
    name: str | None = None,
    priority: int | None = None,
    user_errors: tuple[type[BaseException], ...] = (),
) -> Callable[[Callable[..., Any]], TaskWrapper]:
    """Declare a background task. The function's first parameter is the database session::

        @task(retries=3, retry_delay=10)
        def export_orders(session, organizer_id: int, event_id: int) -> dict:
            ...

        export_orders(organizer.id, event.id)                              # queued now
        enqueue_after_commit(session, export_orders, organizer.id, event.id)  # queued on commit

    Calling the task queues it; arguments must be serialisable (ids, strings, numbers, aware
    datetimes), never ORM objects. When it runs, the wrapper:

    * pushes the application registry (``core.pluginhost.current_registry()`` works);
    * opens a :func:`~core.db.session.unit_of_work` and passes its session first; it commits when the
      function returns and rolls back when it raises (except :class:`RetryLater`, which commits);
    * enters ``tenancy.scope(organizer_id)`` when the call has an ``organizer_id`` argument;
    * runs under ``time_machine(override_now)`` when the caller passed ``override_now=<datetime>``
      (not forwarded to the function);
    * on an exception, retries up to ``retries`` times, ``retry_delay`` seconds apart, the delay
      multiplied by ``retry_backoff`` after each attempt.

    The huey name is ``<module>.<function name>``; pass ``name`` if that is ambiguous. Plugin tasks
    must be defined at module level in a module the plugin's ``includeme`` imports, so the worker
    knows them. ``user_errors`` lists exception classes whose message the async-action poller may
    show (besides :class:`TaskError`).
    """

    def decorate(func: Callable[..., Any]) -> TaskWrapper:
        signature = inspect.signature(func)
        errors = (TaskError, *user_errors)

        @functools.wraps(func)
        def run(*args: Any, task: Task | None = None, override_now: datetime | None = None,
                async_action: bool = False, **kwargs: Any) -> Any:
            return _run(func, signature, errors, args, kwargs, task, override_now, async_action)

        return huey.task(
            retries=retries, retry_delay=retry_delay, retry_backoff=retry_backoff, priority=priority,
            name=name, context=True,
        )(run)

    return decorate


def periodic_task(validate_datetime: Callable[[datetime], bool], *, name: str | None = None) -> Callable[
    [Callable[..., Any]], TaskWrapper
]:
    """A task huey runs on a schedule (``huey.crontab(...)``), with the same wrapping as :func:`task`.

    The function receives only the session. Plugins use ``config.add_periodic_task`` instead, which
    runs them per active scope.
    """

    def decorate(func: Callable[..., Any]) -> TaskWrapper:
        signature = inspect.signature(func)

        @functools.wraps(func)
        def run(task: Task | None = None) -> Any:
            return _run(func, signature, (TaskError,), (), {}, task, None, False)

        return huey.periodic_task(validate_datetime, name=name, context=True)(run)

    return decorate


def after_commit(session: Session, callback: Callable[[], None]) -> None:
    """Call ``callback()`` once the session's transaction commits; never when it aborts."""
    manager_ = session.info.get("tm")
    if manager_ is None:
        raise RuntimeError(
            "after-commit work needs a session joined to a transaction manager "
            "(request.dbsession or core.db.session.unit_of_work)"
        )

    def hook(committed: bool) -> None:
        if committed:
            callback()

    manager_.get().addAfterCommitHook(hook)


def enqueue_after_commit(session: Session, task: TaskWrapper, *args: Any, **kwargs: Any) -> str:
    """Queue ``task(*args, **kwargs)`` once the session's transaction commits; return the task id.

    Nothing is queued when the transaction aborts. The session must be joined to a transaction
    manager (``request.dbsession``, ``unit_of_work``), which must have begun.
    """
    pending = task.s(*args, **kwargs)
    after_commit(session, lambda: huey.enqueue(pending))
    return pending.id
