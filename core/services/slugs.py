"""Slugs of organizers and events: the URL names that never change once chosen."""

from __future__ import annotations

import re

SLUG_PATTERN = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9.-]*[a-zA-Z0-9]$")
SLUG_MAX_LENGTH = 50

#: Slugs that would shadow a top-level URL of the platform.
BANNED_SLUGS: frozenset[str] = frozenset({
    "about", "admin", "api", "control", "csp_report", "download", "healthz", "jsi18n", "locale", "media",
    "metrics", "p", "plugins", "redirect", "robots.txt", "static", "widget",
})


class ValidationError(ValueError):
    """Input that a service refuses; ``field`` names the offending argument, the message says what is allowed."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def validate_slug(slug: str, *, what: str) -> str:
    """Return ``slug`` if it is a valid slug, else raise :class:`ValidationError` naming the rule broken."""
    if not SLUG_PATTERN.match(slug or ""):
        raise ValidationError(
            "slug",
            f"invalid {what} slug {slug!r}: use at least 2 characters, letters, digits, '.' and '-', "
            f"starting and ending with a letter or digit",
        )
    if len(slug) > SLUG_MAX_LENGTH:
        raise ValidationError("slug", f"invalid {what} slug {slug!r}: at most {SLUG_MAX_LENGTH} characters")
    if slug.lower() in BANNED_SLUGS:
        raise ValidationError(
            "slug", f"the {what} slug {slug!r} is reserved; reserved slugs: {', '.join(sorted(BANNED_SLUGS))}"
        )
    return slug
