"""Organizer-wide read-only lists: ``organizers/{o}/orderpositions/``, ``invoices/`` and ``transactions/``.

Same filters and JSON as the event-level lists (plus an ``event`` slug filter; transactions also carry the
``event`` key), limited to the events on which the principal holds ``event.orders:read``.
"""

from __future__ import annotations

from typing import Any

from pyramid.config import Configurator
from pyramid.request import Request
from sqlalchemy import Select, select

from core.api.pagination import paginate
from core.api.renderers.invoices import render_invoices
from core.api.renderers.orders import render_positions
from core.api.renderers.transactions import render_transactions
from core.api.resources import invoices, orderpositions, transactions
from core.api.resources.filtering import limit_to_readable
from core.models import Event, Invoice, Order, OrderPosition, Transaction
from core.security.permissions import MEMBER

PREFIX = "/organizers/{organizer}/"


class OrganizerTransactionFilters(transactions.TransactionFilters):
    event: str | None = None


class OrganizerInvoiceFilters(invoices.InvoiceFilters):
    event: str | None = None


class OrganizerPositionFilters(orderpositions.PositionFilters):
    event: str | None = None


def _scoped(request: Request, stmt: Select, event_column: Any) -> Select:
    stmt = limit_to_readable(request, stmt, event_column)
    slug = request.api_query.event
    if slug is not None:
        stmt = stmt.where(event_column.in_(select(Event.id).where(
            Event.organizer_id == request.context.organizer.id, Event.slug == slug)))
    return stmt


def list_transactions(request: Request) -> dict[str, Any]:
    stmt = select(Transaction).join(Order, Order.id == Transaction.order_id)
    stmt = transactions.filtered(_scoped(request, stmt, Order.event_id), request.api_query)
    return paginate(request, stmt, lambda rows: render_transactions(request.dbsession, rows, with_event=True),
                    ordering=transactions.ORDERING)


def list_invoices(request: Request) -> dict[str, Any]:
    stmt = select(Invoice).join(Order, Order.id == Invoice.order_id)
    stmt = invoices.filtered(_scoped(request, stmt, Invoice.event_id), request.api_query)
    return paginate(request, stmt, lambda rows: render_invoices(request.dbsession, rows),
                    ordering=invoices.ORDERING)


def list_positions(request: Request) -> dict[str, Any]:
    stmt = select(OrderPosition).join(Order, Order.id == OrderPosition.order_id)
    stmt = orderpositions.filtered(_scoped(request, stmt, Order.event_id), request.api_query)
    return paginate(request, stmt, lambda rows: render_positions(request, rows), ordering=orderpositions.ORDERING)


def includeme(config: Configurator) -> None:
    config.add_api_view(list_transactions, path=PREFIX + "transactions/", permission=MEMBER,
                        query=OrganizerTransactionFilters, response=transactions.TransactionOut, paginated=True,
                        summary="List the transactions of every event the principal may read",
                        tags=("transactions",))
    config.add_api_view(list_invoices, path=PREFIX + "invoices/", permission=MEMBER, query=OrganizerInvoiceFilters,
                        response=invoices.InvoiceOut, paginated=True,
                        summary="List the invoices of every event the principal may read", tags=("invoices",))
    config.add_api_view(list_positions, path=PREFIX + "orderpositions/", permission=MEMBER,
                        query=OrganizerPositionFilters, response=orderpositions.PositionOut, paginated=True,
                        summary="List the order positions of every event the principal may read",
                        tags=("orderpositions",))
