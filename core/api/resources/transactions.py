"""``…/events/{e}/transactions/``: the transaction journal of an event (read only, pretix's filters).

The organizer-wide list (``organizers/{o}/transactions/``) lives in :mod:`core.api.resources.organizer_lists`
and shares :func:`filtered` and the renderer.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from pyramid.config import Configurator
from pyramid.request import Request
from sqlalchemy import Select, select

from core.api.pagination import Ordering, paginate
from core.api.renderers.transactions import render_transactions
from core.api.resources.filtering import DateTimeParam, csv_decimals, csv_ints, csv_values, match
from core.api.schemas import ApiInput, ApiModel, Money
from core.models import Order, Transaction

READ = "event.orders:read"
LIST = "/organizers/{organizer}/events/{event}/transactions/"
ORDERING = Ordering({"datetime": Transaction.datetime, "created": Transaction.created, "id": Transaction.id},
                    default=("datetime",), pk=Transaction.id)


class TransactionFilters(ApiInput):
    order: str | None = None
    datetime_since: DateTimeParam | None = None
    datetime_before: DateTimeParam | None = None
    created_since: DateTimeParam | None = None
    created_before: DateTimeParam | None = None
    item: int | None = None
    item__in: str | None = None
    variation: int | None = None
    variation__in: str | None = None
    subevent: int | None = None
    subevent__in: str | None = None
    tax_rule: int | None = None
    tax_rule__in: str | None = None
    tax_code: str | None = None
    tax_code__in: str | None = None
    tax_rate: Decimal | None = None
    tax_rate__in: str | None = None
    fee_type: str | None = None
    fee_type__in: str | None = None


class TransactionOut(ApiModel):
    id: int
    order: str
    count: int
    created: dt.datetime
    datetime: dt.datetime
    item: int | None
    variation: int | None
    positionid: int | None
    price: Money
    subevent: int | None
    tax_code: str | None
    tax_rate: Money
    tax_rule: int | None
    tax_value: Money
    fee_type: str | None
    internal_type: str | None


def filtered(stmt: Select, query: TransactionFilters) -> Select:
    """``stmt`` (transactions joined with their orders) narrowed by pretix's transaction filters."""
    if query.order is not None:
        stmt = stmt.where(Order.code == query.order)
    for column, since, before in ((Transaction.datetime, query.datetime_since, query.datetime_before),
                                  (Transaction.created, query.created_since, query.created_before)):
        if since is not None:
            stmt = stmt.where(column >= since)
        if before is not None:
            stmt = stmt.where(column < before)
    for name, column in (("item", Transaction.item_id), ("variation", Transaction.variation_id),
                         ("subevent", Transaction.subevent_id), ("tax_rule", Transaction.tax_rule_id)):
        stmt = match(stmt, column, getattr(query, name), csv_ints(f"{name}__in", getattr(query, f"{name}__in")))
    stmt = match(stmt, Transaction.tax_code, query.tax_code, csv_values(query.tax_code__in))
    stmt = match(stmt, Transaction.fee_type, query.fee_type, csv_values(query.fee_type__in))
    return match(stmt, Transaction.tax_rate, query.tax_rate, csv_decimals("tax_rate__in", query.tax_rate__in))


def list_transactions(request: Request) -> dict[str, Any]:
    stmt = (select(Transaction).join(Order, Order.id == Transaction.order_id)
            .where(Order.event_id == request.context.event.id))
    stmt = filtered(stmt, request.api_query)
    return paginate(request, stmt, lambda rows: render_transactions(request.dbsession, rows), ordering=ORDERING)


def includeme(config: Configurator) -> None:
    config.add_api_view(list_transactions, path=LIST, permission=READ, query=TransactionFilters,
                        response=TransactionOut, paginated=True, summary="List the transactions of an event",
                        tags=("transactions",))
