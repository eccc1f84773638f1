from __future__ import annotations

import json
from decimal import Decimal

import pytest
import transaction
from pyramid.config import Configurator
from pyramid.exceptions import ConfigurationError
from sqlalchemy import select

from core.db import scope
from core.db.session import tm_session
from core.logs import MASK, UnknownLogEntryType, display, log_action, mask_secrets
from core.models import LogEntry, Team
from core.security.identity import TokenIdentity


def test_entry_derives_scope_object_and_actor(db_session, organizer, event, user):
    on_organizer = log_action(organizer, "pretix.organizer.settings", {"name": "x"}, user=user)
    on_event = log_action(event, "pretix.event.settings", {"b": 1, "a": 2})
    assert (on_organizer.organizer_id, on_organizer.event_id, on_organizer.object_type, on_organizer.object_id) == (
        organizer.id, None, "organizer", organizer.id)
    assert on_organizer.user_id == user.id
    assert (on_event.organizer_id, on_event.event_id, on_event.object_type) == (organizer.id, event.id, "event")
    assert on_event.data == '{"a": 2, "b": 1}'
    assert on_event.user_id is None and on_event.id is not None


def test_entry_for_an_object_with_organizer_id(db_session, organizer, team):
    entry = log_action(team, "pretix.team.changed", {})
    assert (entry.organizer_id, entry.event_id, entry.object_type, entry.object_id) == (
        organizer.id, None, "team", team.id)


def test_platform_object_has_no_scope(db_session, user):
    entry = log_action(user, "pretix.user.settings.changed", {"locale": "de"}, user=user)
    assert (entry.organizer_id, entry.event_id, entry.object_type, entry.object_id) == (
        None, None, "user_account", user.id)


def test_token_and_identity_actors(db_session, organizer, team, token, user):
    with scope(organizer.id):
        api_token = db_session.scalars(select(Team).where(Team.id == team.id)).one().tokens[0]
    by_token = log_action(team, "pretix.team.changed", {}, auth=api_token)
    by_identity = log_action(team, "pretix.team.changed", {}, auth=TokenIdentity(api_token), user=user)
    assert by_token.api_token_id == api_token.id and by_token.user_id is None
    assert (by_identity.api_token_id, by_identity.user_id) == (api_token.id, user.id)
    with pytest.raises(TypeError, match="auth"):
        log_action(team, "pretix.team.changed", {}, auth="someone")


def test_secret_looking_keys_are_masked_recursively(db_session, organizer):
    data = {
        "name": "x", "Password": "p", "new_secret_key": "s", "stripe_api_key": "k", "token": "t",
        "nested": {"smtp_password": "p", "list": [{"access_token": "t", "ok": 1}], "plain": "v"},
        "amount": Decimal("1.50"),
    }
    entry = log_action(organizer, "pretix.organizer.settings", data)
    stored = json.loads(entry.data)
    assert stored == {
        "name": "x", "Password": MASK, "new_secret_key": MASK, "stripe_api_key": MASK, "token": MASK,
        "nested": {"smtp_password": MASK, "list": [{"access_token": MASK, "ok": 1}], "plain": "v"},
        "amount": "1.50",
    }
    assert data["nested"]["smtp_password"] == "p"
    assert mask_secrets(["a", {"secret": 1}]) == ["a", {"secret": MASK}]


def test_unregistered_action_type_raises(db_session, organizer):
    with pytest.raises(UnknownLogEntryType, match=r"pretix\.organizer\.typo"):
        log_action(organizer, "pretix.organizer.typo", {})


def test_data_must_be_a_dict(db_session, organizer):
    with pytest.raises(TypeError, match="dict"):
        log_action(organizer, "pretix.organizer.settings", ["x"])


def test_unsaved_object_is_flushed_and_detached_object_refused(db_session, organizer, user):
    from core.models import Organizer

    fresh = Organizer(slug="fresh", name="Fresh")
    db_session.add(fresh)
    assert log_action(fresh, "pretix.organizer.created", {}).object_id == fresh.id
    with pytest.raises(ValueError, match="not in a database session"):
        log_action(Organizer(slug="x", name="x"), "pretix.organizer.created", {})


def test_display_formats_data_and_tolerates_missing_keys(db_session, organizer, registry):
    entry = log_action(organizer, "pretix.team.member.added", {"email": "bob@example.org"})
    assert display(entry, registry) == "bob@example.org has been added to the team."
    assert display(log_action(organizer, "pretix.team.member.added", {}), registry) == " has been added to the team."


@pytest.fixture
def listener(registry):
    calls = []

    def record(entry_ids, reg):
        calls.append((entry_ids, reg))

    def broken(entry_ids, reg):
        raise RuntimeError("listener bug")

    original = registry.log_listeners
    registry.log_listeners = [((False, "core", "broken"), "core", broken), ((False, "core", "z"), "core", record)]
    yield calls
    registry.log_listeners = original


def test_listeners_get_the_ids_of_one_transaction_after_commit(connection, registry, organizer, listener):
    manager = transaction.TransactionManager(explicit=True)
    with manager:
        session = tm_session(registry.dbsession_factory, manager)
        org = session.get(type(organizer), organizer.id)
        first = log_action(org, "pretix.organizer.settings", {"a": 1})
        second = log_action(org, "pretix.organizer.settings", {"a": 2})
        assert listener == []
    assert listener == [((first.id, second.id), registry)]


def test_listeners_do_not_run_after_abort(connection, registry, organizer, listener):
    manager = transaction.TransactionManager(explicit=True)
    manager.begin()
    session = tm_session(registry.dbsession_factory, manager)
    log_action(session.get(type(organizer), organizer.id), "pretix.organizer.settings", {})
    manager.abort()
    assert listener == []


def test_entries_rolled_back_by_a_savepoint_are_not_announced(connection, registry, organizer, listener):
    manager = transaction.TransactionManager(explicit=True)
    with manager:
        session = tm_session(registry.dbsession_factory, manager)
        org = session.get(type(organizer), organizer.id)
        kept = log_action(org, "pretix.organizer.settings", {"kept": True})
        nested = session.begin_nested()
        log_action(org, "pretix.organizer.settings", {"kept": False})
        nested.rollback()
    assert listener == [((kept.id,), registry)]


def test_entries_are_visible_in_the_same_transaction(db_session, organizer):
    entry = log_action(organizer, "pretix.organizer.settings", {})
    assert db_session.scalar(select(LogEntry).where(LogEntry.id == entry.id)) is entry


def test_entry_is_written_with_pending_changes_or_alone(db_session, organizer, record_statements):
    db_session.flush()
    with record_statements() as seen:
        log_action(organizer, "pretix.organizer.settings", {})
    assert len(seen) == 1 and seen[0].startswith("INSERT INTO log_entry")
    organizer.name = "Renamed"
    with record_statements() as seen:
        log_action(organizer, "pretix.organizer.settings", {"name": "Renamed"})
    # the entry, the rename and the organizer's cache version (core.config_cache)
    assert sorted(s.split()[0] for s in seen) == ["INSERT", "UPDATE", "UPDATE"]


def _plugin_config(plugin: str) -> Configurator:
    config = Configurator(settings={})
    config.include("core.config.logs")
    config.registry.plugin_for_package = {"tests.core": plugin}
    return config.with_package("tests.core")


def test_plugin_action_types_are_namespaced_and_attributed():
    config = _plugin_config("acme")
    config.add_log_entry_type("acme.charge.failed", "The charge failed.")
    config.add_log_entry_type("pretix.plugins.acme.refund", lambda entry, data: "refunded")
    config.add_log_listener(lambda ids, reg: None, name="notify")
    config.commit()
    types = config.registry.log_entry_types
    assert types["acme.charge.failed"].plugin == "acme"
    assert types["pretix.plugins.acme.refund"].display(None, {}) == "refunded"
    assert [owner for _key, owner, _cb in config.registry.log_listeners] == ["acme"]


@pytest.mark.parametrize("action_type", ["other.charge.failed", "pretix.event.order.paid", "pretix.plugins.x.y"])
def test_plugin_action_types_outside_the_namespace_are_refused(action_type):
    with pytest.raises(ValueError, match="must start with"):
        _plugin_config("acme").add_log_entry_type(action_type, "x")


@pytest.mark.parametrize("action_type", ["Pretix.Event", "nodots", "a..b", ""])
def test_malformed_action_types_are_refused(action_type):
    with pytest.raises(ValueError, match="dotted lower-case"):
        _plugin_config("acme").add_log_entry_type(action_type, "x")


def test_duplicate_action_type_is_a_conflict():
    config = _plugin_config("acme")
    config.add_log_entry_type("acme.x", "a")
    config.add_log_entry_type("acme.x", "b")
    with pytest.raises(ConfigurationError):
        config.commit()


def test_core_may_not_use_the_plugin_prefix():
    config = Configurator(settings={})
    config.include("core.config.logs")
    with pytest.raises(ValueError, match="plugin prefix"):
        config.add_log_entry_type("pretix.plugins.acme.x", "a")
