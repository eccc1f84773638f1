"""Building blocks of the API schemas: base models and the field types of pretix's JSON conventions.

Output models derive from :class:`ApiModel` (read from ORM objects by attribute), input models from
:class:`ApiInput` (unknown keys are ignored, as pretix's serializers do). The annotated types render
money as decimal strings (``"23.00"``), translated text as ``{locale: text}`` objects and tax rates as
``"19.00"``; datetimes are rendered ISO 8601 with their offset (UTC as ``Z``).
"""

from __future__ import annotations

from copy import copy
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, PlainSerializer, WithJsonSchema, create_model

from core.i18n import I18nString

_CENT = Decimal("0.01")


class ApiModel(BaseModel):
    """Base of rendered objects: built from ORM rows (``Model.model_validate(row)``) or keyword arguments."""

    model_config = ConfigDict(from_attributes=True, populate_by_name=True)


class ApiInput(BaseModel):
    """Base of request bodies and filter sets: unknown keys are ignored, values are validated strictly by type."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)


def _to_decimal(value: Any) -> Any:
    if isinstance(value, bool):
        raise ValueError("A valid number is required.")
    if isinstance(value, float):
        return Decimal(str(value))
    if isinstance(value, str):
        try:
            return Decimal(value.strip())
        except InvalidOperation:
            raise ValueError("A valid number is required.") from None
    return value


def _money_text(value: Decimal) -> str:
    return str(value.quantize(_CENT, rounding=ROUND_HALF_UP))


def _to_i18n(value: Any) -> Any:
    if isinstance(value, I18nString):
        value = value.data
    if isinstance(value, str):
        return {"en": value} if value else {}
    return value


#: An amount of money: accepts ``"23"``, ``23``, ``"23.5"``; rendered ``"23.50"`` (two places, as pretix).
Money = Annotated[
    Decimal,
    BeforeValidator(_to_decimal),
    PlainSerializer(_money_text, return_type=str, when_used="json"),
    WithJsonSchema({"type": "string", "format": "decimal", "pattern": r"^-?\d+(\.\d+)?$", "examples": ["23.00"]}),
]

#: A percentage such as a tax rate, rendered like money (``"19.00"``).
Percent = Money

#: Translated text: an object ``{"en": "Concert", "de": "Konzert"}``; a plain string stands for English.
I18n = Annotated[
    dict[str, str],
    BeforeValidator(_to_i18n),
    WithJsonSchema({"type": "object", "additionalProperties": {"type": "string"}, "examples": [{"en": "Text"}]}),
]


def partial(model: type[BaseModel], name: str | None = None) -> type[BaseModel]:
    """A copy of the input ``model`` for PATCH bodies: every field may be left out, nothing else changes.

    Types, bounds and lengths stay as declared, so a sent value is validated exactly as in ``model``,
    and ``null`` is refused ("This field may not be null.") unless the field allows it. A left-out
    field is None on the instance; ``instance.model_fields_set`` tells which fields were sent.
    """
    fields: dict[str, Any] = {}
    for field_name, info in model.model_fields.items():
        optional = copy(info)
        optional.default = None
        optional.default_factory = None
        fields[field_name] = (info.annotation, optional)
    return create_model(name or f"{model.__name__}Patch", __base__=model, **fields)
