"""Order creation through the API: checks of the body that pretix answers with field errors, and the
translation of the placement's domain errors into pretix's field errors (``positions[i].item`` ...)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from core.api.errors import ValidationFailed
from core.api.resources.order_create_schema import OrderCreate, PositionIn
from core.models import (
    Event,
    Item,
    ItemVariation,
    Order,
    Question,
    QuestionOption,
    Quota,
    SalesChannel,
    SubEvent,
    TaxRule,
)
from core.services.catalogue.cache import cached_objects
from core.services.channels import channel_by_identifier
from core.services.errors import CommerceError
from core.services.payments.lookup import payment_provider
from core.services.positions import quotas_for
from core.services.quotas import availability

QUOTA_MESSAGE = 'There is not enough quota available on quota "{name}" to perform the operation.'


def _pk_error(value: Any) -> str:
    return f'Invalid pk "{value}" - object does not exist.'


def _positions_error(count: int, errors: dict[int, dict[str, list[str]]]) -> ValidationFailed:
    return ValidationFailed({"positions": [errors.get(i, {}) for i in range(count)]})


def parent_indexes(positions: list[PositionIn]) -> list[int | None]:
    """``addon_to`` of every position as an index into the list (pretix's ``addon_to`` is a ``positionid``)."""
    given = [p.positionid for p in positions]
    if any(g is not None for g in given):
        if any(g is None for g in given):
            raise ValidationFailed({"positions": [
                "If you set position IDs manually, you need to do so for all positions."]})
        if given != list(range(1, len(positions) + 1)):
            raise ValidationFailed({"positions": ["Position IDs need to be consecutive."]})
    parents: list[int | None] = []
    errors: dict[int, dict[str, list[str]]] = {}
    for index, position in enumerate(positions):
        parent = position.addon_to
        if parent is not None and not 1 <= parent <= index:
            errors[index] = {"addon_to": ["If you set addon_to, you need to make sure that the referenced position "
                                          "ID exists and is transmitted before its add-ons."]}
        parents.append(parent - 1 if parent is not None else None)
    if errors:
        raise _positions_error(len(positions), errors)
    return parents


@dataclass(frozen=True)
class Checked:
    """What :func:`check_body` loaded: the sales channel and the named items and variations by id (placement
    takes the objects, so nothing is loaded twice)."""

    channel: SalesChannel
    items: dict[int, Item]
    variations: dict[int, ItemVariation]


def check_body(session: Session, event: Event, body: OrderCreate) -> Checked:
    """Raise pretix's field errors for what the body names that does not exist or does not fit."""
    if not body.positions:
        raise ValidationFailed({"positions": ["An order cannot be empty."]})
    if body.payment_provider is not None and payment_provider(event, body.payment_provider) is None:
        raise ValidationFailed({"payment_provider": ["The given payment provider is not known."]})
    channel = channel_by_identifier(session, event.organizer_id, body.sales_channel)
    if channel is None:
        raise ValidationFailed({"sales_channel": [f"Object with identifier={body.sales_channel} does not exist."]})
    if body.code is not None and session.scalar(select(Order.id).where(
            Order.organizer_id == event.organizer_id, Order.code == body.code)) is not None:
        raise ValidationFailed({"code": ["This order code is already in use."]})
    _check_fees(session, event, body)
    items, variations = _check_positions(session, event, body.positions)
    return Checked(channel, items, variations)


def _check_fees(session: Session, event: Event, body: OrderCreate) -> None:
    rules = {r for f in body.fees if (r := f.tax_rule) is not None}
    if not rules:
        return
    known = set(session.scalars(select(TaxRule.id).where(TaxRule.event_id == event.id, TaxRule.id.in_(rules))))
    errors = [{"tax_rule": [_pk_error(f.tax_rule)]} if f.tax_rule is not None and f.tax_rule not in known else {}
              for f in body.fees]
    if any(errors):
        raise ValidationFailed({"fees": errors})


def _check_positions(session: Session, event: Event,
                     positions: list[PositionIn]) -> tuple[dict[int, Item], dict[int, ItemVariation]]:
    wanted = frozenset(p.item for p in positions)
    items = {i.id: i for i in cached_objects(session, "items", event.id, wanted, lambda: session.scalars(
        select(Item).options(joinedload(Item.variations)).where(Item.event_id == event.id, Item.id.in_(wanted)))
        .unique().all())}
    variation_ids = {p.variation for p in positions if p.variation is not None}
    variations = {v.id: v for v in session.scalars(select(ItemVariation).where(
        ItemVariation.id.in_(variation_ids)))} if variation_ids else {}
    subevent_ids = {p.subevent for p in positions if p.subevent is not None}
    subevents = set(session.scalars(select(SubEvent.id).where(
        SubEvent.event_id == event.id, SubEvent.id.in_(subevent_ids)))) if subevent_ids else set()
    question_ids = {a.question for p in positions for a in p.answers}
    questions = {q.id: q for q in session.scalars(select(Question).where(
        Question.event_id == event.id, Question.id.in_(question_ids)))} if question_ids else {}
    options = dict(session.execute(select(QuestionOption.id, QuestionOption.question_id).where(
        QuestionOption.question_id.in_(list(questions)))).all()) if questions else {}
    errors: dict[int, dict[str, list[str]]] = {}
    for index, position in enumerate(positions):
        found: dict[str, list[str]] = {}
        item = items.get(position.item)
        if item is None:
            found["item"] = [_pk_error(position.item)]
        elif position.variation is not None:
            variation = variations.get(position.variation)
            if variation is None or variation.item_id != item.id:
                found["variation"] = [_pk_error(position.variation)]
        elif item.has_variations:
            found["variation"] = ["You should specify a variation for this item."]
        if position.subevent is not None and position.subevent not in subevents:
            found["subevent"] = [_pk_error(position.subevent)]
        answer_errors = [_answer_error(a, questions, options) for a in position.answers]
        if any(answer_errors):
            found["answers"] = answer_errors  # type: ignore[assignment]
        if found:
            errors[index] = found
    if errors:
        raise _positions_error(len(positions), errors)
    return items, variations


def _answer_error(answer: Any, questions: dict[int, Question], options: dict[int, int]) -> dict[str, list[str]]:
    if answer.question not in questions:
        return {"question": [_pk_error(answer.question)]}
    wrong = [o for o in answer.options if options.get(o) != answer.question]
    if wrong:
        return {"options": [_pk_error(wrong[0])]}
    return {}


def map_placement_error(session: Session, event: Event, body: OrderCreate, error: CommerceError) -> ValidationFailed:
    """pretix's field errors for a refused placement (capacity and vouchers on the positions)."""
    count = len(body.positions)
    params = error.params
    if error.key in ("unavailable", "in_part", "quota"):
        short = _quota_errors(session, event, body.positions)
        if short:
            return _positions_error(count, short)
    if error.key.startswith("voucher"):
        code = str(params.get("voucher", "")).upper()
        index = next((i for i, p in enumerate(body.positions) if (p.voucher or "").upper() == code), 0)
        return _positions_error(count, {index: {"voucher": [error.message]}})
    if "item" in params or error.key in ("unavailable", "in_part", "quota"):
        index = next((i for i, p in enumerate(body.positions) if p.item == params.get("item")), 0)
        return _positions_error(count, {index: {"item": [error.message]}})
    if error.key == "payment_provider_unknown":
        return ValidationFailed({"payment_provider": ["The given payment provider is not known."]})
    return ValidationFailed({"detail": error.message})


def _quota_errors(session: Session, event: Event, positions: list[PositionIn]) -> dict[int, dict[str, list[str]]]:
    """The positions that no longer fit, each with the first quota (by id) that is short."""
    usages = [(p.item, p.variation, p.subevent) for p in positions]
    lookup = quotas_for(session, event.id, usages)
    quotas = {q.id: q for qs in lookup.values() for q in qs}
    left: Counter[int] = Counter()
    unlimited = set()
    for quota_id, (state, number) in availability(session, list(quotas.values())).items():
        if number is None and state == Quota.AVAILABILITY_OK:
            unlimited.add(quota_id)
        left[quota_id] = max(number or 0, 0) if state == Quota.AVAILABILITY_OK else 0
    errors: dict[int, dict[str, list[str]]] = {}
    for index, usage in enumerate(usages):
        short = [q for q in lookup[usage] if q.id not in unlimited and left[q.id] < 1]
        if short:
            errors[index] = {"item": [QUOTA_MESSAGE.format(name=short[0].name)]}
            continue
        for quota in lookup[usage]:
            left[quota.id] -= 1
    return errors
