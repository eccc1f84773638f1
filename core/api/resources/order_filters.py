"""The query parameters of order lists (pretix's filter names and value formats)."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from core.api.schemas import ApiInput


class OrderFilters(ApiInput):
    """Filters of ``/events/{e}/orders/``; datetimes are ISO 8601 (without offset: UTC)."""

    code: str | None = None
    status: Literal["n", "p", "e", "c"] | None = None
    email: str | None = None
    locale: str | None = None
    testmode: bool | None = None
    require_approval: bool | None = None
    modified_since: dt.datetime | None = None
    created_since: dt.datetime | None = None
    created_before: dt.datetime | None = None
    subevent_after: dt.datetime | None = None
    subevent_before: dt.datetime | None = None
    search: str | None = None
    item: int | None = None
    variation: int | None = None
    subevent: int | None = None
    sales_channel: str | None = None
    payment_provider: str | None = None
    #: A customer account identifier; Ticketry has no customer accounts yet, so no order matches one.
    customer: str | None = None
    include_canceled_positions: bool = False
    include_canceled_fees: bool = False
    exclude: list[str] = []
    include: list[str] = []


class OrganizerOrderFilters(OrderFilters):
    """Filters of the organizer-wide ``/orders/``: the event ones plus ``event`` (an event slug)."""

    event: str | None = None
