"""The core's HTML mail renderers (``plain``, ``simple``) and the text-to-HTML conversion they share."""

from __future__ import annotations

import html
import re
from functools import cache
from typing import Any

from chameleon import PageTemplateFile
from zope.interface import implementer

from core.interfaces.mail import IHtmlMailRenderer

_URL = re.compile(r"https?://[^\s<>\"']+[^\s<>\"'.,;:!?)\]]")


def _linkify(escaped: str) -> str:
    return _URL.sub(lambda m: f'<a href="{m.group(0)}">{m.group(0)}</a>', escaped)


def text_to_html(text: str) -> str:
    """Escaped HTML of a plain text: blank lines separate ``<p>`` paragraphs, newlines become
    ``<br>``, and http(s) URLs become links."""
    paragraphs = [p for p in re.split(r"\n\s*\n", text.replace("\r\n", "\n").strip()) if p.strip()]
    return "\n".join(
        "<p>" + "<br>\n".join(_linkify(html.escape(line)) for line in p.split("\n")) + "</p>" for p in paragraphs
    )


@implementer(IHtmlMailRenderer)
class PlainRenderer:
    """Bare HTML: the text's paragraphs and links, no styling."""

    identifier = "plain"
    verbose_name = "Plain"

    def __init__(self, scope: Any) -> None:
        self.scope = scope

    def render(self, plain_body: str, signature: str, subject: str, **kw: Any) -> str:
        parts = [text_to_html(plain_body)]
        if signature:
            parts.append("<hr>\n" + text_to_html(signature))
        locale = html.escape(kw.get("locale") or "en", quote=True)
        return (
            f'<!DOCTYPE html>\n<html lang="{locale}"><head><meta charset="utf-8"><title>{html.escape(subject)}'
            "</title></head>\n<body>\n" + "\n".join(parts) + "\n</body></html>\n"
        )


@cache
def _simple_template() -> PageTemplateFile:
    from importlib.resources import files

    return PageTemplateFile(str(files("core") / "templates" / "mail" / "simple.pt"))


@implementer(IHtmlMailRenderer)
class SimpleRenderer:
    """A clean single-column layout: organizer/event line, subject heading, text, signature."""

    identifier = "simple"
    verbose_name = "Simple"

    def __init__(self, scope: Any) -> None:
        self.scope = scope

    def render(self, plain_body: str, signature: str, subject: str, **kw: Any) -> str:
        event, organizer = kw.get("event"), kw.get("organizer")
        locale = kw.get("locale") or "en"
        header = ""
        if event is not None:
            header = event.name.localize(locale) if hasattr(event.name, "localize") else str(event.name)
        elif organizer is not None:
            header = organizer.name
        return _simple_template()(
            locale=locale, subject=subject, header=header, body_html=text_to_html(plain_body),
            signature_html=text_to_html(signature) if signature else "",
        )
