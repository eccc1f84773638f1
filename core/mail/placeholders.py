"""Filling ``{placeholders}`` into mail texts, and the placeholders the core provides.

Only ``{name}`` with a plain identifier is a placeholder. Format specs, attribute or index access,
and unknown names stay in the text literally, so a stray ``{`` in an organizer's text never breaks
a mail, and no template can reach into an object. A placeholder that raises renders as ``(error)``
and is logged.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

from zope.interface import implementer

from core.config.owner import CORE
from core.i18n import I18nString
from core.interfaces.mail import IPlaceholder
from core.pluginhost import current_registry, providers_for

log = logging.getLogger("ticketry.mail")

IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")
ERROR_TEXT = "(error)"
#: Context values of these types may be used directly as ``{key}`` (they win over providers).
LITERAL_TYPES = (str, int, Decimal, I18nString)


def _literal(value: Any, locale: str | None) -> str:
    return value.localize(locale) if isinstance(value, I18nString) else str(value)


class Placeholders:
    """The placeholders available for one mail: explicit literal values, then providers."""

    def __init__(self, scope: Any, context: Mapping[str, Any], registry: Any = None) -> None:
        self.context = context
        self.locale = context.get("locale")
        self._cache: dict[str, str] = {}
        self._providers: dict[str, tuple[str, Any]] = {}
        registry = registry if registry is not None else current_registry()
        owners = registry.provider_owner
        candidates = []
        for name, provider in providers_for(scope, IPlaceholder, registry):
            required = tuple(provider.required_context)
            if all(key in context for key in required):
                is_plugin = owners.get((IPlaceholder, name), CORE) != CORE
                candidates.append((-len(required), is_plugin, name, provider))
        for _specificity, _is_plugin, name, provider in sorted(candidates, key=lambda c: c[:3]):
            self._providers.setdefault(provider.identifier, (name, provider))

    @property
    def available(self) -> list[str]:
        """Identifiers usable in this mail's texts, sorted."""
        literals = [k for k, v in self.context.items()
                    if k != "locale" and isinstance(v, LITERAL_TYPES) and IDENTIFIER.fullmatch(k)]
        return sorted(set(literals) | set(self._providers))

    def value(self, identifier: str) -> str | None:
        """The text of ``{identifier}``, ``(error)`` if its placeholder failed, None if unknown."""
        if identifier in self._cache:
            return self._cache[identifier]
        explicit = self.context.get(identifier)
        if identifier != "locale" and isinstance(explicit, LITERAL_TYPES):
            text = _literal(explicit, self.locale)
        elif identifier in self._providers:
            name, provider = self._providers[identifier]
            try:
                text = str(provider.render(self.context))
            except Exception:  # a broken placeholder must not stop the mail
                log.exception("mail placeholder %r (provider %r) failed", identifier, name)
                text = ERROR_TEXT
        else:
            return None
        self._cache[identifier] = text
        return text

    def render(self, template: str) -> str:
        """``template`` with every known ``{name}`` replaced; everything else untouched."""

        def replace(match: re.Match[str]) -> str:
            text = self.value(match.group(1))
            return match.group(0) if text is None else text

        return PLACEHOLDER.sub(replace, template)


@implementer(IPlaceholder)
class SimplePlaceholder:
    """A placeholder computed by a function of the context (the core's own placeholders)."""

    def __init__(self, identifier: str, required_context: tuple[str, ...], func: Callable[[Mapping[str, Any]], str]):
        self.identifier = identifier
        self.required_context = required_context
        self._func = func

    def render(self, context: Mapping[str, Any]) -> str:
        return self._func(context)


def _event_url(context: Mapping[str, Any]) -> str:
    site = current_registry().settings["ticketry.site_url"].rstrip("/")
    event = context["event"]
    return f"{site}/{event.organizer.slug}/{event.slug}/"


def _localized(value: Any, context: Mapping[str, Any]) -> str:
    return _literal(value, context.get("locale")) if value is not None else ""


#: The core's placeholders: provider name -> (identifier, required context, function).
CORE_PLACEHOLDERS: dict[str, tuple[str, tuple[str, ...], Callable[[Mapping[str, Any]], str]]] = {
    "event": ("event", ("event",), lambda c: _localized(c["event"].name, c)),
    "event_slug": ("event_slug", ("event",), lambda c: c["event"].slug),
    "currency": ("currency", ("event",), lambda c: c["event"].currency),
    "organizer": ("organizer", ("organizer",), lambda c: c["organizer"].name),
    "event_url": ("url", ("event",), _event_url),
}


def placeholder_factory(name: str) -> Callable[[Any], SimplePlaceholder]:
    identifier, required, func = CORE_PLACEHOLDERS[name]

    def factory(scope: Any) -> SimplePlaceholder:
        return SimplePlaceholder(identifier, required, func)

    return factory
