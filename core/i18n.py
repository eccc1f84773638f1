"""Translated strings: JSON dicts by locale with a fallback chain."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import JSON
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

DEFAULT_FALLBACK = "en"


class I18nString:
    """A string in several languages, e.g. ``I18nString({"en": "Concert", "de": "Konzert"})``.

    ``localize(locale)`` walks the fallback chain: the exact locale (``de-formal``), its base
    language (``de``), English, then any non-empty value. A plain ``str`` stands for all languages.
    """

    __slots__ = ("data",)

    def __init__(self, data: Mapping[str, str] | str | None = None) -> None:
        if isinstance(data, I18nString):
            data = data.data
        self.data: dict[str, str] | str = dict(data) if isinstance(data, Mapping) else (data or "")

    def localize(self, locale: str | None) -> str:
        if isinstance(self.data, str):
            return self.data
        for candidate in fallback_chain(locale):
            value = self.data.get(candidate)
            if value:
                return value
        return next((v for _, v in sorted(self.data.items()) if v), "")

    def to_json(self) -> dict[str, str] | str:
        return self.data

    def __str__(self) -> str:
        return self.localize(None)

    def __bool__(self) -> bool:
        return bool(self.data) if isinstance(self.data, str) else any(self.data.values())

    def __eq__(self, other: object) -> bool:
        if isinstance(other, I18nString):
            return self.data == other.data
        if isinstance(other, str | dict):
            return self.data == other
        return NotImplemented

    def __hash__(self) -> int:
        return hash(json.dumps(self.data, sort_keys=True))

    def __repr__(self) -> str:
        return f"I18nString({self.data!r})"


def fallback_chain(locale: str | None, fallback: str = DEFAULT_FALLBACK) -> list[str]:
    """``de-formal`` -> ``["de-formal", "de", "en"]``; ``None`` -> ``["en"]``."""
    chain: list[str] = []
    if locale:
        chain.append(locale)
        base = locale.replace("_", "-").split("-")[0]
        if base not in chain:
            chain.append(base)
    if fallback not in chain:
        chain.append(fallback)
    return chain


class TranslatedJSON(TypeDecorator[I18nString]):
    """Column type storing an :class:`I18nString` as a JSON object (or a JSON string)."""

    impl = JSON
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return None
        if isinstance(value, I18nString):
            return value.to_json()
        if isinstance(value, str | dict):
            return value
        raise TypeError(f"expected I18nString, dict or str, got {type(value).__name__}")

    def process_result_value(self, value: Any, dialect: Dialect) -> I18nString | None:
        return None if value is None else I18nString(value)


def negotiate_locale(accept_language: str | None, offered: Iterable[str], default: str) -> str:
    """Pick the best of ``offered`` for an ``Accept-Language`` header (q-values honoured)."""
    offered = list(offered)
    if not accept_language:
        return default
    weighted: list[tuple[float, int, str]] = []
    for index, part in enumerate(accept_language.split(",")):
        pieces = part.strip().split(";")
        tag = pieces[0].strip()
        quality = 1.0
        for param in pieces[1:]:
            name, _, value = param.strip().partition("=")
            if name == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if tag:
            weighted.append((-quality, index, tag))
    lowered = {o.lower(): o for o in offered}
    for negative_quality, _, tag in sorted(weighted):
        if negative_quality >= 0:
            break
        tag = tag.lower().replace("_", "-")
        if tag in lowered:
            return lowered[tag]
        base = tag.split("-")[0]
        if base in lowered:
            return lowered[base]
    return default


def includeme(config: Any) -> None:
    """Placeholder: locale negotiation and translation domains."""
