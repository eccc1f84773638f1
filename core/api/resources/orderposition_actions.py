"""Writing order positions through the API: PATCH, POST (add to an order), DELETE (cancel) and the actions.

Product, date, price, tax rule and validity changes, additions and cancellations go through
:class:`~core.services.orders.changes.OrderChangeManager` (quota checks unless ``?check_quotas=false``; no
mail, no automatic invoice, as pretix). Attendee data, answers and a new ``secret`` are written directly and
audit-logged (``pretix.event.order.modified``, ``pretix.event.order.changed.secret``).
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import AfterValidator, Field
from pyramid.request import Request
from sqlalchemy import select

from core.api.errors import ValidationFailed
from core.api.pagination import get_object
from core.api.renderers.orders import money, render_positions
from core.api.resources.answers_input import AnswerErrors, AnswerIn, parse_answers, store_answers
from core.api.resources.filtering import DateTimeParam
from core.api.schemas import ApiInput, Money
from core.i18n import I18nString, _
from core.logs import log_action
from core.models import Item, ItemVariation, Order, OrderPosition, SubEvent, TaxRule
from core.models.subevent_items import SubEventItem, SubEventItemVariation
from core.pluginhost import send
from core.services.order_signals import OrderModified
from core.services.orders.changes import OrderChangeManager
from core.services.orders.lifecycle import regenerate_secrets as regenerate_position_secrets
from core.services.pricing.adapters import address_spec, listed_price_of, tax_rule_spec
from core.services.pricing.taxes import compute_tax

#: Audit action types registered by this module.
LOG_ENTRY_TYPES = {
    "pretix.event.order.changed.add_block": _("Position #{positionid} has been blocked ({name})."),
    "pretix.event.order.changed.remove_block": _("The block {name} of position #{positionid} has been lifted."),
}
ATTENDEE_FIELDS = ("attendee_email", "company", "street", "zipcode", "city", "country", "state")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_BLOCK = re.compile(r"^(admin|api:[A-Za-z0-9._]+)$")


def _email(value: str | None) -> str | None:
    if value is not None and not _EMAIL.match(value):
        raise ValueError("Enter a valid email address.")
    return value


def _block_name(value: str) -> str:
    if not _BLOCK.match(value):
        raise ValueError('The block name must be "admin" or start with "api:" and may only contain letters, '
                         "numbers, dots and underscores.")
    return value


class AttendeeIn(ApiInput):
    attendee_email: Annotated[str, Field(max_length=254), AfterValidator(_email)] | None = None
    attendee_name: str | None = Field(default=None, max_length=255)
    attendee_name_parts: dict[str, Any] | None = None
    company: str | None = Field(default=None, max_length=255)
    street: str | None = None
    zipcode: str | None = Field(default=None, max_length=30)
    city: str | None = Field(default=None, max_length=255)
    country: str | None = Field(default=None, max_length=2)
    state: str | None = Field(default=None, max_length=255)


class PositionPatch(AttendeeIn):
    answers: list[AnswerIn] | None = None
    item: int | None = None
    variation: int | None = None
    subevent: int | None = None
    seat: str | None = None
    price: Money | None = Field(default=None, max_digits=13, decimal_places=2)
    tax_rule: int | None = None
    valid_from: DateTimeParam | None = None
    valid_until: DateTimeParam | None = None
    secret: str | None = Field(default=None, min_length=1, max_length=255)


class PositionCreate(AttendeeIn):
    order: str
    addon_to: int | None = None
    item: int
    variation: int | None = None
    subevent: int | None = None
    seat: str | None = None
    price: Money | None = Field(default=None, max_digits=13, decimal_places=2)
    answers: list[AnswerIn] = []
    valid_from: DateTimeParam | None = None
    valid_until: DateTimeParam | None = None


class BlockIn(ApiInput):
    name: Annotated[str, AfterValidator(_block_name)]


class PriceCalcIn(ApiInput):
    item: int | None = None
    variation: int | None = None
    subevent: int | None = None
    tax_rule: int | None = None
    locale: str | None = None


def position_of(request: Request, *, canceled: bool | None = None) -> OrderPosition:
    """The position ``{id}`` of the request's event (404 ``No OrderPosition matches the given query.``).

    Canceled positions are found only with ``canceled=True`` or ``?include_canceled_positions=true``.
    """
    if canceled is None:
        canceled = request.GET.get("include_canceled_positions", "").lower() in ("true", "1", "yes")
    stmt = (select(OrderPosition).join(Order, Order.id == OrderPosition.order_id)
            .where(Order.event_id == request.context.event.id, OrderPosition.id == int(request.matchdict["id"])))
    if not canceled:
        stmt = stmt.where(OrderPosition.canceled.is_(False))
    return get_object(request, stmt, name="OrderPosition")


def render_one(request: Request, position: OrderPosition) -> dict[str, Any]:
    """The JSON of one position, read again from the database."""
    request.dbsession.flush()
    request.dbsession.refresh(position)
    return render_positions(request, [position])[0]


def _missing(value: Any) -> list[str]:
    return [f'Invalid pk "{value}" - object does not exist.']


class _Lookup:
    """Finds the objects a body names inside the request's event and collects pretix's field errors."""

    def __init__(self, request: Request) -> None:
        self.session = request.dbsession
        self.event = request.context.event
        self.identity = request.identity
        self.errors: dict[str, Any] = {}

    def get(self, field: str, model: Any, value: int | None, *conditions: Any) -> Any:
        if value is None:
            return None
        found = self.session.scalar(select(model).where(model.id == value, *conditions))
        if found is None:
            self.errors[field] = _missing(value)
        return found

    def item(self, value: int | None) -> Item | None:
        return self.get("item", Item, value, Item.event_id == self.event.id)

    def variation(self, value: int | None, item: Item | None) -> ItemVariation | None:
        if item is None:
            return self.get("variation", ItemVariation, value, ItemVariation.item_id.in_(
                select(Item.id).where(Item.event_id == self.event.id)))
        return self.get("variation", ItemVariation, value, ItemVariation.item_id == item.id)

    def subevent(self, value: int | None) -> SubEvent | None:
        return self.get("subevent", SubEvent, value, SubEvent.event_id == self.event.id)

    def common(self, body: AttendeeIn, seat: str | None, answers: list[AnswerIn] | None) -> list[Any]:
        if body.attendee_name is not None and body.attendee_name_parts:
            self.errors["attendee_name"] = ["Do not specify attendee_name if you specified attendee_name_parts."]
        if seat is not None:
            self.errors["seat"] = ["The specified product does not allow to choose a seat."]
        if answers is None:
            return []
        try:
            return parse_answers(self.session, self.event, answers, self.identity)
        except AnswerErrors as exc:
            self.errors["answers"] = exc.errors
            return []

    def check(self) -> None:
        if self.errors:
            raise ValidationFailed(self.errors)


def _check_quotas(request: Request) -> bool:
    return request.GET.get("check_quotas", "true").lower() not in ("false", "0", "no")


def _apply_attendee(position: OrderPosition, body: AttendeeIn, sent: set[str]) -> dict[str, Any]:
    changed: dict[str, Any] = {}
    if "attendee_name_parts" in sent and body.attendee_name_parts is not None:
        position.attendee_name_parts = dict(body.attendee_name_parts)
        changed["attendee_name_parts"] = position.attendee_name_parts
    elif "attendee_name" in sent:
        position.attendee_name_parts = {"_legacy": body.attendee_name} if body.attendee_name else {}
        position.attendee_name_cached = body.attendee_name or None
        changed["attendee_name_parts"] = position.attendee_name_parts
    for name in ATTENDEE_FIELDS:
        if name in sent:
            value = getattr(body, name)
            value = value.upper() if name == "country" and value else value
            setattr(position, name, value or None)
            changed[name] = value
    return changed


def _secret_taken(request: Request, position: OrderPosition, secret: str) -> bool:
    return request.dbsession.scalar(select(OrderPosition.id).where(
        OrderPosition.secret == secret, OrderPosition.id != position.id).limit(1)) is not None


def patch_position(request: Request) -> dict[str, Any]:
    position = position_of(request)
    body: PositionPatch = request.api_body
    sent = set(body.model_fields_set)
    lookup = _Lookup(request)
    for field in ("price", "secret"):
        if field in sent and getattr(body, field) is None:
            lookup.errors[field] = ["This field may not be null."]
    item = lookup.item(body.item) if "item" in sent else position.item
    variation = lookup.variation(body.variation, item) if "variation" in sent else (
        position.variation if item is not None and item.id == position.item_id else None)
    subevent = lookup.subevent(body.subevent) if "subevent" in sent else position.subevent
    rule = None
    if "tax_rule" in sent and body.tax_rule is not None:
        rule = lookup.get("tax_rule", TaxRule, body.tax_rule, TaxRule.event_id == lookup.event.id)
    if body.secret is not None and _secret_taken(request, position, body.secret):
        lookup.errors["secret"] = ["You cannot assign a position secret that already exists."]
    answers = lookup.common(body, body.seat if "seat" in sent else None, body.answers if "answers" in sent else None)
    lookup.check()
    ocm = OrderChangeManager(position.order, actor=request.identity, notify=False, reissue_invoice=False)
    changes = 0
    if item is not None and (item.id, getattr(variation, "id", None)) != (position.item_id, position.variation_id):
        ocm.change_item(position, item, variation)
        changes += 1
    if "subevent" in sent and getattr(subevent, "id", None) != position.subevent_id:
        ocm.change_subevent(position, subevent)
        changes += 1
    if "price" in sent and body.price != position.price:
        ocm.change_price(position, body.price)
        changes += 1
    if "tax_rule" in sent and getattr(rule, "id", None) != position.tax_rule_id:
        ocm.change_tax_rule(position, rule)
        changes += 1
    validity = {name: getattr(body, name) for name in ("valid_from", "valid_until") if name in sent}
    if validity:
        ocm.change_validity(position, **validity)
        changes += 1
    if changes:
        ocm.commit(check_quotas=_check_quotas(request))
    _write_direct(request, position, body, sent, answers)
    return render_one(request, position)


def _write_direct(request: Request, position: OrderPosition, body: PositionPatch, sent: set[str],
                  answers: list[Any]) -> None:
    order = position.order
    changed = _apply_attendee(position, body, sent)
    if "answers" in sent:
        store_answers(request.dbsession, {"orderposition_id": position.id}, order.organizer_id, answers)
        changed["answers"] = [{"question": a.question.id, "answer": a.answer} for a in answers]
    if "secret" in sent and body.secret != position.secret:
        position.secret = body.secret
        log_action(order, "pretix.event.order.changed.secret",
                   {"position": position.id, "positionid": position.positionid}, auth=request.identity)
        changed["secret"] = True
    if changed:
        order.touch()
        request.dbsession.flush()
        changed.pop("secret", None)
        if changed:
            log_action(order, "pretix.event.order.modified",
                       {"data": [{"position": position.id, **changed}]}, auth=request.identity)
        send(OrderModified(order))


def create_position(request: Request) -> dict[str, Any]:
    body: PositionCreate = request.api_body
    sent = set(body.model_fields_set)
    lookup = _Lookup(request)
    order = request.dbsession.scalar(select(Order).where(Order.event_id == lookup.event.id, Order.code == body.order))
    if order is None:
        lookup.errors["order"] = [f"Object with code={body.order} does not exist."]
    item = lookup.item(body.item)
    variation = lookup.variation(body.variation, item)
    subevent = lookup.subevent(body.subevent)
    parent = None
    if body.addon_to is not None and order is not None:
        parent = request.dbsession.scalar(select(OrderPosition).where(
            OrderPosition.order_id == order.id, OrderPosition.positionid == body.addon_to,
            OrderPosition.canceled.is_(False)))
        if parent is None:
            lookup.errors["addon_to"] = _missing(body.addon_to)
    answers = lookup.common(body, body.seat, body.answers)
    lookup.check()
    ocm = OrderChangeManager(order, actor=request.identity, notify=False, reissue_invoice=False)
    ocm.add_position(item, variation, body.price, addon_to=parent, subevent=subevent)
    ocm.commit(check_quotas=_check_quotas(request))
    position = request.dbsession.scalars(select(OrderPosition).where(OrderPosition.order_id == order.id)
                                         .order_by(OrderPosition.positionid.desc()).limit(1)).one()
    _apply_attendee(position, body, sent)
    for name in ("valid_from", "valid_until"):
        if getattr(body, name) is not None:
            setattr(position, name, getattr(body, name))
    request.dbsession.flush()
    if answers:
        store_answers(request.dbsession, {"orderposition_id": position.id}, order.organizer_id, answers)
    return render_one(request, position)


def cancel_position(request: Request) -> None:
    position = position_of(request)
    ocm = OrderChangeManager(position.order, actor=request.identity, notify=False, reissue_invoice=False)
    ocm.cancel_position(position)
    ocm.commit()


def regenerate_secrets(request: Request) -> dict[str, Any]:
    position = position_of(request)
    regenerate_position_secrets(position, actor=request.identity)
    return render_one(request, position)


def _set_block(request: Request, add: bool) -> dict[str, Any]:
    position = position_of(request)
    name = request.api_body.name
    blocked = list(position.blocked or [])
    if add and name not in blocked:
        blocked.append(name)
    elif not add and name in blocked:
        blocked.remove(name)
    else:
        return render_one(request, position)
    position.blocked = blocked
    position.order.touch()
    request.dbsession.flush()
    action = "pretix.event.order.changed.add_block" if add else "pretix.event.order.changed.remove_block"
    log_action(position.order, action, {"position": position.id, "positionid": position.positionid, "name": name},
               auth=request.identity)
    return render_one(request, position)


def add_block(request: Request) -> dict[str, Any]:
    return _set_block(request, True)


def remove_block(request: Request) -> dict[str, Any]:
    return _set_block(request, False)


def _override(session: Any, model: Any, column: Any, value: Any, subevent: SubEvent | None) -> Any:
    if subevent is None or value is None:
        return None
    return session.scalar(select(model).where(model.subevent_id == subevent.id, column == value.id))


def price_calc(request: Request) -> dict[str, Any]:
    position = position_of(request)
    body: PriceCalcIn = request.api_body
    sent = set(body.model_fields_set)
    lookup = _Lookup(request)
    item = lookup.item(body.item) if body.item is not None else position.item
    variation = lookup.variation(body.variation, item) if "variation" in sent else (
        position.variation if item is not None and item.id == position.item_id else None)
    subevent = lookup.subevent(body.subevent) if "subevent" in sent else position.subevent
    rule = lookup.get("tax_rule", TaxRule, body.tax_rule, TaxRule.event_id == lookup.event.id) if (
        body.tax_rule is not None) else (item.tax_rule if item is not None else None)
    lookup.check()
    session = request.dbsession
    listed = listed_price_of(item, variation, _override(session, SubEventItem, SubEventItem.item_id, item, subevent),
                             _override(session, SubEventItemVariation, SubEventItemVariation.variation_id, variation,
                                       subevent))
    order = position.order
    currency = lookup.event.currency
    if rule is None:
        return {"gross": money(listed), "gross_formatted": money(listed), "net": money(listed), "tax": "0.00",
                "rate": "0.00", "name": "", "code": None}
    taxed = compute_tax(tax_rule_spec(rule), listed, currency, address=address_spec(order.invoice_address))
    locale = body.locale or order.locale or "en"
    name = rule.name.localize(locale) if isinstance(rule.name, I18nString) else str(rule.name or "")
    return {"gross": money(taxed.gross), "gross_formatted": money(taxed.gross), "net": money(taxed.net),
            "tax": money(taxed.tax), "rate": money(taxed.rate), "name": name, "code": taxed.code}
