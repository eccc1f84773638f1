"""The worker: ``ticketry worker`` builds the app configuration, then calls :func:`run_consumer`."""

from __future__ import annotations

from typing import Any

from core.configuration import ConfigurationError
from core.tasks.queue import huey


def run_consumer(registry: Any, workers: int = 2, worker_type: str = "thread", periodic: bool = True) -> None:
    """Run huey's consumer for the configured queue until SIGINT/SIGTERM.

    ``registry`` is the configured application registry (``make_config(settings).registry``): every
    task and plugin is known, and tasks run against its database. ``worker_type`` is ``thread``,
    ``process`` or ``greenlet``.
    """
    if huey.immediate:
        raise ConfigurationError(
            "setting 'ticketry.huey.immediate' is true: tasks run inside the web process and a worker "
            "has nothing to consume; set it to false to use a worker"
        )
    if workers < 1:
        raise ConfigurationError(f"the worker count must be at least 1, got {workers}")
    huey.registry = registry
    huey.create_consumer(workers=workers, worker_type=worker_type, periodic=periodic).run()
