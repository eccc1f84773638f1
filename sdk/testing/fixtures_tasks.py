"""Task, clock and mail fixtures: ``huey_immediate``, ``frozen_time``, ``mailoutbox``."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from core.timemachine import time_machine


class ImmediateHuey:
    """The huey instance in immediate mode, plus helpers for what immediate mode cannot do alone.

    Calling or queueing a task runs it at once. A failed task with ``retry_delay`` lands on the
    schedule instead of running again: :meth:`run_scheduled` runs everything due by ``until``.
    """

    def __init__(self, huey: Any) -> None:
        self.huey = huey

    def scheduled(self) -> list[Any]:
        return self.huey.scheduled()

    def run_scheduled(self, until: datetime | None = None) -> int:
        """Run scheduled tasks whose time has come by ``until`` (default: far future); return how many ran.

        Retries scheduled by those runs are run too, until nothing is due.
        """
        moment = (until or datetime(9999, 1, 1, tzinfo=UTC)).astimezone(UTC).replace(tzinfo=None)
        count = 0
        while True:
            due = self.huey.read_schedule(moment)
            if not due:
                return count
            for task in due:
                count += 1
                self.huey.execute(task, moment)


@pytest.fixture
def huey_immediate(registry: Any) -> Iterator[ImmediateHuey]:
    """Run tasks inline on fresh memory storage for this test, whatever the app was configured with."""
    from core.tasks import huey

    previous = (huey.storage, huey._immediate, huey.registry)
    huey._immediate = True
    huey.storage = huey.get_immediate_storage()
    huey.registry = registry
    try:
        yield ImmediateHuey(huey)
    finally:
        huey.storage, huey._immediate, huey.registry = previous


class FrozenTime:
    """Controls :func:`core.timemachine.now` for one test: frozen at ``now``; :meth:`move_to`, :meth:`tick`."""

    def __init__(self, start: datetime) -> None:
        self.now = start
        self._stack: Any = None

    def move_to(self, dt: datetime) -> None:
        self.now = dt.astimezone(UTC)
        self._apply()

    def tick(self, delta: timedelta | float = 1.0) -> None:
        self.move_to(self.now + (delta if isinstance(delta, timedelta) else timedelta(seconds=delta)))

    def _apply(self) -> None:
        self.stop()
        self._stack = time_machine(self.now)
        self._stack.__enter__()

    def stop(self) -> None:
        if self._stack is not None:
            self._stack.__exit__(None, None, None)
            self._stack = None


@pytest.fixture
def frozen_time() -> Iterator[FrozenTime]:
    """Freeze ``core.timemachine.now()`` at the real time of the test's start; real time elsewhere is untouched."""
    frozen = FrozenTime(datetime.now(UTC).replace(microsecond=0))
    frozen._apply()
    try:
        yield frozen
    finally:
        frozen.stop()


@pytest.fixture
def mailoutbox(registry: Any, huey_immediate: ImmediateHuey) -> Iterator[list[Any]]:
    """The messages sent during the test (``email.message.EmailMessage``), in order.

    Mail goes through the real path (``OutgoingMail`` row, send task after commit, run inline by
    ``huey_immediate``) into the memory backend, which this fixture installs for the test.
    """
    from core.mail.backends import MemoryBackend

    previous = registry.mail_backend
    backend = MemoryBackend()
    registry.mail_backend = backend
    try:
        yield backend.outbox
    finally:
        registry.mail_backend = previous
