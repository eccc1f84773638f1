"""``…/events/{e}/revokedsecrets/``: former ticket secrets offline scanners must reject (read only).

As pretix: ordered by ``-created`` unless ``?ordering=`` says otherwise, ``?created_since=`` for incremental
syncs and an ``X-Page-Generated`` header carrying the server time to send back as ``created_since`` next time.
(pretix's ``blockedsecrets/`` needs a record of blocked secrets, which Ticketry does not keep: blocks live on
the positions.)
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from pyramid.config import Configurator
from pyramid.request import Request
from sqlalchemy import select

from core.api.pagination import Ordering, paginate
from core.api.renderers.orders import timestamp
from core.api.resources.filtering import DateTimeParam
from core.api.schemas import ApiInput, ApiModel
from core.models import RevokedTicketSecret

READ = "event.orders:read"
LIST = "/organizers/{organizer}/events/{event}/revokedsecrets/"


class RevokedSecretFilters(ApiInput):
    created_since: DateTimeParam | None = None


class RevokedSecretOut(ApiModel):
    id: int
    secret: str
    created: dt.datetime


def render(rows: list[RevokedTicketSecret]) -> list[dict[str, Any]]:
    return [{"id": row.id, "secret": row.secret, "created": timestamp(row.created)} for row in rows]


def list_revoked(request: Request) -> dict[str, Any]:
    request.api_headers["X-Page-Generated"] = timestamp(dt.datetime.now(dt.UTC))
    stmt = select(RevokedTicketSecret).where(RevokedTicketSecret.event_id == request.context.event.id)
    if request.api_query.created_since is not None:
        stmt = stmt.where(RevokedTicketSecret.created >= request.api_query.created_since)
    ordering = Ordering({"secret": RevokedTicketSecret.secret, "created": RevokedTicketSecret.created},
                        default=("-created",), pk=RevokedTicketSecret.id)
    return paginate(request, stmt, render, ordering=ordering)


def includeme(config: Configurator) -> None:
    config.add_api_view(list_revoked, path=LIST, permission=READ, query=RevokedSecretFilters,
                        response=RevokedSecretOut, paginated=True,
                        summary="List the revoked ticket secrets of an event", tags=("revokedsecrets",))
