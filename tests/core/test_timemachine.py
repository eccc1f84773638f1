"""The time machine: context variable, per-request override for test-mode events, tasks."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import UTC, datetime, timedelta, timezone
from types import SimpleNamespace

import pytest
from pyramid import testing
from pyramid.config import Configurator
from pyramid.events import ContextFound
from pyramid.httpexceptions import HTTPForbidden
from pyramid.session import SignedCookieSessionFactory

from core import timemachine
from core.timemachine import now, override, time_machine

PAST = datetime(2020, 5, 17, 12, 0, tzinfo=UTC)
FUTURE = datetime(2031, 2, 1, 9, 30, tzinfo=UTC)


def test_now_is_real_time_without_override():
    before = datetime.now(UTC)
    value = now()
    assert before <= value <= datetime.now(UTC)
    assert value.tzinfo is not None
    assert override() is None


def test_time_machine_nests_and_restores():
    with time_machine(PAST):
        assert now() == PAST
        assert override() == PAST
        with time_machine(FUTURE):
            assert now() == FUTURE
        with time_machine(None):
            assert abs(now() - datetime.now(UTC)) < timedelta(seconds=5)
        assert now() == PAST
    assert override() is None


def test_time_machine_normalises_to_utc_and_refuses_naive_datetimes():
    with time_machine(datetime(2030, 1, 1, 12, 0, tzinfo=timezone(timedelta(hours=2)))):
        assert now() == datetime(2030, 1, 1, 10, 0, tzinfo=UTC)
        assert now().tzinfo == UTC
    with pytest.raises(ValueError, match="timezone-aware"), time_machine(datetime(2030, 1, 1)):
        pass


@contextmanager
def bare_config():
    """A throwaway configurator made current on top of the app's (``testing.testConfig`` would clear the stack)."""
    config = Configurator(autocommit=True)
    config.begin()
    try:
        yield config
    finally:
        config.end()


@pytest.fixture
def pyramid_config():
    with bare_config() as config:
        config.set_session_factory(SignedCookieSessionFactory("secret"))
        yield config


def make_request(pyramid_config, *, testmode=True, permitted=True, event_id=7):
    pyramid_config.testing_securitypolicy(userid="alice", permissive=permitted)
    request = testing.DummyRequest()
    request.registry = pyramid_config.registry
    request.context = SimpleNamespace(event=SimpleNamespace(id=event_id, testmode=testmode))
    return request


def found(request):
    timemachine.apply_request_override(ContextFound(request))
    return now(), override()


def finish(request):
    for callback in request.finished_callbacks:
        callback(request)


def test_request_override_applies_for_test_mode_event_and_authorised_user(pyramid_config):
    request = make_request(pyramid_config)
    timemachine.set_request_override(request, PAST)
    assert request.session["timemachine_now_dt:7"] == PAST.isoformat()
    assert found(request) == (PAST, PAST)
    finish(request)
    assert override() is None


def test_request_override_is_per_event(pyramid_config):
    request = make_request(pyramid_config)
    timemachine.set_request_override(request, PAST)
    other = make_request(pyramid_config, event_id=8)
    other.session = request.session
    assert found(other)[1] is None


@pytest.mark.parametrize(("testmode", "permitted"), [(False, True), (True, False)])
def test_request_override_ignored_for_live_event_or_unauthorised_user(pyramid_config, testmode, permitted):
    request = make_request(pyramid_config, testmode=testmode, permitted=permitted)
    request.session["timemachine_now_dt:7"] = PAST.isoformat()
    assert found(request)[1] is None
    assert not request.finished_callbacks


@pytest.mark.parametrize(("testmode", "permitted"), [(False, True), (True, False)])
def test_setting_override_refused_for_live_event_or_unauthorised_user(pyramid_config, testmode, permitted):
    request = make_request(pyramid_config, testmode=testmode, permitted=permitted)
    with pytest.raises(HTTPForbidden, match="test mode"):
        timemachine.set_request_override(request, PAST)
    assert dict(request.session) == {}


def test_override_can_be_cleared(pyramid_config):
    request = make_request(pyramid_config)
    timemachine.set_request_override(request, PAST)
    timemachine.set_request_override(request, None)
    assert dict(request.session) == {}
    assert found(request)[1] is None


def test_no_event_context_no_override(pyramid_config):
    request = make_request(pyramid_config)
    request.context = SimpleNamespace()
    assert found(request)[1] is None
    with pytest.raises(ValueError, match="event context"):
        timemachine.set_request_override(request, PAST)


def test_no_session_factory_means_no_override():
    with bare_config() as config:
        request = make_request(config)
        assert found(request)[1] is None


def test_subscriber_is_registered(registry):
    subscribers = [item["introspectable"]["subscriber"] for item in registry.introspector.get_category("subscribers")]
    assert timemachine.apply_request_override in subscribers
