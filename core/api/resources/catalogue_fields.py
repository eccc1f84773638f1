"""Shared pieces of the catalogue resources: aware datetimes in input, body values, sales channel lists."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated, Any, get_args

from pydantic import AfterValidator, BaseModel, Field, create_model
from pyramid.request import Request
from sqlalchemy import select

from core.api.errors import NotFound, ValidationFailed
from core.api.schemas import Money
from core.models import SalesChannel

_INT_MAX = 2**31 - 1
_ID_MAX = 2**63 - 1

#: An integer column value (positions): the range of a 32-bit column.
Int = Annotated[int, Field(ge=-_INT_MAX - 1, le=_INT_MAX)]
#: A non-negative count or size stored in a 32-bit column.
Count = Annotated[int, Field(ge=0, le=_INT_MAX)]
#: The id of a referenced row (a 64-bit key); unknown ids are refused by the service.
Ref = Annotated[int, Field(ge=-_ID_MAX - 1, le=_ID_MAX)]
#: An amount of money as stored (13 digits, 2 decimal places).
Price = Annotated[Money, Field(max_digits=13, decimal_places=2)]
#: A number limit of a question (30 digits, 10 decimal places).
Number = Annotated[Decimal, Field(max_digits=30, decimal_places=10)]


def patch_model(model: type[BaseModel]) -> type[BaseModel]:
    """A PATCH copy of ``model``: every field optional (default None), its constraints (bounds, lengths) kept.

    Null is refused later by :func:`body_values` for fields the full model does not allow to be null.
    """
    fields: dict[str, Any] = {}
    for name, info in model.model_fields.items():
        inner = Annotated[(info.annotation, *info.metadata)] if info.metadata else info.annotation
        fields[name] = (inner | None, None)
    return create_model(f"{model.__name__}Patch", __base__=model, **fields)


def path_id(request: Request, key: str = "id") -> int:
    """The numeric path placeholder ``key``; 404 when it cannot be a row id."""
    value = int(request.matchdict[key])
    if value > _ID_MAX:
        raise NotFound()
    return value


def _aware(value: datetime) -> datetime:
    return value.astimezone(UTC) if value.tzinfo is not None else value.replace(tzinfo=UTC)


#: A datetime in a request body, kept in UTC; without an offset it is taken as UTC (the server's time zone).
Moment = Annotated[datetime, AfterValidator(_aware)]



def _nullable(annotation: Any) -> bool:
    return annotation is Any or type(None) in get_args(annotation)


def body_values(request: Request, *, exclude: tuple[str, ...] = ()) -> dict[str, Any]:
    """The body's values for a service: every field on POST/PUT, only the sent ones on PATCH.

    A PATCH body (a :func:`~core.api.schemas.partial` model) may not null a field its full model does not allow
    to be null: 400 ``This field may not be null.``
    """
    body = request.api_body
    fields = set(body.model_fields_set) if request.method == "PATCH" else None
    values = body.model_dump(include=fields)
    if fields is not None:
        full = type(body).__mro__[1].model_fields
        nulled = sorted(key for key in fields if values.get(key) is None and key in full
                        and not _nullable(full[key].annotation))
        if nulled:
            raise ValidationFailed({key: ["This field may not be null."] for key in nulled})
    for key in exclude:
        values.pop(key, None)
    if "sales_channels" in type(body).model_fields:
        legacy_channels(request, values, body.model_fields_set)
    return values


def legacy_channels(request: Request, values: dict[str, Any], sent: set[str]) -> None:
    """Turn pretix's older ``sales_channels`` list (popped from ``values``) into the channel fields.

    It counts only when neither ``all_sales_channels`` nor ``limit_sales_channels`` was sent: naming every
    channel of the organizer means all channels, anything else limits to the named ones.
    """
    legacy = values.pop("sales_channels", None)
    if legacy is None or "sales_channels" not in sent or {"all_sales_channels", "limit_sales_channels"} & sent:
        return
    everything = set(legacy) >= set(organizer_channels(request))
    values["all_sales_channels"] = everything
    values["limit_sales_channels"] = [] if everything else legacy


def refuse_nested(request: Request, names: tuple[str, ...], what: str) -> None:
    """400 when a PUT/PATCH body sends nested collections (``names``) that only their own endpoints change."""
    if any(name in request.api_body.model_fields_set for name in names):
        raise ValidationFailed({"non_field_errors": [
            f"Updating {what} via PATCH/PUT is not supported. Please use the dedicated nested endpoint."]})


def organizer_channels(request: Request) -> list[str]:
    """The identifiers of all sales channels of the organizer (one query)."""
    return list(request.dbsession.scalars(select(SalesChannel.identifier).where(
        SalesChannel.organizer_id == request.context.organizer.id).order_by(SalesChannel.id)))


def channel_fields(owner: Any, all_channels: list[str]) -> dict[str, Any]:
    """pretix's ``all_sales_channels``, ``limit_sales_channels`` and the older ``sales_channels`` list."""
    limited = [channel.identifier for channel in owner.limit_sales_channels]
    return {"all_sales_channels": owner.all_sales_channels, "limit_sales_channels": limited,
            "sales_channels": list(all_channels) if owner.all_sales_channels else limited}


def dump(model: type[BaseModel], data: dict[str, Any]) -> dict[str, Any]:
    """``data`` validated by the output ``model`` and rendered as JSON-able values (money as strings)."""
    return model.model_validate(data).model_dump(mode="json")
