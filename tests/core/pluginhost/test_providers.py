import pytest
from ticketry_testkit import IGreeter, IOrganizerGreeter
from zope.interface import Interface, implementer
from zope.interface.exceptions import Invalid

from core.pluginhost import Level, enable_plugin, provider_for, providers_for
from sdk.testing import make_fake_plugin


def test_only_platform_provider_when_nothing_is_enabled(event):
    assert [name for name, _ in providers_for(event, IGreeter)] == ["testplatform"]


@pytest.mark.enabled_plugins("testplugin", "testorg", "testhybrid")
def test_providers_of_active_plugins_sorted_by_name_and_built_for_the_event(event):
    found = providers_for(event, IGreeter)
    assert [name for name, _ in found] == ["testhybrid", "testorg", "testplatform", "testplugin"]
    assert found[0][1].greet() == "testhybrid greets conf"
    assert all(provider.scope is event for _, provider in found)


def test_per_event_activation_filters_providers(db_session, event, organizer):
    from core.db import scope
    from core.models import Event

    with scope(organizer.id):
        other = Event(organizer_id=organizer.id, slug="other", name=event.name, date_from=event.date_from)
        db_session.add(other)
        db_session.flush()
    enable_plugin(db_session, event, "testplugin")
    assert provider_for(event, IGreeter, "testplugin") is not None
    assert provider_for(other, IGreeter, "testplugin") is None
    assert "testplugin" not in dict(providers_for(other, IGreeter))


def test_hybrid_provider_needs_organizer_and_event(db_session, event, organizer):
    enable_plugin(db_session, organizer, "testhybrid")
    assert provider_for(event, IGreeter, "testhybrid") is None
    enable_plugin(db_session, event, "testhybrid")
    assert provider_for(event, IGreeter, "testhybrid").greet() == "testhybrid greets conf"


def test_organizer_scoped_providers_adapt_the_organizer(db_session, organizer, event):
    enable_plugin(db_session, organizer, "testorg")
    assert [name for name, _ in providers_for(organizer, IOrganizerGreeter)] == ["testorg", "testplatform"]
    assert provider_for(organizer, IOrganizerGreeter, "testorg").greet() == "testorg greets demo"
    # organizer-scoped providers are not built for events
    assert providers_for(event, IOrganizerGreeter) == []


def test_unknown_provider_is_none(event):
    assert provider_for(event, IGreeter, "nope") is None


class IThing(Interface):
    def run():
        """Do it."""


@implementer(IThing)
class Thing:
    def __init__(self, scope, label="thing"):
        self.label = label

    def run(self):
        return self.label


class NotAThing:
    def __init__(self, scope):
        self.scope = scope


def test_core_providers_come_first_and_are_verified(plugin_config, event):
    def plugin_includeme(config):
        config.add_provider(IThing, "aaa", Thing)

    config = plugin_config(make_fake_plugin("thingy", plugin_includeme, level=Level.PLATFORM))
    config.add_provider(IThing, "zzz", Thing)
    config.add_provider(IThing, "bad", lambda scope: NotAThing(scope))
    config.commit()
    assert config.registry.provider_owner[(IThing, "aaa")] == "thingy"
    assert config.registry.provider_owner[(IThing, "zzz")] == "core"
    with pytest.raises(Invalid):
        providers_for(event, IThing)
    config.registry.settings["ticketry.verify_providers"] = False
    assert [name for name, _ in providers_for(event, IThing)] == ["bad", "zzz", "aaa"]
