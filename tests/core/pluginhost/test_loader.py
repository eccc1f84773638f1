from importlib.metadata import EntryPoint

import pytest
from pyramid.security import NO_PERMISSION_REQUIRED

from core.configuration import ConfigurationError
from core.pluginhost import Level, PluginLoadError, PluginStatus
from core.pluginhost.loader import GROUP, discover_entry_points, load_plugins
from sdk.testing import make_fake_plugin


def _states(registry):
    return {s.name: s for s in registry.plugin_states}


def test_installed_plugins_are_discovered_sorted_by_name(registry):
    names = [s.name for s in registry.plugin_states]
    assert names == sorted(names)
    assert {"testplugin", "testorg", "testhybrid", "testplatform", "testbroken", "testincompat"} <= set(names)
    assert [ep.name for ep in discover_entry_points()] == sorted(ep.name for ep in discover_entry_points())


def test_good_plugins_are_loaded_with_their_metadata(registry):
    states = _states(registry)
    for name in ("testplugin", "testorg", "testhybrid", "testplatform", "testrestricted"):
        assert states[name].status is PluginStatus.LOADED, states[name].reason
        assert registry.plugin_infos[name] is states[name].info
    assert states["testplugin"].distribution == "ticketry-testplugins"
    assert registry.plugin_infos["testplugin"].version == "1.0.0"
    assert registry.plugin_for_package["ticketry_testplugin"] == "testplugin"


def test_import_error_is_reported_with_traceback_and_not_fatal(registry):
    state = _states(registry)["testbroken"]
    assert state.status is PluginStatus.BROKEN
    assert "missing_module" in state.reason
    assert "ModuleNotFoundError" in state.traceback
    assert "testbroken" not in registry.plugin_infos


def test_incompatible_plugin_is_reported(registry):
    state = _states(registry)["testincompat"]
    assert state.status is PluginStatus.INCOMPATIBLE
    assert "<0.0.1" in state.reason and "0.1.0" in state.reason


def test_probe_catches_a_failing_includeme_before_the_real_include(registry):
    state = _states(registry)["testbadconfig"]
    assert state.status is PluginStatus.BROKEN
    assert "cannot configure itself" in state.reason
    assert "RuntimeError" in state.traceback
    # its half-done registrations never reached the real registry
    assert not [i for i in registry.introspector.get_category("signal handlers") or ()
                if i["introspectable"]["plugin"] == "testbadconfig"]


def test_strict_mode_turns_a_broken_plugin_into_a_startup_error(plugin_config):
    with pytest.raises(PluginLoadError, match=r"plugin .testbadconfig. is broken") as exc:
        plugin_config(installed=True, **{"ticketry.plugins.strict": "true"})
    assert exc.value.state.name == "testbadconfig"  # the first failure by name


def test_strict_mode_without_failures_starts(plugin_config):
    fake = make_fake_plugin("fine", lambda config: None)
    config = plugin_config(fake, **{"ticketry.plugins.strict": "true"})
    assert _states(config.registry)["fine"].status is PluginStatus.LOADED


def test_exclude_and_allow_policy(plugin_config):
    a = make_fake_plugin("alpha", lambda config: None)
    b = make_fake_plugin("beta", lambda config: None)
    c = make_fake_plugin("gamma", lambda config: None)
    config = plugin_config(a, b, c, **{"ticketry.plugins.exclude": "beta", "ticketry.plugins.allow": "alpha beta"})
    states = _states(config.registry)
    assert states["alpha"].status is PluginStatus.LOADED
    assert states["beta"].status is PluginStatus.EXCLUDED
    assert "exclude" in states["beta"].reason
    assert states["gamma"].status is PluginStatus.EXCLUDED
    assert "allow" in states["gamma"].reason


def test_duplicate_names_mark_both_broken(plugin_config):
    first = make_fake_plugin("twin", lambda config: None)
    second = make_fake_plugin("twin", lambda config: None)
    config = plugin_config(first, second)
    state = _states(config.registry)["twin"]
    assert state.status is PluginStatus.BROKEN
    assert "several entry points" in state.reason
    assert first.entry_point.value in state.reason and second.entry_point.value in state.reason


@pytest.mark.parametrize(
    ("fields", "status", "reason"),
    [
        ({"api_level": 99}, PluginStatus.INCOMPATIBLE, "api_level 99"),
        ({"compatibility": "not a spec"}, PluginStatus.BROKEN, "PEP 440"),
        ({"compatibility": ">=0.1"}, PluginStatus.LOADED, ""),
        ({"requires": ("nowhere",)}, PluginStatus.BROKEN, "requires plugin 'nowhere', which is not installed"),
    ],
)
def test_metadata_checks(plugin_config, fields, status, reason):
    fake = make_fake_plugin("checked", lambda config: None, **fields)
    state = _states(plugin_config(fake).registry)["checked"]
    assert state.status is status
    assert reason in state.reason


def test_name_must_match_entry_point_and_pattern(plugin_config):
    mismatch = make_fake_plugin("named", lambda config: None)
    bad_ep = EntryPoint(name="named_other", value=mismatch.entry_point.value, group=GROUP)
    upper = make_fake_plugin("Upper", lambda config: None)
    config = plugin_config(upper)
    load_plugins(config, [bad_ep])
    assert "differs from the entry point name" in _states(config.registry)["named_other"].reason
    config = plugin_config(upper)
    assert "does not match" in _states(config.registry)["Upper"].reason


def test_not_plugin_info_is_broken(plugin_config):
    fake = make_fake_plugin("notinfo", lambda config: None)
    fake.module.plugin = object()
    state = _states(plugin_config(fake).registry)["notinfo"]
    assert state.status is PluginStatus.BROKEN
    assert "IPluginInfo" in state.reason


def test_required_setting_without_deployment_value_is_broken(plugin_config):
    from core.settings import Setting

    fake = make_fake_plugin("needy", lambda config: None, settings=(Setting("api_key", str, required=True),))
    state = _states(plugin_config(fake).registry)["needy"]
    assert state.status is PluginStatus.BROKEN
    assert "ticketry.plugin.needy.api_key" in state.reason
    fake = make_fake_plugin("needy", lambda config: None, settings=(Setting("api_key", str, required=True),))
    config = plugin_config(fake, **{"ticketry.plugin.needy.api_key": "k"})
    assert _states(config.registry)["needy"].status is PluginStatus.LOADED


def test_dependencies_load_first_and_a_broken_requirement_breaks_the_dependent(plugin_config):
    order = []
    base = make_fake_plugin("zbase", lambda config: order.append("zbase"))
    user = make_fake_plugin("auser", lambda config: order.append("auser"), requires=("zbase",))
    soft = make_fake_plugin("bsoft", lambda config: order.append("bsoft"), uses=("zbase", "absent"))
    plugin_config(base, user, soft)
    # each includeme runs twice: probe, then the real include (in dependency order)
    assert order[-3:] == ["zbase", "auser", "bsoft"]

    def explode(config):
        raise RuntimeError("boom")

    broken = make_fake_plugin("zbase", explode)
    user = make_fake_plugin("auser", lambda config: None, requires=("zbase",))
    states = _states(plugin_config(broken, user).registry)
    assert states["zbase"].status is PluginStatus.BROKEN
    assert states["auser"].status is PluginStatus.BROKEN
    assert "zbase" in states["auser"].reason


def test_circular_requirements_are_broken(plugin_config):
    a = make_fake_plugin("cyca", lambda config: None, requires=("cycb",))
    b = make_fake_plugin("cycb", lambda config: None, requires=("cyca",))
    states = _states(plugin_config(a, b).registry)
    assert states["cyca"].status is PluginStatus.BROKEN
    assert states["cycb"].status is PluginStatus.BROKEN


def test_tweens_are_only_for_platform_plugins(plugin_config):
    def with_tween(config):
        config.add_tween("ticketry_testplatform.tween_factory")

    event_level = make_fake_plugin("tweeny", with_tween, level=Level.EVENT)
    state = _states(plugin_config(event_level).registry)["tweeny"]
    assert state.status is PluginStatus.BROKEN
    assert "tween" in state.reason
    platform = make_fake_plugin("tweeny", with_tween, level=Level.PLATFORM)
    assert _states(plugin_config(platform).registry)["tweeny"].status is PluginStatus.LOADED


def test_conflict_with_another_plugin_in_probe_is_caught_only_if_alone(plugin_config):
    def view(request):
        return {}

    def one(config):
        config.add_event_view(view, "page", NO_PERMISSION_REQUIRED, renderer="json")
        config.add_event_view(view, "page", NO_PERMISSION_REQUIRED, renderer="json")

    fake = make_fake_plugin("selfconflict", one)
    state = _states(plugin_config(fake).registry)["selfconflict"]
    assert state.status is PluginStatus.BROKEN
    assert "Conflict" in state.reason


def test_default_plugins_must_fit_their_scope(plugin_config):
    fake = make_fake_plugin("orgonly", lambda config: None, level=Level.ORGANIZER)
    with pytest.raises(ConfigurationError, match=r"default_event.*orgonly"):
        plugin_config(fake, **{"ticketry.plugins.default_event": "orgonly"})
