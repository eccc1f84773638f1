"""The time machine: the clock that sales rules read, and a way to shop a test-mode event at another time.

Use :func:`now` wherever a *sales rule* looks at the clock: presale windows, product and discount
availability, payment-method dates, cancel/change deadlines, ticket download dates, membership
validity. Do not use it for reservations, lock timeouts, voucher expiry or bookkeeping timestamps;
those always run on real time (``datetime.now(UTC)``).

An override lives in a :class:`~contextvars.ContextVar`:

* **In code and tests:** ``with time_machine(datetime(2030, 1, 1, tzinfo=UTC)): ...``.
* **Per request:** a user who may change the event's settings can store a fake "now" for a
  **test-mode** event in their session (:func:`set_request_override`), under
  ``timemachine_now_dt:<event id>``. When a request's context is that event, the ``ContextFound``
  subscriber puts it into the context variable for the rest of the request. Nothing happens when the
  event is live, the user lost the permission, or the session has no value.
* **In tasks:** the override is *not* inherited. Pass it explicitly:
  ``some_task(..., override_now=override())``; the task decorator (:mod:`core.tasks`) wraps the
  call in :func:`time_machine`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

from pyramid.config import Configurator
from pyramid.events import ContextFound
from pyramid.httpexceptions import HTTPForbidden
from pyramid.interfaces import ISessionFactory
from pyramid.request import Request

#: The permission a user needs on the event to use the time machine there.
PERMISSION = "event.settings.general:write"
SESSION_KEY = "timemachine_now_dt:{event_id}"

_override: ContextVar[datetime | None] = ContextVar("ticketry_timemachine_now", default=None)


def _aware(dt: datetime) -> datetime:
    if dt.tzinfo is None:
        raise ValueError(f"time machine needs a timezone-aware datetime, got {dt.isoformat()} without tzinfo")
    return dt.astimezone(UTC)


def now() -> datetime:
    """The current time for sales rules: the override if one is active, else the real ``datetime.now(UTC)``."""
    override = _override.get()
    return override if override is not None else datetime.now(UTC)


def override() -> datetime | None:
    """The active override (to pass into a task as ``override_now``), or None."""
    return _override.get()


@contextmanager
def time_machine(dt: datetime | None) -> Iterator[None]:
    """Make :func:`now` return ``dt`` inside the block; ``None`` means real time. Nests and restores."""
    token = _override.set(_aware(dt) if dt is not None else None)
    try:
        yield
    finally:
        _override.reset(token)


def _session_key(event: Any) -> str:
    return SESSION_KEY.format(event_id=event.id)


def _has_session(request: Request) -> bool:
    return request.registry.queryUtility(ISessionFactory) is not None


def _may_use(request: Request, event: Any, context: Any) -> bool:
    return bool(event.testmode) and bool(request.has_permission(PERMISSION, context))


def set_request_override(request: Request, dt: datetime | None) -> None:
    """Store ``dt`` as the fake "now" for the event of ``request.context`` in the user's session.

    ``None`` removes it. Raises :class:`~pyramid.httpexceptions.HTTPForbidden` when the event is not
    in test mode or the user lacks :data:`PERMISSION` on it, and :class:`ValueError` for a naive
    datetime. The value applies from the next request on.
    """
    context = request.context
    event = getattr(context, "event", None)
    if event is None:
        raise ValueError("the time machine needs an event context (an event route)")
    if not _may_use(request, event, context):
        raise HTTPForbidden("The time machine is only available for events in test mode, to users who may "
                            f"change their settings ({PERMISSION}).")
    if dt is None:
        request.session.pop(_session_key(event), None)
    else:
        request.session[_session_key(event)] = _aware(dt).isoformat()


def stored_override(request: Request, event: Any) -> datetime | None:
    """The fake "now" stored in the session for ``event``, or None (also when there is no session)."""
    if not _has_session(request):
        return None
    value = request.session.get(_session_key(event))
    return datetime.fromisoformat(value) if value else None


def apply_request_override(found: ContextFound) -> None:
    """``ContextFound`` subscriber: activate the session's override for a test-mode event.

    Runs once the context (organizer, event) is known. The override is reset in a finished
    callback, so it never leaks into the next request served by the same thread.
    """
    request = found.request
    context = request.context
    event = getattr(context, "event", None)
    if event is None:
        return
    dt = stored_override(request, event)
    if dt is None or not _may_use(request, event, context):
        return
    token = _override.set(dt)
    request.add_finished_callback(lambda _request: _override.reset(token))


def includeme(config: Configurator) -> None:
    config.add_subscriber(apply_request_override, ContextFound)
