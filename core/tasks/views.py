"""Starting an async action from a request and polling its state (``GET /_tasks/{task_id}``)."""

from __future__ import annotations

import re
import secrets
from typing import Any

from huey.api import TaskWrapper
from pyramid.config import Configurator
from pyramid.httpexceptions import HTTPNotFound
from pyramid.interfaces import ISessionFactory
from pyramid.request import Request
from pyramid.security import NO_PERMISSION_REQUIRED

from core.tasks import progress
from core.tasks.queue import huey
from core.tasks.runner import after_commit

TASK_ID = re.compile(r"^[a-zA-Z0-9\-]+$")
_SESSION_KEY = "ticketry.async_owner"


def _owner(request: Request, create: bool) -> str | None:
    """Who started (or polls) an action: the authenticated identity, else a nonce in the session."""
    userid = request.authenticated_userid
    if userid is not None:
        return f"id:{userid}"
    if request.registry.queryUtility(ISessionFactory) is None:
        if create:
            raise RuntimeError("an async action needs an authenticated caller or a session to bind its task to")
        return None
    nonce = request.session.get(_SESSION_KEY)
    if nonce is None and create:
        nonce = request.session[_SESSION_KEY] = secrets.token_urlsafe(24)
    return f"session:{nonce}" if nonce else None


def start_async(request: Request, task: TaskWrapper, *args: Any, **kwargs: Any) -> str:
    """Queue ``task`` as an async action of this request's caller once the request commits.

    Returns the task id; poll it at ``request.route_url("async_task_status", task_id=...)``. Only the
    same caller (the same authenticated identity, or the same browser session) may poll it.
    """
    owner = _owner(request, create=True)
    assert owner is not None
    pending = task.s(*args, async_action=True, **kwargs)

    def queue() -> None:
        progress.bind(pending.id, owner)
        huey.enqueue(pending)

    after_commit(request.dbsession, queue)
    return pending.id


def async_task_status(request: Request) -> dict[str, Any]:
    """The polling JSON of the caller's own task; 404 for a malformed, unknown or foreign id."""
    task_id = request.matchdict["task_id"]
    if not TASK_ID.match(task_id):
        raise HTTPNotFound("Malformed task id.")
    state = progress.status(task_id, _owner(request, create=False))
    if state is None:
        raise HTTPNotFound("Unknown task.")
    return state


def includeme(config: Configurator) -> None:
    config.add_route("async_task_status", "/_tasks/{task_id}")
    config.add_view(async_task_status, route_name="async_task_status", renderer="json", request_method="GET",
                    permission=NO_PERMISSION_REQUIRED)
