import os
from types import SimpleNamespace

import pytest
from pyramid.interfaces import ITranslationDirectories
from pyramid.request import Request
from ticketry_testkit import CALLS

from core.db import scope
from core.models import Event
from core.pluginhost import Level, enable_plugin, render_slot
from core.pluginhost.periodic import run_periodic
from sdk.testing import make_fake_plugin


@pytest.fixture(autouse=True)
def _clear_calls():
    CALLS.clear()
    yield
    CALLS.clear()


def _request(registry, session, scope_obj):
    return SimpleNamespace(registry=registry, dbsession=session, context=SimpleNamespace(scope=scope_obj))


def test_slot_renders_only_for_active_plugins(registry, db_session, event):
    request = _request(registry, db_session, event)
    assert render_slot(request, "event.test.slot", what="x") == ""
    enable_plugin(db_session, event, "testplugin")
    assert render_slot(request, "event.test.slot", what="x") == "<p>testplugin x</p>"
    assert render_slot(request, "no.such.slot") == ""


def test_broken_slot_renderer_yields_empty_string_and_a_log_line(plugin_config, db_session, caplog):
    def boom(request, **kw):
        raise RuntimeError("snippet broke")

    def fine(request, **kw):
        return "<b>fine</b>"

    def includeme(config):
        config.add_template_slot("page.footer", boom, priority=1)
        config.add_template_slot("page.footer", fine, priority=2)

    config = plugin_config(make_fake_plugin("slotty", includeme, level=Level.PLATFORM))
    request = _request(config.registry, db_session, None)
    assert render_slot(request, "page.footer") == "<b>fine</b>"
    [record] = [r for r in caplog.records if r.name == "ticketry.plugins.slotty"]
    assert "page.footer" in record.getMessage() and "platform" in record.getMessage()
    assert config.registry.plugin_metrics.failures[("slotty", "platform")] == 1


def test_static_assets_are_served_with_a_cache_buster(app, registry):
    request = Request.blank("/")
    request.registry = registry
    url = request.static_url("ticketry_testplugin:static/app.css")
    assert url.endswith("/static/plugins/testplugin/app.css?x=1.0.0")
    assert "color" in app.get("/static/plugins/testplugin/app.css").text


def test_translations_use_the_plugin_domain(registry):
    import ticketry_testplugin

    locale = os.path.join(os.path.dirname(ticketry_testplugin.__file__), "locale")
    assert locale in registry.getUtility(ITranslationDirectories)
    assert os.path.exists(os.path.join(locale, "de", "LC_MESSAGES", "testplugin.mo"))


def test_periodic_task_runs_only_where_the_plugin_is_active(registry, db_session, event, organizer):
    with scope(organizer.id):
        other = Event(organizer_id=organizer.id, slug="other", name=event.name, date_from=event.date_from)
        db_session.add(other)
        db_session.flush()
    assert run_periodic(db_session, "plugin.testplugin.nightly") == 0
    enable_plugin(db_session, other, "testplugin")
    assert run_periodic(db_session, "plugin.testplugin.nightly") == 1
    assert CALLS == [("testplugin", "nightly", other.id)]
    assert "plugin.testplugin.nightly" in registry.periodic_tasks


def test_periodic_task_is_scheduled_with_huey(registry):
    from core.tasks import huey

    assert "plugin.testplugin.nightly" in {task.name for task in huey._registry.periodic_tasks}


def test_periodic_failure_in_one_scope_rolls_back_and_goes_on(plugin_config, db_session, organizer, caplog):
    from huey import crontab
    from sqlalchemy import select

    from core.models import Organizer

    def tick(scope, **kw):
        db_session.add(Organizer(slug=f"tick-{scope.slug}", name="t"))
        db_session.flush()
        if scope.slug == "demo":
            raise RuntimeError("demo tick fails")

    def includeme(config):
        config.add_periodic_task(tick, crontab(minute="*"), scope=Level.ORGANIZER)

    config = plugin_config(make_fake_plugin("ticker", includeme, level=Level.ORGANIZER))
    second = Organizer(slug="second", name="Second")
    db_session.add(second)
    db_session.flush()
    for org in (organizer, second):
        enable_plugin(db_session, org, "ticker")
    assert run_periodic(db_session, "plugin.ticker.tick", config.registry) == 2
    slugs = set(db_session.scalars(select(Organizer.slug).where(Organizer.slug.like("tick-%"))))
    assert slugs == {"tick-second"}
    assert any("demo tick fails" in r.getMessage() or r.exc_info for r in caplog.records
               if r.name == "ticketry.plugins.ticker")
