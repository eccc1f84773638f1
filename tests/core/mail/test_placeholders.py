"""Placeholder rendering: safe formatting, core placeholders, specificity, failures, plugin activity."""

from __future__ import annotations

import logging

import pytest
from zope.interface import implementer

from core.i18n import I18nString
from core.interfaces.mail import IPlaceholder
from core.mail.placeholders import ERROR_TEXT, Placeholders
from core.pluginhost import Level
from core.pluginhost.activation import enable_plugin
from sdk.testing.fixtures_plugins import make_fake_plugin


@pytest.fixture
def render(event, registry):
    def render(template, **context):
        ctx = {"event": event, "organizer": event.organizer, "locale": context.pop("locale", "en"), **context}
        return Placeholders(event, ctx, registry).render(template)

    return render


def test_core_placeholders(render, event):
    text = render("{event} ({event_slug}) by {organizer}, prices in {currency}: {url}")
    assert text == "Conference (conf) by Demo Organizer, prices in EUR: http://127.0.0.1:8000/demo/conf/"


def test_translated_values_follow_the_locale(render):
    assert render("{event}", locale="de") == "Konferenz"
    assert render("{event}", locale="fr") == "Conference"


@pytest.mark.parametrize("template", [
    "{unknown}", "{event.organizer}", "{event:>20}", "{event!r}", "{ event }", "{0}", "{", "}", "{{event}}x{",
])
def test_unknown_or_complex_fields_stay_literal(render, template):
    expected = template.replace("{event}", "Conference") if template == "{{event}}x{" else template
    assert render(template) == expected


def test_literal_context_values_win_and_localize(render):
    assert render("{url} {code} {n}", url="https://reset", code=I18nString({"de": "Kode"}), n=3,
                  locale="de") == "https://reset Kode 3"


def test_placeholder_needs_its_context(registry, organizer):
    ctx = {"organizer": organizer, "locale": "en"}
    assert Placeholders(organizer, ctx, registry).render("{organizer}/{event}") == "Demo Organizer/{event}"


def test_available_lists_identifiers(event, registry):
    ctx = {"event": event, "organizer": event.organizer, "locale": "en", "code": "X", "obj": object()}
    assert Placeholders(event, ctx, registry).available == [
        "code", "currency", "event", "event_slug", "organizer", "url",
    ]


@implementer(IPlaceholder)
class Broken:
    identifier = "broken"
    required_context = ("event",)

    def __init__(self, scope):
        pass

    def render(self, context):
        raise ZeroDivisionError("bad placeholder")


@implementer(IPlaceholder)
class WaitingListUrl:
    identifier = "url"
    required_context = ("event", "waitinglist_entry")

    def __init__(self, scope):
        pass

    def render(self, context):
        return f"waitinglist-url-{context['waitinglist_entry']}"


@pytest.fixture
def plugin_app(plugin_config, db_session, event):
    """An app with the event-level plugin ``mailtest`` offering ``{broken}`` and a waiting-list ``{url}``."""

    def includeme(config):
        config.add_provider(IPlaceholder, "mailtest_broken", Broken)
        config.add_provider(IPlaceholder, "mailtest_waitinglist_url", WaitingListUrl)

    return plugin_config(make_fake_plugin("mailtest", includeme, level=Level.EVENT))


def render_with_current_registry(event, template, **context):
    ctx = {"event": event, "organizer": event.organizer, "locale": "en", **context}
    return Placeholders(event, ctx).render(template)


def test_plugin_placeholders_only_where_the_plugin_is_active(plugin_app, db_session, event):
    rendered = render_with_current_registry(event, "{broken} {url}", waitinglist_entry=7)
    assert rendered == "{broken} http://127.0.0.1:8000/demo/conf/"
    enable_plugin(db_session, event, "mailtest")
    assert render_with_current_registry(event, "{url}", waitinglist_entry=7) == "waitinglist-url-7"
    assert render_with_current_registry(event, "{url}") == "http://127.0.0.1:8000/demo/conf/"


def test_failing_placeholder_renders_error_and_logs(plugin_app, db_session, event, caplog):
    enable_plugin(db_session, event, "mailtest")
    with caplog.at_level(logging.ERROR, logger="ticketry.mail"):
        assert render_with_current_registry(event, "a {broken} b {event}") == f"a {ERROR_TEXT} b Conference"
    assert "mailtest_broken" in caplog.text
    assert "ZeroDivisionError" in caplog.text
