import pytest
from pyramid.config import Configurator
from pyramid.exceptions import ConfigurationConflictError
from pyramid.security import NO_PERMISSION_REQUIRED
from ticketry_testkit import CollectProbe, ICollectProbe, IGreeter, greeter_class
from zope.interface import Interface

from core.configuration import ConfigurationError
from core.interfaces.signals import IScopedSignal
from core.pluginhost import Level, PluginStatus, send
from sdk.testing import make_fake_plugin


@pytest.fixture
def scratch(ticketry_settings):
    config = Configurator(settings={"ticketry.verify_providers": True})
    config.include("core.config")
    return config


def _reason(config, name):
    return {s.name: s for s in config.registry.plugin_states}[name]


def handler(signal, **kw):
    return "ok"


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda c: c.add_provider("IGreeter", "x", greeter_class("x")), "not a zope interface"),
        (lambda c: c.add_provider(IGreeter, "", greeter_class("x")), "non-empty string"),
        (lambda c: c.add_provider(IGreeter, "x", 42), "not callable"),
        (lambda c: c.add_provider(IGreeter, "x", greeter_class("x"), scope=Level.HYBRID), "Level.EVENT"),
        (lambda c: c.add_signal_handler(lambda signal: None, ICollectProbe), r"\*\*kw"),
        (lambda c: c.add_signal_handler(handler, IGreeter), "not a signal interface"),
        (lambda c: c.add_signal_handler(handler, IScopedSignal), "declares no policy"),
        (lambda c: c.add_signal_handler(handler, ICollectProbe, order="1"), "order must be an int"),
        (lambda c: c.add_template_slot("Bad Slot", handler), "dotted lowercase"),
        (lambda c: c.add_template_slot("ok.slot", lambda request: ""), r"\*\*kw"),
        (lambda c: c.add_event_view(handler, "x", NO_PERMISSION_REQUIRED), "is for plugins"),
        (lambda c: c.add_plugin_static(), "is for plugins"),
        (lambda c: c.add_periodic_task(handler, handler), "is for plugins"),
        (lambda c: c.add_plugin_subscriber(handler, Interface), "is for plugins"),
    ],
)
def test_bad_registrations_fail_with_a_clear_message(scratch, call, message):
    with pytest.raises(ConfigurationError, match=message):
        call(scratch)


def test_provider_class_must_implement_the_interface(scratch):
    class NotAGreeter:
        def __init__(self, scope):
            pass

    with pytest.raises(Exception, match="greet"):
        scratch.add_provider(IGreeter, "x", NotAGreeter)


def test_duplicate_provider_names_conflict_at_startup(scratch):
    def first(config):
        config.add_provider(IGreeter, "same", greeter_class("a"))

    def second(config):
        config.add_provider(IGreeter, "same", greeter_class("b"))

    scratch.include(first)
    scratch.include(second)
    with pytest.raises(ConfigurationConflictError):
        scratch.commit()


def test_registrations_are_introspectable_with_their_owner(registry):
    providers = {(i["interface"], i["name"]): i["plugin"] for i in registry.introspector.get_category("providers")
                 for i in [i["introspectable"]]}
    assert providers[(IGreeter, "testorg")] == "testorg"
    handlers = [i["introspectable"] for i in registry.introspector.get_category("signal handlers")]
    assert {h["plugin"] for h in handlers if h["signal"] is ICollectProbe} == {
        "testplugin", "testorg", "testhybrid", "testplatform"}


def test_view_without_permission_breaks_the_plugin(plugin_config):
    fake = make_fake_plugin("noperm", lambda c: c.add_event_view(handler, "x", None, renderer="json"))
    state = _reason(plugin_config(fake), "noperm")
    assert state.status is PluginStatus.BROKEN
    assert "needs permission" in state.reason


def test_view_with_unknown_permission_breaks_the_plugin(plugin_config):
    fake = make_fake_plugin("typo", lambda c: c.add_event_view(handler, "x", "event.ordrs:read", renderer="json"))
    assert _reason(plugin_config(fake), "typo").status is PluginStatus.BROKEN


def test_core_handlers_run_first_regardless_of_order(plugin_config, event):
    def core_handler(signal, **kw):
        return "core"

    config = plugin_config(installed=True)
    config.add_signal_handler(core_handler, ICollectProbe, order=999)
    config.commit()
    assert send(CollectProbe(event))[0] == ("core", "core")


def test_plugin_translations_reject_foreign_domains(plugin_config):
    def includeme(config):
        config.registry.plugin_packages["wrongdomain"] = "ticketry_testplugin"
        config.add_plugin_translations()

    fake = make_fake_plugin("wrongdomain", includeme)
    state = _reason(plugin_config(fake), "wrongdomain")
    assert state.status is PluginStatus.BROKEN
    assert "may only ship the domain 'wrongdomain'" in state.reason
