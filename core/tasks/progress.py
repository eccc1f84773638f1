"""Async actions: progress reported by a task and the state a browser or API client polls.

A web action that may take a while (export, mass mail, cancelling an event) starts its task with
:func:`core.tasks.views.start_async`, which binds the task id to the caller and answers at once.
The caller then polls ``GET /_tasks/<id>`` (route ``async_task_status``) and gets::

    {"id": "...", "ready": false, "started": true, "success": null,
     "percentage": 40.0, "steps": [{"label": "Orders", "done": true}], "redirect": null, "message": null}

until ``ready`` is true. Then ``success`` says how it ended. On success, ``redirect`` and
``message`` come from the task's return value: a dict with those keys, or a plain string taken
as the redirect URL. On failure, ``message`` is the exception's text for :class:`TaskError` (and
the task's ``user_errors``), else a generic sentence. The final state is delivered **once**: after
a poll that sees ``ready``, the id is forgotten.

The state lives in huey's key-value storage (SQLite file or Redis), so web processes and workers
on other machines see the same values. Inside a task, :func:`report_progress` updates it.
"""

from __future__ import annotations

from contextvars import ContextVar
from typing import Any

from huey.constants import EmptyData

from core.tasks.queue import huey

GENERIC_ERROR = "An unexpected error occurred. Please try again later; if it persists, contact support."
_KEY = "ticketry.async:{task_id}"

current_task: ContextVar[str | None] = ContextVar("ticketry_current_task", default=None)


def _load(task_id: str) -> dict[str, Any] | None:
    raw = huey.get_raw(_KEY.format(task_id=task_id), peek=True)
    return None if raw is EmptyData else huey.serializer.deserialize(raw)


def _save(task_id: str, state: dict[str, Any]) -> None:
    huey.put(_KEY.format(task_id=task_id), state)


def _update(task_id: str, **changes: Any) -> None:
    state = _load(task_id)
    if state is None:
        return
    state.update(changes)
    _save(task_id, state)


def bind(task_id: str, owner: str) -> None:
    """Record that only ``owner`` may poll ``task_id`` (done just before the task is queued)."""
    _save(task_id, {
        "owner": owner, "ready": False, "started": False, "success": None, "percentage": None, "steps": None,
        "redirect": None, "message": None,
    })


def mark_started(task_id: str) -> None:
    _update(task_id, started=True)


def report_progress(percentage: float, steps: list[dict[str, Any]] | None = None) -> None:
    """Tell pollers how far the running task is: ``percentage`` 0-100 and optional ``steps``.

    ``steps`` is a list of ``{"label": str, "done": bool}``. Outside an async action (a normal task,
    a direct call) this does nothing, so reusable code can report unconditionally.
    """
    task_id = current_task.get()
    if task_id is None:
        return
    changes: dict[str, Any] = {"percentage": max(0.0, min(100.0, float(percentage)))}
    if steps is not None:
        changes["steps"] = [{"label": str(s["label"]), "done": bool(s.get("done"))} for s in steps]
    _update(task_id, **changes)


def mark_done(task_id: str, result: Any) -> None:
    redirect = message = None
    if isinstance(result, dict):
        redirect, message = result.get("redirect"), result.get("message")
    elif isinstance(result, str):
        redirect = result
    _update(task_id, ready=True, started=True, success=True, percentage=100.0, redirect=redirect,
            message=message)


def mark_failed(task_id: str, exc: BaseException, user_visible: bool) -> None:
    _update(task_id, ready=True, started=True, success=False, message=str(exc) if user_visible else GENERIC_ERROR)


def status(task_id: str, owner: str | None) -> dict[str, Any] | None:
    """The public state of ``task_id`` for ``owner``; None if unknown or bound to someone else.

    A state that is ``ready`` is deleted once returned.
    """
    state = _load(task_id)
    if state is None or owner is None or state["owner"] != owner:
        return None
    if state["ready"]:
        huey.delete(_KEY.format(task_id=task_id))
    public = {k: v for k, v in state.items() if k != "owner"}
    public["id"] = task_id
    return public
