"""``/organizers/{o}/events/{e}/vouchers/``: vouchers (CRUD, ``batch_create/``; delete refused once used).

``batch_create/`` takes a list of voucher bodies and creates all of them or none: a refused entry answers 400
with one error object per entry (``[{}, {"code": ["..."]}]``). Quota-blocking vouchers only succeed while their
quotas have the units free (see :mod:`core.services.vouchers`).
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, Literal

from pydantic import Field, RootModel, ValidationError
from pyramid.config import Configurator
from pyramid.request import Request
from sqlalchemy import Select, or_, select

from core.api.endpoints import actor, read_json
from core.api.errors import PermissionDenied, ValidationFailed, translate_validation_error
from core.api.pagination import Ordering, get_object, paginate
from core.api.resources.catalogue_fields import Moment, body_values
from core.api.schemas import ApiInput, ApiModel, Money, partial
from core.models import Item, ItemVariation, Quota, SubEvent, Voucher
from core.services.vouchers import VoucherRefused, create_vouchers, delete_voucher, update_voucher, voucher_in_use

READ = "event.vouchers:read"
WRITE = "event.vouchers:write"
LIST = "/organizers/{organizer}/events/{event}/vouchers/"
DETAIL = LIST + r"{id:\d+}/"
PriceMode = Literal["none", "set", "subtract", "percent"]
_RELATED = {"item": Item, "variation": ItemVariation, "quota": Quota, "subevent": SubEvent}


class VoucherOut(ApiModel):
    id: int
    created: datetime
    code: str
    max_usages: int
    redeemed: int
    min_usages: int
    valid_until: datetime | None
    block_quota: bool
    allow_ignore_quota: bool
    price_mode: str
    value: Money | None
    item: int | None = Field(validation_alias="item_id")
    variation: int | None = Field(validation_alias="variation_id")
    quota: int | None = Field(validation_alias="quota_id")
    tag: str | None
    comment: str | None
    seat: str | None = None
    subevent: int | None = Field(validation_alias="subevent_id")
    show_hidden_items: bool
    all_addons_included: bool
    all_bundles_included: bool
    budget: Money | None


class VoucherList(RootModel[list[VoucherOut]]):
    """The answer of ``batch_create/``: the created vouchers in the order of the request."""


class VoucherIn(ApiInput):
    code: str = Field(min_length=5, max_length=255)
    max_usages: int = Field(default=1, ge=0)
    min_usages: int = Field(default=1, ge=0)
    valid_until: Moment | None = None
    block_quota: bool = False
    allow_ignore_quota: bool = False
    price_mode: PriceMode = "none"
    value: Decimal | None = Field(default=None, max_digits=13, decimal_places=2)
    item: int | None = None
    variation: int | None = None
    quota: int | None = None
    tag: str | None = Field(default=None, max_length=255)
    comment: str | None = None
    seat: str | None = None
    subevent: int | None = None
    show_hidden_items: bool = True
    all_addons_included: bool = False
    all_bundles_included: bool = False
    budget: Decimal | None = Field(default=None, ge=0, max_digits=13, decimal_places=2)


VoucherPatch = partial(VoucherIn)


class VoucherFilters(ApiInput):
    code: str | None = None
    max_usages: int | None = None
    redeemed: int | None = None
    block_quota: bool | None = None
    allow_ignore_quota: bool | None = None
    price_mode: str | None = None
    value: Decimal | None = None
    item: int | None = None
    variation: int | None = None
    quota: int | None = None
    tag: str | None = None
    subevent: int | None = None
    active: bool | None = None
    search: str | None = None


def render(voucher: Voucher) -> dict[str, Any]:
    return VoucherOut.model_validate(voucher).model_dump(mode="json")


def _voucher(request: Request) -> Voucher:
    return get_object(request, select(Voucher).where(
        Voucher.event_id == request.context.event.id, Voucher.id == int(request.matchdict["id"])))


def _resolve(request: Request, entries: list[dict[str, Any]]) -> list[dict[str, list[str]]]:
    """Replace the ids of related objects by the event's objects (one query per kind); per-entry field errors."""
    event_id = request.context.event.id
    errors: list[dict[str, list[str]]] = [{} for _ in entries]
    for name, model in _RELATED.items():
        ids = {entry[name] for entry in entries if entry.get(name) is not None}
        if not ids:
            continue
        owner = Item.event_id if model is ItemVariation else model.event_id
        stmt = select(model).where(model.id.in_(ids), owner == event_id)
        if model is ItemVariation:
            stmt = stmt.join(Item, Item.id == ItemVariation.item_id)
        found = {row.id: row for row in request.dbsession.scalars(stmt)}
        for entry, entry_errors in zip(entries, errors, strict=True):
            if name in entry and entry[name] is not None:
                if entry[name] in found:
                    entry[name] = found[entry[name]]
                else:
                    entry_errors[name] = [f'Invalid pk "{entry[name]}" - object does not exist.']
    for entry, entry_errors in zip(entries, errors, strict=True):
        if entry.pop("seat", None) is not None:
            entry_errors["seat"] = ["This event has no seating plan, so a voucher cannot be bound to a seat."]
    return errors


def _values(request: Request) -> dict[str, Any]:
    values = body_values(request)
    errors = _resolve(request, [values])[0]
    if errors:
        raise ValidationFailed(errors)
    return values


def _filtered(request: Request) -> Select:
    query = request.api_query
    stmt = select(Voucher).where(Voucher.event_id == request.context.event.id)
    for name in ("max_usages", "redeemed", "block_quota", "allow_ignore_quota", "price_mode", "value", "tag"):
        value = getattr(query, name)
        if value is not None:
            stmt = stmt.where(getattr(Voucher, name) == value)
    for name in ("item", "variation", "quota", "subevent"):
        value = getattr(query, name)
        if value is not None:
            stmt = stmt.where(getattr(Voucher, f"{name}_id") == value)
    if query.code is not None:
        stmt = stmt.where(Voucher.code == query.code.strip().upper())
    if query.active is not None:
        now = datetime.now(UTC)
        active = (Voucher.redeemed < Voucher.max_usages) & (Voucher.valid_until.is_(None) | (Voucher.valid_until > now))
        stmt = stmt.where(active if query.active else ~active)
    term = (query.search or "").strip()
    if term:
        pattern = f"%{term}%"
        stmt = stmt.where(or_(Voucher.code.ilike(pattern), Voucher.tag.ilike(pattern), Voucher.comment.ilike(pattern)))
    return stmt


def list_vouchers(request: Request) -> dict[str, Any]:
    ordering = Ordering({"id": Voucher.id, "code": Voucher.code, "max_usages": Voucher.max_usages,
                         "valid_until": Voucher.valid_until, "value": Voucher.value}, default=("id",), pk=Voucher.id)
    return paginate(request, _filtered(request), lambda rows: [render(v) for v in rows], ordering=ordering)


def get_voucher(request: Request) -> dict[str, Any]:
    return render(_voucher(request))


def _refused(exc: VoucherRefused) -> ValidationFailed:
    return ValidationFailed({exc.field: [str(exc)]})


def create_voucher(request: Request) -> dict[str, Any]:
    try:
        voucher, = create_vouchers(request.dbsession, request.context.event, [_values(request)], **actor(request))
    except VoucherRefused as exc:
        raise _refused(exc) from None
    return render(voucher)


def _entry(raw: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """One ``batch_create/`` entry validated: ``(values, {})`` or ``({}, field errors)``."""
    if not isinstance(raw, dict):
        return {}, {"non_field_errors": [f"Invalid data. Expected a dictionary, but got {type(raw).__name__}."]}
    try:
        return VoucherIn.model_validate(raw).model_dump(), {}
    except ValidationError as exc:
        return {}, translate_validation_error(exc, raw)


def batch_create(request: Request) -> list[dict[str, Any]]:
    data = read_json(request)
    if not isinstance(data, list):
        raise ValidationFailed({"non_field_errors": [
            f"Expected a list of items but got type \"{type(data).__name__}\"."]})
    entries: list[dict[str, Any]] = []
    errors: list[dict[str, Any]] = []
    for raw in data:
        entry, error = _entry(raw)
        entries.append(entry)
        errors.append(error)
    if any(errors):
        raise ValidationFailed(errors)
    errors = _resolve(request, entries)
    if any(errors):
        raise ValidationFailed(errors)
    try:
        vouchers = create_vouchers(request.dbsession, request.context.event, entries, **actor(request))
    except VoucherRefused as exc:
        errors = [{} for _ in entries]
        errors[exc.index] = {exc.field: [str(exc)]}
        raise ValidationFailed(errors) from None
    return [render(v) for v in vouchers]


def change_voucher(request: Request) -> dict[str, Any]:
    voucher = _voucher(request)
    try:
        update_voucher(request.dbsession, voucher, _values(request), **actor(request))
    except VoucherRefused as exc:
        raise _refused(exc) from None
    return render(voucher)


def remove_voucher(request: Request) -> None:
    voucher = _voucher(request)
    if voucher_in_use(request.dbsession, voucher):
        raise PermissionDenied("This voucher can not be deleted as it has already been used.")
    delete_voucher(request.dbsession, voucher, **actor(request))


def includeme(config: Configurator) -> None:
    tags = ("vouchers",)
    config.add_api_view(list_vouchers, path=LIST, permission=READ, query=VoucherFilters, response=VoucherOut,
                        paginated=True, summary="List the vouchers of an event", tags=tags)
    config.add_api_view(create_voucher, path=LIST, method="POST", permission=WRITE, body=VoucherIn,
                        response=VoucherOut, status=201, summary="Create a voucher", tags=tags)
    config.add_api_view(batch_create, path=LIST + "batch_create/", method="POST", permission=WRITE,
                        response=VoucherList, status=201, summary="Create several vouchers, all or none", tags=tags)
    config.add_api_view(get_voucher, path=DETAIL, permission=READ, response=VoucherOut, summary="Get a voucher",
                        tags=tags)
    config.add_api_view(change_voucher, path=DETAIL, method="PUT", permission=WRITE, body=VoucherIn,
                        response=VoucherOut, summary="Replace a voucher", tags=tags)
    config.add_api_view(change_voucher, path=DETAIL, method="PATCH", permission=WRITE, body=VoucherPatch,
                        response=VoucherOut, summary="Change a voucher", tags=tags)
    config.add_api_view(remove_voucher, path=DETAIL, method="DELETE", permission=WRITE, status=204,
                        summary="Delete a voucher that has not been used", tags=tags)
