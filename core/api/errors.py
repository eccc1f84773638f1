"""API errors and their pretix-shaped bodies.

Views raise :class:`ApiError` (``{"detail": ...}`` with a status) or :class:`ValidationFailed` (400 with
field errors ``{"field": ["message"]}``, nested for lists and objects, ``non_field_errors`` for the whole
object). Validation errors of pydantic are translated here into the messages pretix's clients know.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError
from pydantic_core import ErrorDetails

NON_FIELD_ERRORS = "non_field_errors"


class ApiError(Exception):
    """An error answered as ``{"detail": detail}`` with ``status`` (and extra response ``headers``)."""

    def __init__(self, status: int, detail: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.headers = headers or {}

    def body(self) -> Any:
        return {"detail": self.detail}


class ValidationFailed(ApiError):
    """400 with field errors, e.g. ``ValidationFailed({"positions": [{}, {"item": ["..."]}]})``."""

    def __init__(self, errors: dict[str, Any] | list[Any]) -> None:
        super().__init__(400, "Invalid input.")
        self.errors = errors

    def body(self) -> Any:
        return self.errors


def field_error(field: str, message: str) -> ValidationFailed:
    """A :class:`ValidationFailed` for one message on one field (``raise field_error("size", "...")``)."""
    return ValidationFailed({field: [message]})


class NotFound(ApiError):
    """404; pretix says ``"Not found."`` in general and ``"No Order matches the given query."`` for lookups."""

    def __init__(self, detail: str = "Not found.") -> None:
        super().__init__(404, detail)


class PermissionDenied(ApiError):
    """403 ``"You do not have permission to perform this action."`` unless a more precise reason is given."""

    def __init__(self, detail: str = "You do not have permission to perform this action.") -> None:
        super().__init__(403, detail)


class NotAuthenticated(ApiError):
    """401 for a request without credentials on an endpoint that needs them."""

    def __init__(self, detail: str = "Authentication credentials were not provided.") -> None:
        super().__init__(401, detail, {"WWW-Authenticate": "Token"})


class Conflict(ApiError):
    """409, e.g. a resource busy (``Retry-After`` in ``headers``) or a state that forbids the action."""

    def __init__(self, detail: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(409, detail, headers)


_TYPE_NAMES = {dict: "dict", list: "list", str: "str", int: "int", float: "float", bool: "bool", type(None): "NoneType"}


def _message(error: ErrorDetails) -> str:
    kind = error["type"]
    ctx = error.get("ctx") or {}
    value = error.get("input")
    if kind == "missing":
        return "This field is required."
    if value is None and "input" in error:
        return "This field may not be null."
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return "A valid integer is required."
    if kind in ("bool_parsing", "bool_type"):
        return "Must be a valid boolean."
    if kind.startswith("decimal_") and kind not in ("decimal_max_digits", "decimal_max_places"):
        return "A valid number is required."
    if kind.startswith("float_"):
        return "A valid number is required."
    if kind == "decimal_max_places":
        return f"Ensure that there are no more than {ctx.get('decimal_places')} decimal places."
    if kind == "decimal_max_digits":
        return f"Ensure that there are no more than {ctx.get('max_digits')} digits in total."
    if kind == "string_type":
        return "Not a valid string."
    if kind == "string_too_short":
        return "This field may not be blank." if ctx.get("min_length") == 1 else (
            f"Ensure this field has at least {ctx.get('min_length')} characters.")
    if kind == "string_too_long":
        return f"Ensure this field has no more than {ctx.get('max_length')} characters."
    if kind in ("greater_than_equal", "greater_than"):
        return f"Ensure this value is greater than or equal to {ctx.get('ge', ctx.get('gt'))}."
    if kind in ("less_than_equal", "less_than"):
        return f"Ensure this value is less than or equal to {ctx.get('le', ctx.get('lt'))}."
    if kind in ("literal_error", "enum"):
        return f'"{value}" is not a valid choice.'
    if kind.startswith("datetime_") or kind == "timezone_aware":
        return ("Datetime has wrong format. Use one of these formats instead: "
                "YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z].")
    if kind.startswith("date_"):
        return "Date has wrong format. Use one of these formats instead: YYYY-MM-DD."
    if kind in ("list_type", "tuple_type", "set_type"):
        return f'Expected a list of items but got type "{_TYPE_NAMES.get(type(value), type(value).__name__)}".'
    if kind in ("dict_type", "model_type", "model_attributes_type"):
        return f"Invalid data. Expected a dictionary, but got {_TYPE_NAMES.get(type(value), type(value).__name__)}."
    if kind == "too_long":
        return f"Ensure this field has no more than {ctx.get('max_length')} elements."
    if kind == "too_short":
        return "This list may not be empty." if ctx.get("min_length") == 1 else (
            f"Ensure this field has at least {ctx.get('min_length')} elements.")
    if kind == "extra_forbidden":
        return "Unknown field."
    if kind in ("value_error", "assertion_error"):
        message = str(ctx.get("error") or error["msg"])
        return message.removeprefix("Value error, ").removeprefix("Assertion failed, ")
    if kind == "url_parsing" or kind == "url_scheme":
        return "Enter a valid URL."
    return error["msg"]


def _insert(tree: Any, loc: tuple[Any, ...], message: str, data: Any) -> Any:
    """Put ``message`` at ``loc`` into the nested error ``tree`` (lists padded with ``{}`` like DRF)."""
    if not loc:
        if isinstance(tree, dict) and tree:
            tree.setdefault(NON_FIELD_ERRORS, []).append(message)
            return tree
        messages = tree if isinstance(tree, list) and all(isinstance(m, str) for m in tree) else []
        messages.append(message)
        return messages
    head, rest = loc[0], loc[1:]
    if isinstance(head, int):
        size = len(data) if isinstance(data, list) else head + 1
        if not isinstance(tree, list) or any(isinstance(m, str) for m in tree) or len(tree) != size:
            tree = [{} for _ in range(size)]
        child_data = data[head] if isinstance(data, list) and head < len(data) else None
        tree[head] = _insert(tree[head] or {}, rest, message, child_data)
        return tree
    if not isinstance(tree, dict):
        tree = {}
    child_data = data.get(head) if isinstance(data, dict) else None
    tree[str(head)] = _insert(tree.get(str(head), {}), rest, message, child_data)
    return tree


def translate_validation_error(exc: ValidationError, data: Any) -> dict[str, Any]:
    """pydantic's errors as DRF-style nested field errors; ``data`` is the parsed input (for list lengths)."""
    tree: Any = {}
    for error in exc.errors(include_url=False):
        loc = tuple(part for part in error["loc"] if not (isinstance(part, str) and part.startswith("function-")))
        if not loc:
            tree.setdefault(NON_FIELD_ERRORS, []).append(_message(error))
            continue
        tree = _insert(tree, loc, _message(error), data)
    return tree
