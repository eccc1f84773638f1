"""The catalogue objects of an order from the process cache, invalidated by every change of them.

Like the configuration cache tests, the transactions here commit for real on their own sessions and load the
event and organizer rows first, as a request does.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import delete, select, update
from sqlalchemy.orm import sessionmaker

from core import config_cache
from core.db import scope, scopes_disabled
from core.i18n import I18nString
from core.models import Event, Item, Organizer, Quota, SalesChannel
from core.services.catalogue.cache import cached_objects
from core.services.quotas.products import product_quotas
from sdk.testing.fixtures_commerce import make_catalogue
from tests.core.test_config_cache import _counting, _in_transaction


@pytest.fixture
def shop(db_engine):
    """An organizer with an event and its catalogue, committed for real; removed afterwards."""
    config_cache.clear()
    factory = sessionmaker(bind=db_engine, expire_on_commit=False)
    with factory() as session, scopes_disabled():
        organizer = Organizer(slug="catcache", name="Catalogue cache")
        session.add(organizer)
        session.flush()
        event = Event(organizer_id=organizer.id, slug="cc", name=I18nString("CC"),
                      date_from=datetime(2030, 1, 1, tzinfo=UTC))
        session.add(event)
        session.flush()
        catalogue = make_catalogue(session, event)
        session.commit()
        ids = {"event": event.id, "organizer": organizer.id, "ticket": catalogue.ticket.id,
               "quota": catalogue.ticket_quota.id}
    try:
        yield factory, ids
    finally:
        with factory() as session, scopes_disabled():
            for model in (Quota, Item, SalesChannel):
                session.execute(delete(model).where(model.organizer_id == ids["organizer"]))
            session.execute(delete(Organizer).where(Organizer.id == ids["organizer"]))
            session.commit()
        config_cache.clear()


def _quotas_of_ticket(ids):
    def work(session, event):
        with scope(event.organizer_id):
            mapping, quotas = product_quotas(session, event.id, [(ids["ticket"], None)])
            assert all(quota in session for quota in quotas.values())
            return sorted((quotas[q].name, quotas[q].size) for q in mapping[(ids["ticket"], None)])
    return work


def test_quotas_of_a_product_are_read_once_until_a_quota_changes(shop, db_engine):
    factory, ids = shop
    read = _quotas_of_ticket(ids)
    assert _counting(db_engine, factory, ids["event"], read) == ([("Tickets", 10)], 1)
    assert _counting(db_engine, factory, ids["event"], read) == ([("Tickets", 10)], 0)

    def resize(session, event):
        with scope(event.organizer_id):
            session.get(Quota, ids["quota"]).size = 4

    _in_transaction(factory, ids["event"], resize)
    assert _counting(db_engine, factory, ids["event"], read) == ([("Tickets", 4)], 1)

    def second_quota(session, event):
        with scope(event.organizer_id):
            quota = Quota(event_id=event.id, organizer_id=event.organizer_id, name="Day", size=2)
            quota.items.append(session.get(Item, ids["ticket"]))
            session.add(quota)

    _in_transaction(factory, ids["event"], second_quota)
    assert _counting(db_engine, factory, ids["event"], read) == ([("Day", 2), ("Tickets", 4)], 1)


def test_a_bulk_update_through_the_session_invalidates_too(shop, db_engine):
    factory, ids = shop
    read = _quotas_of_ticket(ids)
    assert _in_transaction(factory, ids["event"], read) == [("Tickets", 10)]

    def bulk(session, event):
        with scope(event.organizer_id):
            session.execute(update(Quota).where(Quota.event_id == event.id).values(size=7))

    _in_transaction(factory, ids["event"], bulk)
    assert _counting(db_engine, factory, ids["event"], read) == ([("Tickets", 7)], 1)


def test_items_and_channels_come_back_as_objects_of_the_reading_session(shop, db_engine):
    factory, ids = shop

    def items(session, event):
        with scope(event.organizer_id):
            found = cached_objects(session, "items", event.id, frozenset({ids["ticket"]}), lambda: session.scalars(
                select(Item).where(Item.id == ids["ticket"])).all())
            assert all(item in session for item in found)
            return [(str(item.name), item.default_price) for item in found]

    (first, statements) = _counting(db_engine, factory, ids["event"], items)
    assert statements == 1
    assert _counting(db_engine, factory, ids["event"], items) == (first, 0)

    def reprice(session, event):
        with scope(event.organizer_id):
            session.get(Item, ids["ticket"]).default_price = 99

    _in_transaction(factory, ids["event"], reprice)
    assert _counting(db_engine, factory, ids["event"], items)[0][0][1] == 99


def test_a_transaction_that_changed_the_catalogue_reads_it_itself(shop, db_engine):
    factory, ids = shop
    read = _quotas_of_ticket(ids)
    assert _in_transaction(factory, ids["event"], read) == [("Tickets", 10)]

    def change_then_read(session, event):
        with scope(event.organizer_id):
            session.get(Quota, ids["quota"]).size = 5
            session.flush()
        return read(session, event)

    assert _in_transaction(factory, ids["event"], change_then_read) == [("Tickets", 5)]


def _reads_catalogue(statements):
    tables = ("sales_channel", "item", "item_variation", "quota", "discount")
    # plain reads only: the locked availability statement (WITH ...) reads the quotas' current sizes on purpose
    return {table for statement in statements for table in tables
            if statement.startswith("SELECT") and f"FROM {table} " in statement + " "}


def test_the_next_order_reads_no_catalogue_and_sees_a_price_change(api_client, catalogue, record_statements):
    order = {"email": "alice@example.org", "locale": "en", "sales_channel": "web", "payment_provider": "manual",
             "positions": [{"item": catalogue.ticket.id}]}
    path = "/organizers/demo/events/conf/orders/"
    with record_statements() as first:
        api_client.post(path, order, status=201)
    with record_statements() as second:
        created = api_client.post(path, order, status=201).json
    assert _reads_catalogue(first) >= {"sales_channel", "item", "quota"}
    assert _reads_catalogue(second) == set()
    assert created["positions"][0]["price"] == "23.00"
    api_client.patch(f"/organizers/demo/events/conf/items/{catalogue.ticket.id}/", {"default_price": "30.00"})
    assert api_client.post(path, order, status=201).json["positions"][0]["price"] == "30.00"
