"""The process-wide configuration cache: its LRU, its keys, bumps, and invalidation across "processes".

The cross-process tests use sessions on their own connections that commit for real: each transaction
loads the event and organizer rows as a request does, so its versions are known.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from core import config_cache
from core.config_cache import LRUCache
from core.db import scopes_disabled
from core.i18n import I18nString
from core.models import Event, Organizer
from core.pluginhost import active_plugins, disable_plugin, enable_plugin
from core.settings import settings_for, store
from tests.core.committing import counting, in_transaction, load_event


def test_lru_keeps_the_most_recently_used_entries():
    cache = LRUCache(2)
    cache.put("a", 1)
    cache.put("b", 2)
    assert cache.get("a") == 1
    cache.put("c", 3)
    assert (cache.get("a"), cache.get("b"), cache.get("c")) == (1, None, 3)
    assert len(cache) == 2
    cache.clear()
    assert len(cache) == 0


def test_the_process_cache_is_bounded():
    assert config_cache._cache.size == config_cache.MAX_ENTRIES == 1024


def test_keys_hold_the_versions_loaded_in_this_transaction(db_session, event, tm):
    assert config_cache.key(db_session, "k", event.organizer_id, event.id) is None  # created, never loaded
    db_session.expunge_all()
    loaded = load_event(db_session, event.id)
    engine = db_session.get_bind().engine
    assert config_cache.key(db_session, "k", loaded.organizer_id) == ("k", engine, loaded.organizer_id, 0)
    assert config_cache.key(db_session, "k", loaded.organizer_id, loaded.id) == (
        "k", engine, loaded.organizer_id, 0, loaded.id, 0)
    assert config_cache.key(db_session, "k", None) is None
    tm.commit()
    tm.begin()
    assert config_cache.key(db_session, "k", loaded.organizer_id, loaded.id) is None  # versions may be stale now


def test_a_transaction_that_changed_configuration_bypasses_the_cache(db_session, event, tm):
    db_session.expunge_all()
    loaded = load_event(db_session, event.id)
    key = config_cache.key(db_session, "k", loaded.organizer_id, loaded.id)
    config_cache.put(db_session, key, frozenset({"old"}))
    config_cache.bump(db_session, loaded.organizer_id, loaded.id)
    assert config_cache.key(db_session, "k", loaded.organizer_id, loaded.id) is None
    config_cache.put(db_session, ("other",), frozenset({"read after the change"}))
    assert config_cache.get(("other",)) is None
    assert config_cache.get(key) == {"old"}


def test_bump_moves_the_event_version_once_per_transaction_and_keeps_last_modified(db_session, event, organizer):
    modified = event.last_modified
    config_cache.bump(db_session, organizer.id, event.id)
    config_cache.bump(db_session, organizer.id, event.id)
    config_cache.bump(db_session, organizer.id)
    db_session.expunge_all()
    loaded = load_event(db_session, event.id)
    assert (loaded.cache_version, loaded.organizer.cache_version) == (1, 1)
    assert loaded.last_modified == modified


def test_a_platform_bump_moves_every_organizer(db_session, organizer, other_organizer):
    config_cache.bump(db_session, None)
    db_session.expunge_all()
    with scopes_disabled():
        versions = set(db_session.scalars(select(Organizer.cache_version)))
    assert versions == {1}


def _reservation_time(session, event):
    return settings_for(session, event)["reservation_time"]


def test_settings_are_read_once_per_process_until_another_transaction_changes_them(committed, db_engine):
    factory, event_id = committed
    assert counting(db_engine, factory, event_id, _reservation_time) == (30, 1)
    assert counting(db_engine, factory, event_id, _reservation_time) == (30, 0)
    in_transaction(factory, event_id, lambda session, event: settings_for(session, event).set("reservation_time", 7))
    assert counting(db_engine, factory, event_id, _reservation_time) == (7, 1)
    assert counting(db_engine, factory, event_id, _reservation_time) == (7, 0)


def test_an_organizer_and_a_platform_change_reach_the_event(committed, db_engine):
    factory, event_id = committed
    assert in_transaction(factory, event_id, _reservation_time) == 30
    in_transaction(factory, event_id,
                    lambda session, event: settings_for(session, event.organizer).set("reservation_time", 9))
    assert in_transaction(factory, event_id, _reservation_time) == 9
    assert in_transaction(factory, event_id, lambda session, event: settings_for(session, event)["locale"]) == "en"
    in_transaction(factory, event_id, lambda session, event: settings_for(session, None).set("locale", "de"))
    assert counting(db_engine, factory, event_id, lambda s, e: settings_for(s, e)["locale"]) == ("de", 1)


def test_the_writer_sees_its_own_writes_and_a_rolled_back_write_is_never_cached(committed):
    factory, event_id = committed
    assert in_transaction(factory, event_id, _reservation_time) == 30

    def write_then_fail(session, event):
        settings = settings_for(session, event)
        settings.set("reservation_time", 11)
        assert settings["reservation_time"] == 11
        assert settings_for(session, event.organizer)["reservation_time"] == 30
        raise RuntimeError("abort")

    with pytest.raises(RuntimeError):
        in_transaction(factory, event_id, write_then_fail)
    assert in_transaction(factory, event_id, _reservation_time) == 30


def test_store_does_not_cache_a_scope_whose_rows_were_not_loaded_in_the_transaction(committed, db_engine):
    factory, event_id = committed
    with factory() as session:
        organizer_id = load_event(session, event_id).organizer_id
    levels = [store.Level(store.EVENT, event_id, organizer_id), store.Level(store.PLATFORM)]

    def load(session, _event):
        return store.load(session, levels)

    assert counting(db_engine, factory, None, load) == ([{}, {}], 1)
    assert counting(db_engine, factory, None, load) == ([{}, {}], 1)
    assert counting(db_engine, factory, event_id, load)[1] == 1
    assert counting(db_engine, factory, event_id, load)[1] == 0


def _active(session, event):
    return active_plugins(session, event)


def test_enabling_and_disabling_plugins_reaches_the_next_transaction(committed, db_engine):
    factory, event_id = committed
    assert counting(db_engine, factory, event_id, _active) == ({"testplatform"}, 1)
    assert counting(db_engine, factory, event_id, _active) == ({"testplatform"}, 0)
    in_transaction(factory, event_id, lambda session, event: enable_plugin(session, event, "testplugin"))
    assert counting(db_engine, factory, event_id, _active) == ({"testplatform", "testplugin"}, 1)
    in_transaction(factory, event_id, lambda session, event: enable_plugin(session, event.organizer, "testorg"))
    assert in_transaction(factory, event_id, _active) == {"testplatform", "testplugin", "testorg"}
    in_transaction(factory, event_id, lambda session, event: disable_plugin(session, event, "testplugin"))
    assert in_transaction(factory, event_id, _active) == {"testplatform", "testorg"}
    in_transaction(factory, event_id, lambda session, event: disable_plugin(session, event.organizer, "testorg"))
    assert counting(db_engine, factory, event_id, _active) == ({"testplatform"}, 1)


def _plugin_rows(session, event):
    levels = [store.Level(store.EVENT, event.id, event.organizer_id), store.Level(store.ORGANIZER, event.organizer_id),
              store.Level(store.PLATFORM)]
    return [dict(rows) for rows in store.load(session, levels)]


def test_purging_a_plugins_rows_reaches_every_level(committed, db_engine):
    factory, event_id = committed

    def write(session, event):
        store.write(session, store.Level(store.EVENT, event.id, event.organizer_id), "plugin.gone.a", "1")
        store.write(session, store.Level(store.ORGANIZER, event.organizer_id), "plugin.gone.b", "2")
        store.write(session, store.Level(store.PLATFORM), "plugin.gone.c", "3")

    in_transaction(factory, event_id, write)
    stored = [{"plugin.gone.a": "1"}, {"plugin.gone.b": "2"}, {"plugin.gone.c": "3"}]
    assert in_transaction(factory, event_id, _plugin_rows) == stored
    assert counting(db_engine, factory, event_id, _plugin_rows) == (stored, 0)
    in_transaction(factory, event_id, lambda session, _event: store.delete_plugin_rows(session, "gone"))
    assert in_transaction(factory, event_id, _plugin_rows) == [{}, {}, {}]


def _reads(statements, tables):
    # plain reads only: the locked availability statement (WITH ...) reads the quotas' current sizes on purpose
    return {table for statement in statements for table in tables
            if statement.startswith("SELECT") and f"FROM {table} " in statement + " "}


CONFIGURATION = ("settings_event", "settings_organizer", "settings_global", "event_plugin", "organizer_plugin")
CATALOGUE = ("sales_channel", "item", "item_variation", "quota", "discount", "team_api_token")


def test_the_next_order_reads_no_configuration_catalogue_or_token(api_client, catalogue, record_statements):
    order = {"email": "alice@example.org", "locale": "en", "sales_channel": "web", "payment_provider": "manual",
             "positions": [{"item": catalogue.ticket.id}]}
    path = "/organizers/demo/events/conf/orders/"
    with record_statements() as first:
        api_client.post(path, order, status=201)
    with record_statements() as second:
        created = api_client.post(path, order, status=201).json
    assert _reads(first, CONFIGURATION) >= {"settings_event", "event_plugin"}
    assert _reads(first, CATALOGUE) >= {"sales_channel", "item", "quota", "team_api_token"}
    assert _reads(second, CONFIGURATION + CATALOGUE) == set()
    assert created["positions"][0]["price"] == "23.00"
    api_client.patch(f"/organizers/demo/events/conf/items/{catalogue.ticket.id}/", {"default_price": "30.00"})
    assert api_client.post(path, order, status=201).json["positions"][0]["price"] == "30.00"
    api_client.patch("/organizers/demo/events/conf/settings/", {"reservation_time": 12})
    assert api_client.get("/organizers/demo/events/conf/settings/").json["reservation_time"] == 12


def test_versions_are_kept_over_a_commit_unless_the_transaction_changed_configuration(db_session, event, tm):
    db_session.expunge_all()
    loaded = load_event(db_session, event.id)
    key = config_cache.key(db_session, "k", loaded.organizer_id, loaded.id)
    with config_cache.kept_over_commit(db_session):
        tm.commit()
    tm.begin()
    assert config_cache.key(db_session, "k", loaded.organizer_id, loaded.id) == key
    config_cache.bump(db_session, loaded.organizer_id, loaded.id)
    with config_cache.kept_over_commit(db_session):
        tm.commit()
    tm.begin()
    assert config_cache.key(db_session, "k", loaded.organizer_id, loaded.id) is None


def test_a_copy_into_an_event_whose_configuration_is_cached_reaches_it(committed):
    from core.services.event_clone import copy_event_data

    factory, source_id = committed

    def new_target(session, source):
        target = Event(organizer_id=source.organizer_id, slug="target", name=I18nString("T"),
                       date_from=datetime(2030, 1, 1, tzinfo=UTC))
        with scopes_disabled():
            session.add(target)
            session.flush()
        enable_plugin(session, source, "testplugin")  # no settings: the copy's only change is the plugin row
        return target.id

    target_id = in_transaction(factory, source_id, new_target)
    assert in_transaction(factory, target_id, _active) == {"testplatform"}
    in_transaction(factory, target_id, lambda session, target: copy_event_data(
        session, load_event(session, source_id), target))
    assert in_transaction(factory, target_id, _active) == {"testplatform", "testplugin"}


def _organizer_version(session, event):
    return session.scalar(select(Organizer.cache_version).where(Organizer.id == event.organizer_id))


def test_deleting_an_event_bumps_its_organizer(committed):
    factory, event_id = committed
    before = in_transaction(factory, event_id, _organizer_version)

    def add(session, event):
        with scopes_disabled():
            session.add(Event(organizer_id=event.organizer_id, slug="extra", name=I18nString("X"),
                              date_from=datetime(2030, 1, 1, tzinfo=UTC)))

    in_transaction(factory, event_id, add)
    assert in_transaction(factory, event_id, _organizer_version) == before

    def remove(session, event):
        with scopes_disabled():
            session.delete(session.scalar(select(Event).where(Event.slug == "extra",
                                                              Event.organizer_id == event.organizer_id)))
            session.flush()

    in_transaction(factory, event_id, remove)
    assert in_transaction(factory, event_id, _organizer_version) == before + 1


def test_a_committed_organizer_deletion_empties_the_process_cache(db_session, organizer, tm):
    config_cache.put(db_session, ("entry",), frozenset({"x"}))
    db_session.delete(organizer)
    db_session.flush()
    assert config_cache.get(("entry",)) == {"x"}  # not before the commit
    tm.commit()
    assert config_cache.get(("entry",)) is None
