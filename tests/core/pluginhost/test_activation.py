import pytest
from sqlalchemy import select
from ticketry_testkit import CALLS

from core.db import scope, scopes_disabled
from core.models import Event, EventPlugin, OrganizerPlugin
from core.pluginhost import (
    ActivationError,
    active_plugins,
    disable_plugin,
    enable_default_plugins,
    enable_plugin,
    is_active,
)
from core.settings import settings_for


@pytest.fixture(autouse=True)
def _clear_calls():
    CALLS.clear()
    yield
    CALLS.clear()


def _log_actions(db_session, obj):
    from core.logs import LogEntry

    with scope(obj.organizer_id):
        return [e.action_type for e in db_session.scalars(select(LogEntry).order_by(LogEntry.id))]


def test_nothing_but_platform_plugins_is_active_by_default(db_session, event, organizer):
    assert active_plugins(db_session, event) == {"testplatform"}
    assert active_plugins(db_session, organizer) == {"testplatform"}
    assert active_plugins(db_session, None) == {"testplatform"}
    assert is_active(db_session, "core", event)


def test_enable_and_disable_event_plugin(db_session, event, user):
    assert enable_plugin(db_session, event, "testplugin", actor=user) is True
    assert enable_plugin(db_session, event, "testplugin", actor=user) is False
    assert is_active(db_session, "testplugin", event)
    assert not is_active(db_session, "testplugin", event.organizer)
    with scope(event.organizer_id):
        row = db_session.scalar(select(EventPlugin))
    assert (row.plugin, row.enabled_by_id) == ("testplugin", user.id)
    assert disable_plugin(db_session, event, "testplugin", actor=user) is True
    assert disable_plugin(db_session, event, "testplugin", actor=user) is False
    assert not is_active(db_session, "testplugin", event)
    assert _log_actions(db_session, event) == ["pretix.event.plugins.enabled", "pretix.event.plugins.disabled"]


def test_organizer_plugin_is_active_on_all_events_of_the_organizer(db_session, event, organizer):
    enable_plugin(db_session, organizer, "testorg")
    assert is_active(db_session, "testorg", organizer)
    assert is_active(db_session, "testorg", event)
    assert _log_actions(db_session, organizer) == ["pretix.organizer.plugins.enabled"]


def test_hybrid_needs_both_and_enabling_on_event_enables_organizer(db_session, event, organizer):
    enable_plugin(db_session, organizer, "testhybrid")
    assert is_active(db_session, "testhybrid", organizer)
    assert not is_active(db_session, "testhybrid", event)
    disable_plugin(db_session, organizer, "testhybrid")
    enable_plugin(db_session, event, "testhybrid")
    assert is_active(db_session, "testhybrid", event)
    assert is_active(db_session, "testhybrid", organizer)
    disable_plugin(db_session, organizer, "testhybrid")
    assert not is_active(db_session, "testhybrid", event)
    assert CALLS == [
        ("testhybrid", "installed", organizer.id), ("testhybrid", "uninstalled", organizer.id),
        ("testhybrid", "installed", organizer.id), ("testhybrid", "installed", event.id),
        ("testhybrid", "uninstalled", organizer.id),
    ]


@pytest.mark.parametrize(
    ("name", "where", "message"),
    [
        ("testorg", "event", "enabled per organizer"),
        ("testplugin", "organizer", "enabled per event"),
        ("testplatform", "event", "always active"),
        ("testbroken", "event", "broken"),
        ("testincompat", "event", "incompatible"),
        ("nosuchplugin", "event", "no such plugin"),
    ],
)
def test_enable_refuses_what_does_not_fit(db_session, event, organizer, name, where, message):
    target = event if where == "event" else organizer
    with pytest.raises(ActivationError, match=message):
        enable_plugin(db_session, target, name)


def test_broken_plugin_rows_never_make_it_active(db_session, event):
    with scope(event.organizer_id):
        db_session.add(EventPlugin(event_id=event.id, organizer_id=event.organizer_id, plugin="testbroken"))
        db_session.flush()
    assert "testbroken" not in active_plugins(db_session, event)


def test_restricted_plugin_needs_staff_or_allow_list(db_session, event, user):
    enable_plugin(db_session, event, "testplugin")
    with pytest.raises(ActivationError, match="restricted"):
        enable_plugin(db_session, event, "testrestricted", actor=user)
    user.is_staff = True
    assert enable_plugin(db_session, event, "testrestricted", actor=user)
    disable_plugin(db_session, event, "testrestricted")
    user.is_staff = False
    with scopes_disabled():
        settings_for(db_session, event.organizer).set("allowed_restricted_plugins", ["testrestricted"])
    assert enable_plugin(db_session, event, "testrestricted", actor=user)


def test_requires_and_is_available_are_checked(db_session, event, organizer):
    staff = type("Staff", (), {"is_staff": True})()
    with pytest.raises(ActivationError, match="requires testplugin"):
        enable_plugin(db_session, event, "testrestricted", actor=staff)
    with scope(organizer.id):
        closed = Event(organizer_id=organizer.id, slug="closed", name=event.name, date_from=event.date_from)
        db_session.add(closed)
        db_session.flush()
    enable_plugin(db_session, closed, "testplugin")
    with pytest.raises(ActivationError, match="not available"):
        enable_plugin(db_session, closed, "testrestricted", actor=staff)


def test_default_plugins_for_new_scopes(db_session, event, organizer, registry, monkeypatch, caplog):
    monkeypatch.setitem(registry.settings, "ticketry.plugins.default_event", ("testplugin", "testhybrid", "gone"))
    monkeypatch.setitem(registry.settings, "ticketry.plugins.default_organizer", ("testorg",))
    assert enable_default_plugins(db_session, organizer) == ["testorg"]
    assert enable_default_plugins(db_session, event) == ["testplugin", "testhybrid"]
    assert active_plugins(db_session, event) == {"testplugin", "testhybrid", "testorg", "testplatform"}
    assert "gone" in caplog.text
    with scope(organizer.id):
        assert set(db_session.scalars(select(OrganizerPlugin.plugin))) == {"testorg", "testhybrid"}


def test_activity_cache_is_dropped_on_rollback(db_session, event, tm):
    enable_plugin(db_session, event, "testplugin")
    assert is_active(db_session, "testplugin", event)
    tm.abort()
    tm.begin()
    assert not is_active(db_session, "testplugin", event)


def test_activity_cache_can_be_kept_over_a_commit(db_session, event):
    from sqlalchemy import event as sa_event

    from core.pluginhost.activity import invalidate, kept_over_commit

    active_plugins(db_session, event)
    statements = []
    sa_event.listen(db_session.get_bind(), "before_cursor_execute", lambda *args: statements.append(args[2]))
    with kept_over_commit(db_session):
        invalidate(db_session)  # what the end of a real transaction does
    assert active_plugins(db_session, event) == {"testplatform"}
    assert not statements
    invalidate(db_session)
    active_plugins(db_session, event)
    assert statements
