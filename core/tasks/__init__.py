"""Background tasks on huey: declaration, after-commit queueing, progress and async actions.

Public API:

* :data:`huey`: the huey instance (configured from ``ticketry.huey.*`` in :func:`includeme`);
* :func:`task`, :func:`periodic_task`: declare tasks (registry, unit of work, tenant scope, time machine);
* :func:`enqueue_after_commit`, :func:`after_commit`: side effects that happen only if the transaction commits;
* :func:`report_progress`, :func:`current_task_id`, :class:`TaskError`, :class:`RetryLater`;
* :func:`start_async` and the polling view ``GET /_tasks/{task_id}`` (route ``async_task_status``);
* :func:`run_consumer` for ``ticketry worker``.
"""

from __future__ import annotations

from pyramid.config import Configurator

from core.tasks.consumer import run_consumer
from core.tasks.progress import report_progress
from core.tasks.queue import huey
from core.tasks.runner import (
    RetryLater,
    TaskError,
    after_commit,
    current_task_id,
    enqueue_after_commit,
    periodic_task,
    task,
)
from core.tasks.views import start_async

__all__ = [
    "RetryLater", "TaskError", "after_commit", "current_task_id", "enqueue_after_commit", "huey", "periodic_task",
    "report_progress", "run_consumer", "start_async", "task",
]


def includeme(config: Configurator) -> None:
    huey.configure(config.get_settings(), config.registry)
    config.include("core.tasks.views")
