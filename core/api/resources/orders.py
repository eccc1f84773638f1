"""``/organizers/{o}/events/{e}/orders/``: list (pretix's filters), detail, PATCH, DELETE (test mode only),
and the read-only organizer-wide ``/organizers/{o}/orders/`` over the events the principal may read orders of.

Actions live in :mod:`core.api.resources.orders_actions`, ``change`` in :mod:`core.api.resources.orders_change`,
creation in :mod:`core.api.resources.orders_create`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from pyramid.config import Configurator
from pyramid.request import Request
from sqlalchemy import Select, and_, exists, false, func, or_, select

from core.api.errors import NotFound, PermissionDenied
from core.api.pagination import Ordering, get_object, paginate_keys
from core.api.renderers.order_list import render_order_page
from core.api.renderers.order_models import OrderOut
from core.api.renderers.orders import timestamp
from core.api.resources.order_filters import OrderFilters, OrganizerOrderFilters
from core.api.resources.order_patch import OrderPatch, apply_patch
from core.models import Event, InvoiceAddress, Order, OrderPayment, OrderPosition, SalesChannel, SubEvent
from core.security.permissions import MEMBER
from core.services.orders.deletion import delete_test_order

READ = "event.orders:read"
WRITE = "event.orders:write"
LIST = "/organizers/{organizer}/events/{event}/orders/"
DETAIL = LIST + "{code}/"
ORGANIZER_LIST = "/organizers/{organizer}/orders/"

ORDERING = Ordering({"datetime": Order.datetime, "code": Order.code, "status": Order.status,
                     "last_modified": Order.last_modified}, default=("datetime",), pk=Order.id)


def _aware(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)


def _position_exists(*conditions: Any) -> Any:
    return exists().where(OrderPosition.order_id == Order.id, *conditions)


def filtered(stmt: Select, filters: OrderFilters) -> Select:
    """``stmt`` (a select of Order or of its columns) narrowed by pretix's order filters."""
    f = filters
    if f.code is not None:
        stmt = stmt.where(func.upper(Order.code) == f.code.upper())
    if f.status is not None:
        stmt = stmt.where(Order.status == f.status)
    if f.email is not None:
        stmt = stmt.where(func.lower(Order.email) == f.email.lower())
    if f.locale is not None:
        stmt = stmt.where(Order.locale == f.locale)
    if f.testmode is not None:
        stmt = stmt.where(Order.testmode.is_(f.testmode))
    if f.require_approval is not None:
        stmt = stmt.where(Order.require_approval.is_(f.require_approval))
    if f.modified_since is not None:
        stmt = stmt.where(Order.last_modified >= _aware(f.modified_since))
    if f.created_since is not None:
        stmt = stmt.where(Order.datetime >= _aware(f.created_since))
    if f.created_before is not None:
        stmt = stmt.where(Order.datetime < _aware(f.created_before))
    if f.subevent_after is not None:
        after = _aware(f.subevent_after)
        stmt = stmt.where(_position_exists(OrderPosition.subevent_id == SubEvent.id, or_(
            SubEvent.date_to > after, and_(SubEvent.date_to.is_(None), SubEvent.date_from > after))))
    if f.subevent_before is not None:
        stmt = stmt.where(_position_exists(OrderPosition.subevent_id == SubEvent.id,
                                           SubEvent.date_from < _aware(f.subevent_before)))
    if f.item is not None:
        stmt = stmt.where(_position_exists(OrderPosition.item_id == f.item))
    if f.variation is not None:
        stmt = stmt.where(_position_exists(OrderPosition.variation_id == f.variation))
    if f.subevent is not None:
        stmt = stmt.where(_position_exists(OrderPosition.subevent_id == f.subevent))
    if f.sales_channel is not None:
        stmt = stmt.where(Order.sales_channel_id.in_(
            select(SalesChannel.id).where(SalesChannel.identifier == f.sales_channel)))
    if f.payment_provider is not None:
        stmt = stmt.where(exists().where(OrderPayment.order_id == Order.id,
                                         OrderPayment.provider == f.payment_provider))
    if f.customer is not None:
        stmt = stmt.where(false())
    if f.search:
        stmt = stmt.where(_search(f.search))
    return stmt


def _search(term: str) -> Any:
    like = f"%{term.lower()}%"
    address = exists().where(InvoiceAddress.order_id == Order.id, or_(
        func.lower(InvoiceAddress.name_cached).like(like), func.lower(InvoiceAddress.company).like(like)))
    attendee = _position_exists(or_(func.lower(OrderPosition.attendee_name_cached).like(like),
                                    func.lower(OrderPosition.attendee_email).like(like),
                                    OrderPosition.secret == term))
    return or_(func.lower(Order.code).like(like), func.lower(Order.email).like(like), address, attendee)


def render_options(request: Request) -> dict[str, Any]:
    """The rendering switches of pretix's query string: canceled positions and fees, ``exclude``, ``include``."""
    def flag(name: str) -> bool:
        return request.GET.get(name, "").lower() in ("true", "1", "yes")
    return {"include_canceled_positions": flag("include_canceled_positions"),
            "include_canceled_fees": flag("include_canceled_fees"), "exclude": request.GET.getall("exclude"),
            "include": request.GET.getall("include")}


def _page(request: Request, keys: Select) -> dict[str, Any]:
    """One page of the orders whose ids ``keys`` selects, narrowed by the query's filters."""
    request.api_headers["X-Page-Generated"] = timestamp(dt.datetime.now(dt.UTC))
    options = render_options(request)
    return paginate_keys(request, filtered(keys, request.api_query),
                         lambda window, order_by: render_order_page(request, window, order_by, **options),
                         ordering=ORDERING)


def order_of(request: Request) -> Order:
    """The order ``{code}`` of the request's event (404 ``No Order matches the given query.``)."""
    stmt = select(Order).where(Order.event_id == request.context.event.id, Order.code == request.matchdict["code"])
    return get_object(request, stmt, name="Order")


def _render(request: Request, keys: Select) -> dict[str, Any] | None:
    found = render_order_page(request, keys, [Order.id], **render_options(request))
    return found[0] if found else None


def respond(request: Request, order: Order) -> dict[str, Any]:
    """The order's JSON after an action: everything re-read from the database (services may have changed rows with
    bulk statements), rendered with the query's switches."""
    request.dbsession.flush()
    request.dbsession.expire_all()
    rendered = _render(request, select(Order.id).where(Order.id == order.id))
    if rendered is None:
        raise NotFound("No Order matches the given query.")
    return rendered


def list_orders(request: Request) -> dict[str, Any]:
    return _page(request, select(Order.id).where(Order.event_id == request.context.event.id))


def get_order(request: Request) -> dict[str, Any]:
    rendered = _render(request, select(Order.id).where(Order.event_id == request.context.event.id,
                                                       Order.code == request.matchdict["code"]))
    if rendered is None:
        raise NotFound("No Order matches the given query.")
    return rendered


def patch_order(request: Request) -> dict[str, Any]:
    order = order_of(request)
    apply_patch(request, order, request.api_body)
    return respond(request, order)


def delete_order(request: Request) -> None:
    order = order_of(request)
    if not order.testmode:
        raise PermissionDenied("Only test mode orders can be deleted.")
    delete_test_order(order, actor=request.identity)


def readable_event_ids(request: Request) -> list[int] | None:
    """Ids of the organizer's events whose orders the principal may read; None means all of them."""
    identity = request.identity
    organizer = request.context.organizer
    session = request.dbsession
    catalogue = request.registry.permission_catalogue
    if identity.permissions(session, organizer.id, None).allows(READ, catalogue):
        return None
    events = session.execute(select(Event.id).where(Event.organizer_id == organizer.id)).scalars()
    return [e for e in events if identity.permissions(session, organizer.id, e).allows(READ, catalogue)]


def list_organizer_orders(request: Request) -> dict[str, Any]:
    stmt = select(Order.id).where(Order.organizer_id == request.context.organizer.id)
    allowed = readable_event_ids(request)
    if allowed is not None:
        stmt = stmt.where(Order.event_id.in_(allowed))
    if request.api_query.event is not None:
        stmt = stmt.where(Order.event_id.in_(select(Event.id).where(
            Event.organizer_id == request.context.organizer.id, Event.slug == request.api_query.event)))
    return _page(request, stmt)


def includeme(config: Configurator) -> None:
    tags = ("orders",)
    config.include("core.services.orders.deletion")
    config.include("core.api.resources.order_patch")
    config.include("core.api.resources.orders_create")
    config.include("core.api.resources.orders_actions")
    config.include("core.api.resources.orders_change")
    config.add_api_view(list_organizer_orders, path=ORGANIZER_LIST, permission=MEMBER, query=OrganizerOrderFilters,
                        response=OrderOut, paginated=True, summary="List the orders of every readable event", tags=tags)
    config.add_api_view(list_orders, path=LIST, permission=READ, query=OrderFilters, response=OrderOut, paginated=True,
                        summary="List the orders of an event", tags=tags)
    config.add_api_view(get_order, path=DETAIL, permission=READ, response=OrderOut, summary="Get an order", tags=tags)
    config.add_api_view(patch_order, path=DETAIL, method="PATCH", permission=WRITE, body=OrderPatch, response=OrderOut,
                        summary="Change an order's contact data, comment, flags or invoice address", tags=tags)
    config.add_api_view(delete_order, path=DETAIL, method="DELETE", permission=WRITE, status=204,
                        summary="Delete a test mode order", tags=tags)
