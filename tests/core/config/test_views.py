import pytest
from ticketry_testplugin.config import SEEN

from core.pluginhost import enable_plugin


@pytest.fixture(autouse=True)
def _clear_seen():
    SEEN.clear()
    yield
    SEEN.clear()


def test_event_view_is_404_when_plugin_is_off(app, event):
    app.get("/demo/conf/p/testplugin/hello", status=404)
    app.get("/demo/conf/p/testplugin/secret", status=404)


def test_event_view_works_when_plugin_is_on(app, db_session, event):
    enable_plugin(db_session, event, "testplugin")
    assert app.get("/demo/conf/p/testplugin/hello").json == {"plugin": "testplugin", "event": "conf"}


def test_event_view_keeps_its_permission_when_on(app, db_session, event):
    enable_plugin(db_session, event, "testplugin")
    response = app.get("/demo/conf/p/testplugin/secret", expect_errors=True)
    assert response.status_int in (401, 403)


def test_event_view_is_404_for_unknown_event(app, db_session, event):
    enable_plugin(db_session, event, "testplugin")
    app.get("/demo/nope/p/testplugin/hello", status=404)


def test_organizer_view_of_event_level_plugin_is_never_active(app, db_session, event):
    enable_plugin(db_session, event, "testplugin")
    app.get("/demo/p/testplugin/overview", status=404)


def test_platform_view_and_platform_tween(app):
    response = app.get("/p/testplatform/status")
    assert response.json == {"plugin": "testplatform"}
    assert response.headers["X-Testplatform"] == "1"


def test_routes_are_named_and_introspectable(registry):
    views = [i for i in registry.introspector.get_category("views") if i["introspectable"]["route_name"] ==
             "plugin.testplugin.event.hello"]
    assert views
    route = registry.introspector.get("routes", "plugin.testplugin.event.hello")
    assert route["pattern"] == "/{organizer}/{event}/p/testplugin/hello"


def test_plugin_subscriber_runs_only_where_the_plugin_is_active(app, db_session, event):
    app.get("/demo/conf/p/testplugin/hello", status=404)
    app.get("/healthz")
    assert SEEN == []
    enable_plugin(db_session, event, "testplugin")
    app.get("/demo/conf/p/testplugin/hello")
    assert SEEN == ["/demo/conf/p/testplugin/hello"]
