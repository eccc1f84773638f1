"""The catalogue objects of an order from the process cache, invalidated by every change of them.

Like the configuration cache tests, the transactions here commit for real on their own sessions and load the
event and organizer rows first, as a request does.
"""

from __future__ import annotations

import pytest
from sqlalchemy import delete, select, update

from core.db import scope, scopes_disabled
from core.models import Item, Quota, SalesChannel
from core.services.catalogue.cache import cached_objects
from core.services.quotas.products import product_quotas
from sdk.testing.fixtures_commerce import make_catalogue
from tests.core.committing import counting, in_transaction


@pytest.fixture
def shop(committed):
    """The committed organizer and event of ``committed`` with a catalogue, committed too; removed afterwards."""
    factory, event_id = committed

    def build(session, event):
        with scopes_disabled():
            catalogue = make_catalogue(session, event)
            session.flush()
        return {"event": event.id, "organizer": event.organizer_id, "ticket": catalogue.ticket.id,
                "quota": catalogue.ticket_quota.id}

    ids = in_transaction(factory, event_id, build)
    yield factory, ids
    with factory() as session, scopes_disabled():
        for model in (Quota, Item, SalesChannel):
            session.execute(delete(model).where(model.organizer_id == ids["organizer"]))
        session.commit()


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
    assert counting(db_engine, factory, ids["event"], read) == ([("Tickets", 10)], 1)
    assert counting(db_engine, factory, ids["event"], read) == ([("Tickets", 10)], 0)

    def resize(session, event):
        with scope(event.organizer_id):
            session.get(Quota, ids["quota"]).size = 4

    in_transaction(factory, ids["event"], resize)
    assert counting(db_engine, factory, ids["event"], read) == ([("Tickets", 4)], 1)

    def second_quota(session, event):
        with scope(event.organizer_id):
            quota = Quota(event_id=event.id, organizer_id=event.organizer_id, name="Day", size=2)
            quota.items.append(session.get(Item, ids["ticket"]))
            session.add(quota)

    in_transaction(factory, ids["event"], second_quota)
    assert counting(db_engine, factory, ids["event"], read) == ([("Day", 2), ("Tickets", 4)], 1)


def test_a_bulk_update_through_the_session_invalidates_too(shop, db_engine):
    factory, ids = shop
    read = _quotas_of_ticket(ids)
    assert in_transaction(factory, ids["event"], read) == [("Tickets", 10)]

    def bulk(session, event):
        with scope(event.organizer_id):
            session.execute(update(Quota).where(Quota.event_id == event.id).values(size=7))

    in_transaction(factory, ids["event"], bulk)
    assert counting(db_engine, factory, ids["event"], read) == ([("Tickets", 7)], 1)


def test_items_and_channels_come_back_as_objects_of_the_reading_session(shop, db_engine):
    factory, ids = shop

    def items(session, event):
        with scope(event.organizer_id):
            found = cached_objects(session, "items", event.id, frozenset({ids["ticket"]}), lambda: session.scalars(
                select(Item).where(Item.id == ids["ticket"])).all())
            assert all(item in session for item in found)
            return [(str(item.name), item.default_price) for item in found]

    (first, statements) = counting(db_engine, factory, ids["event"], items)
    assert statements == 1
    assert counting(db_engine, factory, ids["event"], items) == (first, 0)

    def reprice(session, event):
        with scope(event.organizer_id):
            session.get(Item, ids["ticket"]).default_price = 99

    in_transaction(factory, ids["event"], reprice)
    assert counting(db_engine, factory, ids["event"], items)[0][0][1] == 99


def test_a_transaction_that_changed_the_catalogue_reads_it_itself(shop, db_engine):
    factory, ids = shop
    read = _quotas_of_ticket(ids)
    assert in_transaction(factory, ids["event"], read) == [("Tickets", 10)]

    def change_then_read(session, event):
        with scope(event.organizer_id):
            session.get(Quota, ids["quota"]).size = 5
            session.flush()
        return read(session, event)

    assert in_transaction(factory, ids["event"], change_then_read) == [("Tickets", 5)]
