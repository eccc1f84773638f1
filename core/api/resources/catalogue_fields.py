"""Shared pieces of the catalogue resources: aware datetimes in input, body values, sales channel lists."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, get_args

from pydantic import AfterValidator, BaseModel
from pyramid.request import Request
from sqlalchemy import select

from core.api.errors import ValidationFailed
from core.models import SalesChannel


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
    return values


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
