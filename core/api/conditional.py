"""List-level conditional fetching: ``Last-Modified`` from the audit log, ``If-Modified-Since`` -> 304.

pretix derives the modification time of a list (items, categories, questions, quotas, sub-events, tax
rules, discounts) from the newest log entry about that kind of object in the event; so does Ticketry
(every change of these objects is audit-logged by its service). ``If-Unmodified-Since`` on an older
time answers 412.
"""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime

from pyramid.httpexceptions import HTTPNotModified, HTTPPreconditionFailed
from pyramid.request import Request
from sqlalchemy import func, select

from core.models import LogEntry


def _parse(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def check_list_modified(request: Request, *object_types: str) -> None:
    """Set ``Last-Modified`` for the event's list of ``object_types`` (table names) and honour the preconditions.

    Raises 304 when ``If-Modified-Since`` is not older than the newest change, 412 when
    ``If-Unmodified-Since`` is older than it. Call it at the start of a list view.
    """
    event = request.context.event
    newest = request.dbsession.scalar(
        select(func.max(LogEntry.datetime)).where(LogEntry.event_id == event.id,
                                                  LogEntry.object_type.in_(object_types)))
    if newest is None:
        return
    newest = newest.replace(tzinfo=UTC) if newest.tzinfo is None else newest.astimezone(UTC)
    newest = newest.replace(microsecond=0)
    header = format_datetime(newest, usegmt=True)
    request.api_headers["Last-Modified"] = header
    since = _parse(request.headers.get("If-Modified-Since"))
    if since is not None and newest <= since:
        raise HTTPNotModified(headers={"Last-Modified": header})
    unmodified = _parse(request.headers.get("If-Unmodified-Since"))
    if unmodified is not None and newest > unmodified:
        raise HTTPPreconditionFailed(json_body={"detail": "The list has been modified since."})
