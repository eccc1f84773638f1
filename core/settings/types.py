"""Value types of settings: checking, storage text, API (JSON) form and deployment (ini/env) text.

Each supported Python type has one :class:`Codec`. Values are stored as text, like pretix does:
numbers as ``str``, booleans as ``True``/``False``, lists and dicts and translated strings as JSON,
dates and times as ISO 8601, files as ``file://<name>``.
"""

from __future__ import annotations

import json
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from typing import Any

from core.i18n import I18nString
from core.settings.files import File, FileUpload, StoredFile

FILE_PREFIX = "file://"


class Codec:
    """How one type is checked and converted. ``clean`` raises ``ValueError`` with a message for users."""

    name = "str"
    python_type: type = str

    def clean(self, value: Any) -> Any:
        if not isinstance(value, str):
            raise ValueError(f"expected text, got {type(value).__name__}")
        return value

    def dump(self, value: Any) -> str:
        return str(value)

    def load(self, text: str) -> Any:
        return self.clean(text)

    def to_json(self, value: Any) -> Any:
        return value

    def parse_text(self, text: str) -> Any:
        """A value written in an ini file or environment variable."""
        return self.clean(text)


class IntCodec(Codec):
    name = "int"
    python_type = int

    def clean(self, value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(f"expected a whole number, got {value!r}")
        return value

    def load(self, text: str) -> int:
        return int(text)

    def parse_text(self, text: str) -> int:
        try:
            return int(text.strip())
        except ValueError:
            raise ValueError(f"expected a whole number, got {text!r}") from None


class FloatCodec(Codec):
    name = "float"
    python_type = float

    def clean(self, value: Any) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError(f"expected a number, got {value!r}")
        return float(value)

    def load(self, text: str) -> float:
        return float(text)

    def parse_text(self, text: str) -> float:
        try:
            return float(text.strip())
        except ValueError:
            raise ValueError(f"expected a number, got {text!r}") from None


class DecimalCodec(Codec):
    name = "decimal"
    python_type = Decimal

    def clean(self, value: Any) -> Decimal:
        if isinstance(value, bool) or not isinstance(value, Decimal | int | str):
            raise ValueError(f"expected a decimal number (or its text), got {value!r}")
        try:
            result = Decimal(str(value).strip()) if not isinstance(value, Decimal) else value
        except InvalidOperation:
            raise ValueError(f"expected a decimal number, got {value!r}") from None
        if not result.is_finite():
            raise ValueError(f"expected a finite decimal number, got {value!r}")
        return result

    def load(self, text: str) -> Decimal:
        return Decimal(text)

    def to_json(self, value: Decimal) -> str:
        return str(value)


class BoolCodec(Codec):
    name = "bool"
    python_type = bool

    def clean(self, value: Any) -> bool:
        if not isinstance(value, bool):
            raise ValueError(f"expected true or false, got {value!r}")
        return value

    def load(self, text: str) -> bool:
        return text == "True"

    def parse_text(self, text: str) -> bool:
        lowered = text.strip().lower()
        if lowered in ("1", "true", "yes", "on"):
            return True
        if lowered in ("0", "false", "no", "off"):
            return False
        raise ValueError(f"expected one of true/false, yes/no, on/off, 1/0, got {text!r}")


class _JSONCodec(Codec):
    def dump(self, value: Any) -> str:
        return json.dumps(value, sort_keys=True)

    def load(self, text: str) -> Any:
        return self.clean(json.loads(text))

    def parse_text(self, text: str) -> Any:
        try:
            return self.clean(json.loads(text))
        except json.JSONDecodeError as exc:
            raise ValueError(f"expected JSON, got {text!r} ({exc})") from None


class ListCodec(_JSONCodec):
    name = "list"
    python_type = list

    def clean(self, value: Any) -> list[Any]:
        if not isinstance(value, list | tuple):
            raise ValueError(f"expected a list, got {type(value).__name__}")
        result = list(value)
        try:
            json.dumps(result)
        except TypeError as exc:
            raise ValueError(f"list items must be JSON values ({exc})") from None
        return result

    def parse_text(self, text: str) -> list[Any]:
        """JSON (``["a", "b"]``) or words separated by commas or white space (``a, b``)."""
        if text.strip().startswith("["):
            return super().parse_text(text)
        return [part for part in text.replace(",", " ").split() if part]


class DictCodec(_JSONCodec):
    name = "dict"
    python_type = dict

    def clean(self, value: Any) -> dict[str, Any]:
        if not isinstance(value, dict) or not all(isinstance(k, str) for k in value):
            raise ValueError(f"expected an object with text keys, got {type(value).__name__}")
        try:
            json.dumps(value)
        except TypeError as exc:
            raise ValueError(f"values must be JSON values ({exc})") from None
        return dict(value)


class DateCodec(Codec):
    name = "date"
    python_type = date

    def clean(self, value: Any) -> date:
        if isinstance(value, str):
            try:
                return date.fromisoformat(value.strip())
            except ValueError:
                raise ValueError(f"expected a date as YYYY-MM-DD, got {value!r}") from None
        if isinstance(value, datetime) or not isinstance(value, date):
            raise ValueError(f"expected a date, got {value!r}")
        return value

    def dump(self, value: date) -> str:
        return value.isoformat()

    def to_json(self, value: date) -> str:
        return value.isoformat()


class DateTimeCodec(Codec):
    name = "datetime"
    python_type = datetime

    def clean(self, value: Any) -> datetime:
        if isinstance(value, str):
            try:
                value = datetime.fromisoformat(value.strip())
            except ValueError:
                raise ValueError(f"expected an ISO 8601 date and time, got {value!r}") from None
        if not isinstance(value, datetime):
            raise ValueError(f"expected a date and time, got {value!r}")
        if value.tzinfo is None:
            raise ValueError(f"the date and time {value.isoformat()} needs a time zone (e.g. +00:00)")
        return value

    def dump(self, value: datetime) -> str:
        return value.isoformat()

    def to_json(self, value: datetime) -> str:
        return value.isoformat()


class TimeCodec(Codec):
    name = "time"
    python_type = time

    def clean(self, value: Any) -> time:
        if isinstance(value, str):
            try:
                return time.fromisoformat(value.strip())
            except ValueError:
                raise ValueError(f"expected a time as HH:MM[:SS], got {value!r}") from None
        if not isinstance(value, time):
            raise ValueError(f"expected a time, got {value!r}")
        return value

    def dump(self, value: time) -> str:
        return value.isoformat()

    def to_json(self, value: time) -> str:
        return value.isoformat()


class I18nCodec(Codec):
    name = "i18n"
    python_type = I18nString

    def clean(self, value: Any) -> I18nString:
        if isinstance(value, I18nString):
            value = value.data
        if isinstance(value, str):
            return I18nString(value)
        if isinstance(value, dict) and all(isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
            return I18nString(value)
        raise ValueError(f"expected text or an object of texts by locale, got {value!r}")

    def dump(self, value: I18nString) -> str:
        return json.dumps(value.to_json(), sort_keys=True)

    def load(self, text: str) -> I18nString:
        return self.clean(json.loads(text))

    def to_json(self, value: I18nString) -> Any:
        return value.to_json()

    def parse_text(self, text: str) -> I18nString:
        """A JSON object of texts by locale, or plain text for every language."""
        if text.strip().startswith("{"):
            try:
                return self.clean(json.loads(text))
            except json.JSONDecodeError as exc:
                raise ValueError(f"expected a JSON object, got {text!r} ({exc})") from None
        return I18nString(text)


class FileCodec(Codec):
    """Files: set with a :class:`FileUpload`, stored as ``file://<name>``, read as :class:`StoredFile`."""

    name = "file"
    python_type = File

    def clean(self, value: Any) -> FileUpload | StoredFile:
        if not isinstance(value, FileUpload | StoredFile):
            raise ValueError(f"expected a FileUpload, got {type(value).__name__}")
        return value

    def dump(self, value: StoredFile) -> str:
        return FILE_PREFIX + value.name

    def load(self, text: str) -> str:
        """The stored file's name; the settings proxy turns it into a :class:`StoredFile`."""
        if not text.startswith(FILE_PREFIX):
            raise ValueError(f"expected {FILE_PREFIX}<name>, got {text!r}")
        return text[len(FILE_PREFIX):]

    def to_json(self, value: StoredFile) -> str:
        return value.url

    def parse_text(self, text: str) -> Any:
        raise ValueError("file settings cannot be set in the ini file or the environment")


CODECS: dict[type, Codec] = {
    codec.python_type: codec
    for codec in (
        Codec(), IntCodec(), FloatCodec(), DecimalCodec(), BoolCodec(), ListCodec(), DictCodec(), DateCodec(),
        DateTimeCodec(), TimeCodec(), I18nCodec(), FileCodec(),
    )
}

def codec_for(python_type: type) -> Codec:
    """The codec of a declared type; raises ``TypeError`` listing the supported types."""
    try:
        return CODECS[python_type]
    except (KeyError, TypeError):
        supported = ", ".join(sorted(t.__name__ for t in CODECS))
        raise TypeError(f"settings cannot have the type {python_type!r}; supported types: {supported}") from None
