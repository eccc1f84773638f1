"""``…/events/{e}/orderpositions/``: order positions (list with pretix's filters, detail) and their changes.

Reading lives here; writing (PATCH, POST = add to an order, DELETE = cancel, ``regenerate_secrets``,
``add_block``, ``remove_block``, ``price_calc``) in :mod:`core.api.resources.orderposition_actions`;
``answer/{question}/`` answers the file of a file question. The JSON is
:func:`core.api.renderers.orders.render_positions`. Canceled positions are hidden unless
``include_canceled_positions=true``.
"""

from __future__ import annotations

import mimetypes
from typing import Any

from pyramid.config import Configurator
from pyramid.request import Request
from pyramid.response import Response
from sqlalchemy import Select, and_, exists, func, or_, select
from sqlalchemy.orm import aliased

from core.api.errors import NotFound
from core.api.pagination import Ordering, paginate
from core.api.renderers.order_models import PositionOut
from core.api.renderers.orders import render_positions
from core.api.resources import orderposition_actions as actions
from core.api.resources.answers_input import answer_file
from core.api.resources.filtering import csv_ints, csv_values, match
from core.api.schemas import ApiInput
from core.models import InvoiceAddress, Order, OrderPosition, QuestionAnswer, Voucher

READ = "event.orders:read"
WRITE = "event.orders:write"
LIST = "/organizers/{organizer}/events/{event}/orderpositions/"
DETAIL = LIST + r"{id:\d+}/"
ORDERING = Ordering({
    "order__code": Order.code, "order__datetime": Order.datetime, "positionid": OrderPosition.positionid,
    "attendee_name": OrderPosition.attendee_name_cached, "order__status": Order.status,
}, default=("order__datetime", "positionid"), pk=OrderPosition.id)


class PositionFilters(ApiInput):
    order: str | None = None
    order__status: str | None = None
    order__status__in: str | None = None
    item: int | None = None
    item__in: str | None = None
    variation: int | None = None
    variation__in: str | None = None
    subevent: int | None = None
    subevent__in: str | None = None
    addon_to: int | None = None
    addon_to__in: str | None = None
    attendee_name: str | None = None
    search: str | None = None
    secret: str | None = None
    pseudonymization_id: str | None = None
    voucher: int | None = None
    voucher__code: str | None = None
    include_canceled_positions: bool = False


def _search(term: str) -> Any:
    like = f"%{term.lower()}%"
    address = exists().where(InvoiceAddress.order_id == Order.id, func.lower(InvoiceAddress.name_cached).like(like))
    return or_(func.lower(OrderPosition.attendee_name_cached).like(like), func.lower(Order.code).like(like),
               OrderPosition.secret.startswith(term), address)


def _attendee(name: str) -> Any:
    parent = aliased(OrderPosition)
    wanted = name.lower()
    return or_(func.lower(OrderPosition.attendee_name_cached) == wanted, exists().where(
        and_(parent.id == OrderPosition.addon_to_id, func.lower(parent.attendee_name_cached) == wanted)))


def filtered(stmt: Select, query: PositionFilters) -> Select:
    """``stmt`` (positions joined with their orders) narrowed by pretix's order position filters."""
    if not query.include_canceled_positions:
        stmt = stmt.where(OrderPosition.canceled.is_(False))
    if query.order is not None:
        stmt = stmt.where(Order.code == query.order)
    stmt = match(stmt, Order.status, query.order__status, csv_values(query.order__status__in))
    for name, column in (("item", OrderPosition.item_id), ("variation", OrderPosition.variation_id),
                         ("subevent", OrderPosition.subevent_id), ("addon_to", OrderPosition.addon_to_id)):
        stmt = match(stmt, column, getattr(query, name), csv_ints(f"{name}__in", getattr(query, f"{name}__in")))
    stmt = match(stmt, OrderPosition.secret, query.secret)
    stmt = match(stmt, OrderPosition.pseudonymization_id, query.pseudonymization_id)
    stmt = match(stmt, OrderPosition.voucher_id, query.voucher)
    if query.voucher__code is not None:
        stmt = stmt.where(OrderPosition.voucher_id.in_(
            select(Voucher.id).where(func.upper(Voucher.code) == query.voucher__code.upper())))
    if query.attendee_name is not None:
        stmt = stmt.where(_attendee(query.attendee_name))
    if query.search:
        stmt = stmt.where(_search(query.search))
    return stmt


def list_positions(request: Request) -> dict[str, Any]:
    stmt = (select(OrderPosition).join(Order, Order.id == OrderPosition.order_id)
            .where(Order.event_id == request.context.event.id))
    return paginate(request, filtered(stmt, request.api_query), lambda rows: render_positions(request, rows),
                    ordering=ORDERING)


def get_position(request: Request) -> dict[str, Any]:
    return render_positions(request, [actions.position_of(request)])[0]


def download_answer(request: Request) -> Response:
    position = actions.position_of(request)
    answer = request.dbsession.scalar(select(QuestionAnswer).where(
        QuestionAnswer.orderposition_id == position.id,
        QuestionAnswer.question_id == int(request.matchdict["question"])))
    found = answer_file(answer) if answer is not None else None
    if found is None:
        raise NotFound()
    name, content = found
    response = Response(body=content, content_type=mimetypes.guess_type(name)[0] or "application/octet-stream")
    response.content_disposition = f'attachment; filename="{name}"'
    return response


def includeme(config: Configurator) -> None:
    tags = ("orderpositions",)
    config.add_api_view(list_positions, path=LIST, permission=READ, query=PositionFilters, paginated=True,
                        response=PositionOut, summary="List the order positions of an event", tags=tags)
    config.add_api_view(actions.create_position, path=LIST, method="POST", permission=WRITE,
                        body=actions.PositionCreate, status=201, response=PositionOut,
                        summary="Add a position to an order", tags=tags)
    config.add_api_view(get_position, path=DETAIL, permission=READ, response=PositionOut,
                        summary="Get an order position", tags=tags)
    config.add_api_view(download_answer, path=DETAIL + r"answer/{question:\d+}/", permission=READ,
                        summary="Download the file answering a question", tags=tags)
    config.add_api_view(actions.patch_position, path=DETAIL, method="PATCH", permission=WRITE,
                        body=actions.PositionPatch, response=PositionOut, summary="Change an order position", tags=tags)
    config.add_api_view(actions.cancel_position, path=DETAIL, method="DELETE", permission=WRITE, status=204,
                        summary="Cancel an order position", tags=tags)
    config.add_api_view(actions.regenerate_secrets, path=DETAIL + "regenerate_secrets/", method="POST",
                        permission=WRITE, response=PositionOut,
                        summary="Give an order position a new ticket secret", tags=tags)
    config.add_api_view(actions.add_block, path=DETAIL + "add_block/", method="POST", permission=WRITE,
                        body=actions.BlockIn, response=PositionOut, summary="Block an order position", tags=tags)
    config.add_api_view(actions.remove_block, path=DETAIL + "remove_block/", method="POST", permission=WRITE,
                        body=actions.BlockIn, response=PositionOut,
                        summary="Lift a block of an order position", tags=tags)
    config.add_api_view(actions.price_calc, path=DETAIL + "price_calc/", method="POST", permission=WRITE,
                        body=actions.PriceCalcIn, summary="Compute the price of a changed order position",
                        tags=tags)
    for action_type in actions.LOG_ENTRY_TYPES:
        config.add_log_entry_type(action_type, actions.LOG_ENTRY_TYPES[action_type])
