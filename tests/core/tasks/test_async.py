"""Async actions: progress reporting and the polling JSON, bound to the caller's session."""

from __future__ import annotations

import pytest
import webtest
from pyramid.interfaces import IRoutesMapper
from pyramid.security import NO_PERMISSION_REQUIRED

from core.tasks import start_async
from core.tasks.progress import GENERIC_ERROR, report_progress
from tests.core.tasks import sample_tasks as t


def start_view(request):
    action = request.params["action"]
    if action == "long":
        task_id = start_async(request, t.long_action, 3)
    else:
        task_id = start_async(request, t.failing_action, visible=action == "visible")
    if request.params.get("abort"):
        request.tm.doom()
    return {"task_id": task_id, "check_url": request.route_path("async_task_status", task_id=task_id)}


@pytest.fixture(scope="module")
def start_route(config):
    """A test-only route that starts an async action (added once to the session's app config)."""
    if config.registry.getUtility(IRoutesMapper).get_route("test_async_start") is None:
        config.add_route("test_async_start", "/_test/async-start")
        config.add_view(start_view, route_name="test_async_start", renderer="json",
                        permission=NO_PERMISSION_REQUIRED)
        config.commit()


@pytest.fixture(autouse=True)
def _reset():
    t.calls.clear()


def test_progress_and_final_state_are_polled_by_the_starter(huey_immediate, start_route, app):
    started = app.get("/_test/async-start", {"action": "long"}).json
    assert started["check_url"] == f"/_tasks/{started['task_id']}"
    assert [c["progress_step"] for c in t.calls] == [0, 1, 2]
    state = app.get(started["check_url"]).json
    assert state == {
        "id": started["task_id"], "ready": True, "started": True, "success": True, "percentage": 100.0,
        "steps": [{"label": "step 0", "done": True}, {"label": "step 1", "done": True},
                  {"label": "step 2", "done": False}],
        "redirect": "/done", "message": "All done.",
    }
    app.get(started["check_url"], status=404)


def test_intermediate_state_shows_progress(huey_immediate, start_route, app, monkeypatch):
    from core.tasks import progress

    monkeypatch.setattr(progress, "mark_done", lambda task_id, result: None)  # freeze the state before the end
    started = app.get("/_test/async-start", {"action": "long"}).json
    state = app.get(started["check_url"]).json
    assert (state["ready"], state["started"], state["success"]) == (False, True, None)
    assert state["percentage"] == pytest.approx(200 / 3)
    assert state["steps"][1] == {"label": "step 1", "done": True}
    assert app.get(started["check_url"]).json["ready"] is False


def test_another_session_cannot_poll(huey_immediate, start_route, app, config):
    started = app.get("/_test/async-start", {"action": "long"}).json
    stranger = webtest.TestApp(config.make_wsgi_app(), extra_environ={"HTTP_HOST": "localhost"})
    stranger.get(started["check_url"], status=404)
    assert app.get(started["check_url"]).json["ready"] is True


@pytest.mark.parametrize(("action", "message"), [("visible", "The export has no data."), ("hidden", GENERIC_ERROR)])
def test_failure_message_only_for_user_errors(huey_immediate, start_route, app, action, message):
    started = app.get("/_test/async-start", {"action": action}).json
    state = app.get(started["check_url"]).json
    assert (state["ready"], state["success"], state["message"]) == (True, False, message)
    assert "internal detail" not in str(state)


def test_aborted_request_queues_nothing(huey_immediate, start_route, app):
    started = app.get("/_test/async-start", {"action": "long", "abort": "1"}).json
    assert t.calls == []
    app.get(started["check_url"], status=404)


@pytest.mark.parametrize("task_id", ["abc%20def", "a.b", "x_y"])
def test_malformed_ids_are_not_found(app, task_id):
    app.get(f"/_tasks/{task_id}", status=404)


def test_report_progress_outside_an_async_action_is_a_no_op():
    report_progress(50, [{"label": "x", "done": False}])
