"""Translations: translated-string values (JSON dicts by locale with a fallback chain), locale
negotiation for requests, and gettext domains.

Gettext domains: the core's messages use the domain ``ticketry`` (``from core.i18n import _``) with
catalogs in ``core/locale``; each plugin has its own domain equal to its name::

    # acme_stripe/__init__.py
    from pyramid.i18n import TranslationStringFactory
    _ = TranslationStringFactory("acme_stripe")

and registers ``acme_stripe/locale`` with ``config.add_plugin_translations()``. Views translate with
``request.localizer.translate(_("Paid"))`` or, for plain message ids, ``translator(request, "acme_stripe")``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from typing import Any

from pyramid.config import Configurator
from pyramid.i18n import TranslationString, TranslationStringFactory
from pyramid.request import Request
from sqlalchemy import JSON
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

from core.configuration import ConfigurationError

DEFAULT_FALLBACK = "en"

#: The gettext domain of the core's own messages (``core/locale/<lang>/LC_MESSAGES/ticketry.mo``).
DOMAIN = "ticketry"
_ = TranslationStringFactory(DOMAIN)

#: Query parameter and cookie that choose the language explicitly.
LOCALE_PARAM = "locale"
LOCALE_COOKIE = "ticketry_locale"

LOCALE_PATTERN = re.compile(r"^[a-z]{2,3}([-_][A-Za-z0-9]{2,8})*$")


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


def offered_locales(request: Request) -> tuple[list[str], str]:
    """``(locales, default)`` a request may use: the event's ``locales``/``locale`` settings on event
    pages, the installation's ``ticketry.locales``/``ticketry.default_locale`` elsewhere."""
    settings = request.registry.settings
    event = getattr(getattr(request, "context", None), "event", None)
    if event is not None:
        from core.settings import settings_for

        event_settings = settings_for(request.dbsession, event, request.registry)
        return list(event_settings["locales"]), event_settings["locale"]
    return list(settings["ticketry.locales"]), settings["ticketry.default_locale"]


def _user_locale(request: Request) -> str | None:
    identity = request.identity
    user = getattr(identity, "user", identity)
    return getattr(user, "locale", None)


def locale_negotiator(request: Request) -> str:
    """Pyramid locale negotiator (``request.locale_name``), first match wins among the offered locales:

    1. the ``locale`` query parameter, 2. the ``ticketry_locale`` cookie, 3. the logged-in user's
    preference, 4. the ``Accept-Language`` header (q-values honoured, ``de-AT`` matches ``de``),
    5. the default (the event's ``locale`` setting or ``ticketry.default_locale``).
    """
    offered, default = offered_locales(request)
    lowered = {locale.lower(): locale for locale in offered}
    for candidate in (request.GET.get(LOCALE_PARAM), request.cookies.get(LOCALE_COOKIE), _user_locale(request)):
        if candidate and candidate.lower() in lowered:
            return lowered[candidate.lower()]
    return negotiate_locale(request.headers.get("Accept-Language"), offered, default)


class DomainTranslator:
    """Translates message ids of one gettext domain for one request: ``t("Paid")``, ``t.plural(...)``."""

    def __init__(self, localizer: Any, domain: str) -> None:
        self.localizer = localizer
        self.domain = domain

    def __call__(self, msgid: str, mapping: Mapping[str, Any] | None = None) -> str:
        return self.localizer.translate(msgid, domain=self.domain, mapping=mapping)

    def plural(self, singular: str, plural: str, n: int, mapping: Mapping[str, Any] | None = None) -> str:
        return self.localizer.pluralize(singular, plural, n, domain=self.domain, mapping=mapping)


def translator(request: Request, domain: str = DOMAIN) -> DomainTranslator:
    """A translator of ``domain`` (a plugin's name, or ``ticketry`` for the core) in the request's language.

    :class:`~pyramid.i18n.TranslationString` objects carry their own domain and can also go straight
    to ``request.localizer.translate``.
    """
    return DomainTranslator(request.localizer, domain)


def localize(request: Request, value: I18nString | TranslationString | str | None) -> str:
    """Any translatable value as text in the request's language (``""`` for ``None``)."""
    if value is None:
        return ""
    if isinstance(value, I18nString):
        return value.localize(request.locale_name)
    if isinstance(value, TranslationString):
        return request.localizer.translate(value)
    return value


def includeme(config: Configurator) -> None:
    """Locale negotiation (:func:`locale_negotiator`) and the core's translation directory."""
    settings = config.registry.settings
    for locale in settings["ticketry.locales"]:
        if not LOCALE_PATTERN.match(locale):
            raise ConfigurationError(f"setting 'ticketry.locales' has the bad locale {locale!r} (expected e.g. de-AT)")
    if settings["ticketry.default_locale"] not in settings["ticketry.locales"]:
        raise ConfigurationError(
            f"setting 'ticketry.default_locale' is {settings['ticketry.default_locale']!r}, which is not one of "
            f"ticketry.locales ({', '.join(settings['ticketry.locales'])})"
        )
    config.set_locale_negotiator(locale_negotiator)
    config.add_translation_dirs("core:locale")
