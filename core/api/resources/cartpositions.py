"""``…/events/{e}/cartpositions/``: API carts (list, detail, create, delete, ``bulk_create/``).

As pretix, only positions of API carts (cart ids ending in ``@api``) are visible, the price sent is believed
(net when ``includes_tax`` is false), adding to an existing cart leaves the expiry of its other positions
alone, and ``bulk_create/`` is deliberately not atomic: every entry succeeds or fails on its own and the
answer lists ``{"success", "data", "errors"}`` per entry. Capacity, voucher and product checks are the cart
service's (:func:`core.services.cart.add_to_cart`).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from pydantic import Field, ValidationError
from pyramid.config import Configurator
from pyramid.request import Request
from sqlalchemy import select

from core.api.endpoints import read_json
from core.api.errors import ValidationFailed, translate_validation_error
from core.api.pagination import Ordering, get_object, paginate
from core.api.renderers.cartpositions import render_cart_positions
from core.api.renderers.orders import timestamp
from core.api.resources.answers_input import AnswerErrors, AnswerIn, parse_answers, store_answers
from core.api.resources.filtering import DateTimeParam
from core.api.schemas import ApiInput, ApiModel, Money
from core.models import CartPosition, Item, ItemVariation, SalesChannel, SubEvent
from core.models.cart import API_CART_SUFFIX
from core.services.cart import add_to_cart, cart_positions, new_api_cart_id, remove_from_cart
from core.services.errors import CartError
from core.services.pricing.taxes import net_to_gross

READ = "event.orders:read"
WRITE = "event.orders:write"
LIST = "/organizers/{organizer}/events/{event}/cartpositions/"
DETAIL = LIST + r"{id:\d+}/"
#: Most entries accepted by one ``bulk_create/`` call.
BULK_MAX = 100


class CartPositionIn(ApiInput):
    cart_id: str | None = Field(default=None, max_length=255)
    item: int
    variation: int | None = None
    price: Money = Field(max_digits=13, decimal_places=2)
    seat: str | None = None
    attendee_name: str | None = Field(default=None, max_length=255)
    attendee_name_parts: dict[str, Any] | None = None
    attendee_email: str | None = Field(default=None, max_length=254)
    subevent: int | None = None
    expires: DateTimeParam | None = None
    includes_tax: bool = True
    sales_channel: str = "web"
    voucher: str | None = None
    answers: list[AnswerIn] = []


class CartPositionOut(ApiModel):
    id: int
    cart_id: str
    item: int
    variation: int | None
    price: Money
    attendee_name: str | None
    attendee_name_parts: dict[str, Any]
    attendee_email: str | None
    voucher: int | None
    addon_to: int | None
    is_bundled: bool
    subevent: int | None
    datetime: dt.datetime
    expires: dt.datetime
    includes_tax: bool
    seat: dict[str, Any] | None
    answers: list[dict[str, Any]]


def _missing(value: Any) -> list[str]:
    return [f'Invalid pk "{value}" - object does not exist.']


def _lookups(request: Request, body: CartPositionIn) -> tuple[dict[str, Any], dict[str, list[str]]]:
    session = request.dbsession
    event = request.context.event
    errors: dict[str, list[str]] = {}
    item = session.scalar(select(Item).where(Item.event_id == event.id, Item.id == body.item))
    if item is None:
        errors["item"] = _missing(body.item)
    variation = None
    if body.variation is not None:
        variation = session.scalar(select(ItemVariation).where(ItemVariation.id == body.variation,
                                                               ItemVariation.item_id == body.item))
        if variation is None:
            errors["variation"] = _missing(body.variation)
    subevent = None
    if body.subevent is not None:
        subevent = session.scalar(select(SubEvent).where(SubEvent.event_id == event.id, SubEvent.id == body.subevent))
        if subevent is None:
            errors["subevent"] = _missing(body.subevent)
    channel = session.scalar(select(SalesChannel).where(SalesChannel.identifier == body.sales_channel))
    if channel is None:
        errors["sales_channel"] = [f'Object with identifier={body.sales_channel} does not exist.']
    if body.cart_id is not None and not body.cart_id.endswith(API_CART_SUFFIX):
        errors["cart_id"] = ["Cart ID should end in @api or be empty."]
    if body.attendee_name is not None and body.attendee_name_parts:
        errors["attendee_name"] = ["Do not specify attendee_name if you specified attendee_name_parts."]
    if body.seat is not None:
        errors["seat"] = ["The specified product does not allow to choose a seat."]
    return {"item": item, "variation": variation, "subevent": subevent, "channel": channel}, errors


def _create(request: Request, body: CartPositionIn) -> CartPosition:
    """One cart position from ``body``; raises :class:`ValidationFailed` with pretix's field errors."""
    session = request.dbsession
    event = request.context.event
    found, errors = _lookups(request, body)
    answers = []
    try:
        answers = parse_answers(session, event, body.answers, request.identity)
    except AnswerErrors as exc:
        errors["answers"] = exc.errors  # type: ignore[assignment]
    if errors:
        raise ValidationFailed(errors)
    parts = body.attendee_name_parts or ({"_legacy": body.attendee_name} if body.attendee_name else {})
    entry = {"item": found["item"], "variation": found["variation"], "subevent": found["subevent"],
             "voucher": body.voucher, "meta": {"attendee_name_parts": parts, "attendee_email": body.attendee_email}}
    cart_id = body.cart_id or new_api_cart_id()
    kept = {p: (p.expires, p.max_extend) for p in cart_positions(session, event, cart_id)}
    try:
        with session.begin_nested():
            created = add_to_cart(session, event, cart_id, [entry], sales_channel=found["channel"])
    except CartError as exc:
        raise ValidationFailed({"non_field_errors": [exc.message]}) from None
    for other, (expires, max_extend) in kept.items():
        other.expires, other.max_extend = expires, max_extend
    position = created[0]
    price = Decimal(body.price)
    rule = found["item"].tax_rule
    if not body.includes_tax and rule is not None:
        price = net_to_gross(price, rule.rate, event.currency)
    position.price = price
    if body.attendee_name and not body.attendee_name_parts:
        position.attendee_name_cached = body.attendee_name
    if body.expires is not None:
        for new in created:
            new.expires = body.expires
    session.flush()
    store_answers(session, {"cartposition_id": position.id}, event.organizer_id, answers)
    return position


def _position(request: Request) -> CartPosition:
    return get_object(request, select(CartPosition).where(
        CartPosition.event_id == request.context.event.id, CartPosition.cart_id.endswith(API_CART_SUFFIX),
        CartPosition.id == int(request.matchdict["id"])), name="CartPosition")


def list_positions(request: Request) -> dict[str, Any]:
    request.api_headers["X-Page-Generated"] = timestamp(dt.datetime.now(dt.UTC))
    stmt = select(CartPosition).where(CartPosition.event_id == request.context.event.id,
                                      CartPosition.cart_id.endswith(API_CART_SUFFIX))
    return paginate(request, stmt, lambda rows: render_cart_positions(request.dbsession, rows),
                    ordering=Ordering({"id": CartPosition.id}, default=("id",), pk=CartPosition.id))


def get_position(request: Request) -> dict[str, Any]:
    return render_cart_positions(request.dbsession, [_position(request)])[0]


def create_position(request: Request) -> dict[str, Any]:
    return render_cart_positions(request.dbsession, [_create(request, request.api_body)])[0]


def delete_position(request: Request) -> None:
    position = _position(request)
    try:
        remove_from_cart(request.dbsession, request.context.event, position.cart_id, position.id)
    except CartError as exc:
        raise ValidationFailed({"non_field_errors": [exc.message]}) from None


def _bulk_entry(request: Request, raw: Any) -> dict[str, Any]:
    if not isinstance(raw, dict):
        errors: Any = {"non_field_errors": [f"Invalid data. Expected a dictionary, but got {type(raw).__name__}."]}
        return {"success": False, "data": None, "errors": errors}
    try:
        body = CartPositionIn.model_validate(raw)
        position = _create(request, body)
    except ValidationError as exc:
        return {"success": False, "data": None, "errors": translate_validation_error(exc, raw)}
    except ValidationFailed as exc:
        return {"success": False, "data": None, "errors": exc.errors}
    return {"success": True, "data": render_cart_positions(request.dbsession, [position])[0], "errors": None}


def bulk_create(request: Request) -> dict[str, Any]:
    data = read_json(request)
    if not isinstance(data, list):
        raise ValidationFailed({"non_field_errors": [
            f"Invalid data. Expected a list, but got {type(data).__name__}."]})
    if len(data) > BULK_MAX:
        raise ValidationFailed({"non_field_errors": [f"You can create at most {BULK_MAX} positions at once."]})
    return {"results": [_bulk_entry(request, raw) for raw in data]}


def includeme(config: Configurator) -> None:
    tags = ("cartpositions",)
    config.add_api_view(list_positions, path=LIST, permission=READ, response=CartPositionOut, paginated=True,
                        summary="List the positions of API carts", tags=tags)
    config.add_api_view(create_position, path=LIST, method="POST", permission=WRITE, body=CartPositionIn,
                        response=CartPositionOut, status=201, summary="Reserve a product in an API cart", tags=tags)
    config.add_api_view(bulk_create, path=LIST + "bulk_create/", method="POST", permission=WRITE,
                        summary="Reserve several products, each on its own", tags=tags)
    config.add_api_view(get_position, path=DETAIL, permission=READ, response=CartPositionOut,
                        summary="Get a cart position", tags=tags)
    config.add_api_view(delete_position, path=DETAIL, method="DELETE", permission=WRITE, status=204,
                        summary="Remove a cart position", tags=tags)
