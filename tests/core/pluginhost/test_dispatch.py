import pytest
from sqlalchemy import select
from ticketry_testkit import (
    CALLS,
    AfterCommitProbe,
    ChainedProbe,
    CollectProbe,
    FirstProbe,
    RobustProbe,
    StrictProbe,
)
from zope.interface import Interface, implementer

from core.db import scopes_disabled
from core.interfaces.signals import IScopedSignal, Policy
from core.models import Organizer
from core.pluginhost import send
from core.pluginhost.dispatch import SignalDeclarationError, route_for


@pytest.fixture(autouse=True)
def _clear_calls():
    CALLS.clear()
    yield
    CALLS.clear()


def test_collect_runs_only_the_platform_plugin_when_nothing_is_enabled(event):
    assert send(CollectProbe(event)) == [("testplatform", "testplatform")]


@pytest.mark.enabled_plugins("testplugin", "testorg", "testhybrid")
def test_collect_returns_plugin_values_in_order(event):
    # order: testplugin has order 50, testorg/testhybrid 100 (by name), testplatform 200
    assert send(CollectProbe(event)) == [
        ("testplugin", "testplugin"), ("testhybrid", "testhybrid"), ("testorg", "testorg"),
        ("testplatform", "testplatform"),
    ]


@pytest.mark.enabled_plugins("testplugin")
def test_strict_propagates_handler_errors(event):
    assert send(StrictProbe(event)) == [("testplugin", "testplugin"), ("testplatform", "testplatform")]
    with pytest.raises(ValueError, match="testplugin refuses"):
        send(StrictProbe(event, fail="testplugin"))


def test_strict_skips_inactive_plugin_that_would_refuse(event):
    assert send(StrictProbe(event, fail="testplugin")) == [("testplatform", "testplatform")]


@pytest.mark.enabled_plugins("testplugin", "testorg")
def test_first_stops_at_first_answer(event, signal_log):
    assert send(FirstProbe(event, answer_from="testorg")) == "testorg"
    assert send(FirstProbe(event, answer_from="nobody")) is None
    assert send(FirstProbe(event, answer_from="testhybrid")) is None


@pytest.mark.enabled_plugins("testplugin", "testorg")
def test_chained_pipes_each_return_value(event):
    assert send(ChainedProbe(event, text="start")) == "start+testplugin+testorg+testplatform"


@pytest.mark.enabled_plugins("testplugin", "testorg", "testhybrid")
def test_robust_rolls_back_only_the_failing_handler(event, db_session, caplog):
    result = send(RobustProbe(event, fail="testorg"))
    assert result == [("testplugin", "testplugin"), ("testhybrid", "testhybrid"), ("testplatform", "testplatform")]
    slugs = set(db_session.scalars(select(Organizer.slug).where(Organizer.slug.like("robust-%"))))
    assert slugs == {"robust-testplugin", "robust-testhybrid", "robust-testplatform"}
    failure = [r for r in caplog.records if r.name == "ticketry.plugins.testorg"]
    assert len(failure) == 1
    message = failure[0].getMessage()
    assert "IRobustProbe" in message and f"event:{event.id}" in message
    assert failure[0].exc_info is not None


@pytest.mark.enabled_plugins("testplugin", "testorg")
def test_robust_counts_failures_per_plugin_and_scope(event, registry):
    before = registry.plugin_metrics.failures[("testorg", f"event:{event.id}")]
    send(RobustProbe(event, fail="testorg"))
    assert registry.plugin_metrics.failures[("testorg", f"event:{event.id}")] == before + 1


@pytest.mark.enabled_plugins("testplugin", "testhybrid")
def test_after_commit_runs_after_commit(event, tm, huey_immediate):
    assert send(AfterCommitProbe(event)) is None
    assert CALLS == []
    tm.commit()
    assert sorted(CALLS) == [
        ("testhybrid", "AfterCommitProbe", event.id),
        ("testplatform", "AfterCommitProbe", event.id),
        ("testplugin", "AfterCommitProbe", event.id),
    ]


@pytest.mark.enabled_plugins("testplugin")
def test_after_commit_does_nothing_on_abort(event, tm, huey_immediate):
    send(AfterCommitProbe(event))
    tm.abort()
    assert CALLS == []


@pytest.mark.enabled_plugins("testplugin")
def test_after_commit_task_rechecks_activity(event, tm, db_session, huey_immediate):
    from core.pluginhost import disable_plugin

    send(AfterCommitProbe(event))
    disable_plugin(db_session, event, "testplugin")
    tm.commit()
    assert CALLS == [("testplatform", "AfterCommitProbe", event.id)]


def test_signal_log_records_dispatched_handlers(event, signal_log):
    send(CollectProbe(event))
    [entry] = signal_log.of(CollectProbe)
    assert entry.policy is Policy.COLLECT
    assert entry.handlers == [("testplatform", "testplatform.collect")]


def test_organizer_scope_runs_organizer_and_hybrid_plugins(organizer, db_session):
    from core.pluginhost import enable_plugin

    with scopes_disabled():
        enable_plugin(db_session, organizer, "testorg")
        enable_plugin(db_session, organizer, "testhybrid")
    assert [p for p, _ in send(CollectProbe(organizer))] == ["testhybrid", "testorg", "testplatform"]


def test_platform_scope_runs_platform_plugins_only():
    assert send(CollectProbe(None)) == [("testplatform", "testplatform")]


def test_signal_without_policy_is_rejected(registry):
    class INoPolicy(IScopedSignal):
        """No policy."""

    @implementer(INoPolicy)
    class NoPolicy:
        scope = None

    with pytest.raises(SignalDeclarationError, match="declares no policy"):
        route_for(registry, NoPolicy)


def test_class_without_signal_interface_is_rejected(registry):
    class INothing(Interface):
        """Not a signal."""

    @implementer(INothing)
    class Nothing:
        scope = None

    with pytest.raises(SignalDeclarationError, match="exactly one IScopedSignal"):
        send(Nothing())

