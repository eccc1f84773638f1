"""Vouchers through the API: pretix's shapes, CRUD, filters, batch atomicity, quota blocking, permissions."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from pyramid.threadlocal import manager
from sqlalchemy import Engine, delete, func, select

from core.db import Base, scope, scopes_disabled
from core.db.session import unit_of_work
from core.i18n import I18nString
from core.models import Event, Item, LogEntry, Organizer, Quota, Voucher
from core.models.usage import write_usage
from core.services.vouchers import NO_CAPACITY, VoucherRefused, create_vouchers

BASE = "/organizers/demo/events/conf/vouchers/"


def _voucher(api_client: Any, **fields: Any) -> dict[str, Any]:
    return api_client.post(BASE, {"code": "SUMMER2030", **fields}, status=201).json


def test_create_matches_pretix_shape(api_client, catalogue):
    created = _voucher(api_client, code="abcde12", max_usages=3, price_mode="set", value="12.5",
                       item=catalogue.shirt.id, variation=catalogue.shirt_l.id, tag="press",
                       valid_until="2031-01-01T10:00:00Z", budget="100")
    assert created == {
        "id": created["id"], "created": created["created"], "code": "ABCDE12", "max_usages": 3, "redeemed": 0,
        "min_usages": 1, "valid_until": "2031-01-01T10:00:00Z", "block_quota": False, "allow_ignore_quota": False,
        "price_mode": "set", "value": "12.50", "item": catalogue.shirt.id, "variation": catalogue.shirt_l.id,
        "quota": None, "tag": "press", "comment": None, "seat": None, "subevent": None, "show_hidden_items": True,
        "all_addons_included": False, "all_bundles_included": False, "budget": "100.00",
    }
    assert created["created"].endswith("Z")
    assert api_client.get(f"{BASE}{created['id']}/").json == created


def test_create_is_audit_logged(api_client, catalogue, db_session):
    created = _voucher(api_client)
    api_client.patch(f"{BASE}{created['id']}/", {"tag": "x"})
    api_client.delete(f"{BASE}{created['id']}/")
    with scope(catalogue.event.organizer_id):
        actions = db_session.scalars(select(LogEntry.action_type).where(
            LogEntry.object_id == created["id"], LogEntry.action_type.like("pretix.voucher.%")).order_by(LogEntry.id))
        assert list(actions) == ["pretix.voucher.added", "pretix.voucher.changed", "pretix.voucher.deleted"]


def test_field_errors(api_client, catalogue):
    assert api_client.post(BASE, {}, status=400).json == {"code": ["This field is required."]}
    assert api_client.post(BASE, {"code": "abc"}, status=400).json == {
        "code": ["Ensure this field has at least 5 characters."]}
    assert api_client.post(BASE, {"code": "ABCDEF", "price_mode": "free"}, status=400).json == {
        "price_mode": ['"free" is not a valid choice.']}
    assert api_client.post(BASE, {"code": "ABCDEF", "item": 999999}, status=400).json == {
        "item": ['Invalid pk "999999" - object does not exist.']}
    both = api_client.post(BASE, {"code": "ABCDEF", "item": catalogue.ticket.id,
                                  "quota": catalogue.ticket_quota.id}, status=400).json
    assert list(both) == ["quota"]
    wrong_variation = api_client.post(BASE, {"code": "ABCDEF", "item": catalogue.ticket.id,
                                             "variation": catalogue.shirt_s.id}, status=400).json
    assert list(wrong_variation) == ["variation"]
    assert list(api_client.post(BASE, {"code": "ABCDEF", "price_mode": "percent", "value": "150"},
                                status=400).json) == ["value"]
    assert list(api_client.post(BASE, {"code": "ABCDEF", "max_usages": 1, "min_usages": 2}, status=400).json) == [
        "max_usages"]
    assert list(api_client.post(BASE, {"code": "ABCDEF", "seat": "abc"}, status=400).json) == ["seat"]
    assert api_client.get(BASE).json["count"] == 0


def test_duplicate_codes_are_refused(api_client, catalogue):
    _voucher(api_client, code="SAMECODE")
    assert api_client.post(BASE, {"code": "samecode"}, status=400).json == {
        "code": ["A voucher with this code already exists."]}
    other = _voucher(api_client, code="OTHERCODE")
    assert api_client.patch(f"{BASE}{other['id']}/", {"code": "SameCode"}, status=400).json == {
        "code": ["A voucher with this code already exists."]}
    assert api_client.patch(f"{BASE}{other['id']}/", {"code": "OTHERCODE", "tag": "kept"}).json["tag"] == "kept"


def test_patch_put_delete(api_client, catalogue):
    created = _voucher(api_client, tag="a", comment="first")
    patched = api_client.patch(f"{BASE}{created['id']}/", {"max_usages": 5, "price_mode": "percent",
                                                           "value": "10"}).json
    assert (patched["max_usages"], patched["value"], patched["tag"]) == (5, "10.00", "a")
    assert api_client.patch(f"{BASE}{created['id']}/", {"price_mode": None}, status=400).json == {
        "price_mode": ["This field may not be null."]}
    replaced = api_client.put(f"{BASE}{created['id']}/", {"code": "REPLACED1"}).json
    assert (replaced["code"], replaced["tag"], replaced["max_usages"], replaced["price_mode"]) == (
        "REPLACED1", None, 1, "none")
    api_client.delete(f"{BASE}{created['id']}/")
    assert api_client.get(f"{BASE}{created['id']}/", status=404).json == {"detail": "Not found."}


def test_delete_refused_once_redeemed(api_client, catalogue, db_session):
    created = _voucher(api_client, max_usages=2)
    with scope(catalogue.event.organizer_id):
        db_session.get(Voucher, created["id"]).redeemed = 1
        db_session.flush()
    assert api_client.delete(f"{BASE}{created['id']}/", status=403).json == {
        "detail": "This voucher can not be deleted as it has already been used."}
    assert api_client.patch(f"{BASE}{created['id']}/", {"max_usages": 0}, status=400).json.keys() == {"max_usages"}
    assert api_client.get(f"{BASE}{created['id']}/").json["redeemed"] == 1


def test_filters_and_ordering(api_client, catalogue, db_session):
    a = _voucher(api_client, code="ALPHA1", tag="press", item=catalogue.ticket.id, max_usages=3,
                 price_mode="set", value="5")
    b = _voucher(api_client, code="BRAVO1", tag="staff", comment="for the crew", quota=catalogue.shirt_quota.id,
                 valid_until="2001-01-01T00:00:00Z")
    c = _voucher(api_client, code="CHARLIE1", block_quota=True, item=catalogue.ticket.id)

    def ids(query: str) -> list[int]:
        return [v["id"] for v in api_client.get(BASE + query).json["results"]]

    assert ids("?code=alpha1") == [a["id"]]
    assert ids("?tag=staff") == [b["id"]]
    assert ids(f"?item={catalogue.ticket.id}") == [a["id"], c["id"]]
    assert ids(f"?quota={catalogue.shirt_quota.id}") == [b["id"]]
    assert ids("?max_usages=3") == [a["id"]]
    assert ids("?redeemed=0") == [a["id"], b["id"], c["id"]]
    assert ids("?block_quota=true") == [c["id"]]
    assert ids("?allow_ignore_quota=false") == [a["id"], b["id"], c["id"]]
    assert ids("?price_mode=set&value=5.00") == [a["id"]]
    assert ids("?active=false") == [b["id"]]
    assert ids("?active=true") == [a["id"], c["id"]]
    assert ids("?search=crew") == [b["id"]]
    assert ids("?search=charl") == [c["id"]]
    assert ids("?ordering=-code") == [c["id"], b["id"], a["id"]]
    assert ids("?ordering=max_usages") == [b["id"], c["id"], a["id"]]
    assert ids("?ordering=-max_usages") == [a["id"], b["id"], c["id"]]
    assert "ordering" in api_client.get(BASE + "?ordering=tag", status=400).json
    assert api_client.get(BASE + "?item=x", status=400).json == {"item": ["A valid integer is required."]}


def test_batch_create_returns_the_list(api_client, catalogue):
    created = api_client.post(BASE + "batch_create/", [
        {"code": "BATCH001", "item": catalogue.ticket.id}, {"code": "BATCH002", "tag": "t"}], status=201).json
    assert [v["code"] for v in created] == ["BATCH001", "BATCH002"]
    assert created[0]["item"] == catalogue.ticket.id and created[1]["tag"] == "t"
    assert api_client.get(BASE).json["count"] == 2


def test_batch_create_is_all_or_nothing(api_client, catalogue):
    _voucher(api_client, code="TAKEN01")
    errors = api_client.post(BASE + "batch_create/", [
        {"code": "FRESH001"}, {"code": "TAKEN01"}], status=400).json
    assert errors == [{}, {"code": ["A voucher with this code already exists."]}]
    errors = api_client.post(BASE + "batch_create/", [
        {"code": "TWICE001"}, {"code": "twice001"}], status=400).json
    assert errors == [{}, {"code": ["Duplicate voucher code in request."]}]
    errors = api_client.post(BASE + "batch_create/", [
        {"code": "OKAY0001"}, {"code": "x"}, {"code": "OKAY0002", "item": 999999}], status=400).json
    assert errors == [{}, {"code": ["Ensure this field has at least 5 characters."]}, {}]
    errors = api_client.post(BASE + "batch_create/", [
        {"code": "OKAY0001"}, {"code": "OKAY0002", "item": 999999}], status=400).json
    assert errors == [{}, {"item": ['Invalid pk "999999" - object does not exist.']}]
    assert api_client.post(BASE + "batch_create/", [1], status=400).json == [
        {"non_field_errors": ["Invalid data. Expected a dictionary, but got int."]}]
    assert api_client.post(BASE + "batch_create/", {"code": "X"}, status=400).json == {
        "non_field_errors": ['Expected a list of items but got type "dict".']}
    assert [v["code"] for v in api_client.get(BASE).json["results"]] == ["TAKEN01"]


def test_blocking_vouchers_need_free_quota(api_client, catalogue, order_factory, db_session):
    order_factory(items=[(catalogue.ticket, None, "23.00")] * 8)
    write_usage(db_session)
    first = _voucher(api_client, code="BLOCK001", block_quota=True, item=catalogue.ticket.id, max_usages=2)
    refused = api_client.post(BASE, {"code": "BLOCK002", "block_quota": True, "item": catalogue.ticket.id},
                              status=400).json
    assert refused == {"non_field_errors": [NO_CAPACITY]}
    assert api_client.patch(f"{BASE}{first['id']}/", {"max_usages": 3}, status=400).json == {
        "non_field_errors": [NO_CAPACITY]}
    assert api_client.patch(f"{BASE}{first['id']}/", {"max_usages": 2, "tag": "same block"}).json["tag"] == (
        "same block")
    assert api_client.patch(f"{BASE}{first['id']}/", {"max_usages": 1}).json["max_usages"] == 1
    unblocked = _voucher(api_client, code="LATER001", item=catalogue.ticket.id)
    assert api_client.patch(f"{BASE}{unblocked['id']}/", {"block_quota": True}).json["block_quota"] is True
    later = _voucher(api_client, code="LATER002", item=catalogue.ticket.id)
    assert api_client.patch(f"{BASE}{later['id']}/", {"block_quota": True}, status=400).json == {
        "non_field_errors": [NO_CAPACITY]}
    assert _voucher(api_client, code="IGNORE01", allow_ignore_quota=True, item=catalogue.ticket.id)
    assert _voucher(api_client, code="SHIRTS01", block_quota=True, quota=catalogue.shirt_quota.id, max_usages=5)
    assert api_client.post(BASE, {"code": "NOTARGET", "block_quota": True}, status=400).json == {
        "non_field_errors": ["You need to select a specific product or quota if this voucher should reserve tickets."]}
    batch = api_client.post(BASE + "batch_create/", [
        {"code": "SHIRTS02", "block_quota": True, "item": catalogue.shirt.id,
         "variation": catalogue.shirt_s.id}], status=400).json
    assert batch == [{"non_field_errors": [NO_CAPACITY]}]


def test_batch_counts_its_own_blocks(api_client, catalogue):
    batch = [{"code": f"BLOCKS{n:03d}", "block_quota": True, "quota": catalogue.ticket_quota.id, "max_usages": 4}
             for n in range(3)]
    assert api_client.post(BASE + "batch_create/", batch, status=400).json == [
        {}, {}, {"non_field_errors": [NO_CAPACITY]}]
    assert len(api_client.post(BASE + "batch_create/", batch[:2], status=201).json) == 2


def test_product_without_quota_cannot_block(api_client, catalogue, db_session):
    with scope(catalogue.event.organizer_id):
        lone = Item(event=catalogue.event, organizer_id=catalogue.event.organizer_id,
                    name=I18nString({"en": "Lone"}), default_price=1)
        db_session.add(lone)
        db_session.flush()
    assert list(api_client.post(BASE, {"code": "LONELY01", "block_quota": True, "item": lone.id},
                                status=400).json) == ["non_field_errors"]


def test_permissions(app, api_client, make_api_token, organizer, catalogue):
    created = _voucher(api_client)
    reader = make_api_token(organizer, ["event.vouchers:read"])
    assert api_client.get(BASE, headers=reader).json["count"] == 1
    assert api_client.get(f"{BASE}{created['id']}/", headers=reader).json["code"] == "SUMMER2030"
    denied = {"detail": "You do not have permission to perform this action."}
    assert api_client.post(BASE, {"code": "READER01"}, headers=reader, status=403).json == denied
    assert api_client.patch(f"{BASE}{created['id']}/", {"tag": "x"}, headers=reader, status=403).json == denied
    assert api_client.delete(f"{BASE}{created['id']}/", headers=reader, status=403).json == denied
    assert api_client.post(BASE + "batch_create/", [], headers=reader, status=403).json == denied
    orders_only = make_api_token(organizer, ["event.orders:read"])
    assert api_client.get(BASE, headers=orders_only, status=403).json == denied
    assert app.get("/api/v1" + BASE, status=401)


def test_other_organizer_is_never_reachable(api_client, make_api_token, catalogue, db_session):
    other = Organizer(slug="other", name="Other")
    db_session.add(other)
    db_session.flush()
    foreign = make_api_token(other, everything=True)
    created = _voucher(api_client)
    assert api_client.get(BASE, headers=foreign, status=403)
    assert api_client.get(f"{BASE}{created['id']}/", headers=foreign, status=403)
    assert api_client.patch(f"{BASE}{created['id']}/", {"tag": "x"}, headers=foreign, status=403)
    assert api_client.delete(f"{BASE}{created['id']}/", headers=foreign, status=403)
    with scopes_disabled():
        other_event = Event(organizer_id=other.id, slug="conf", name=I18nString({"en": "Other"}),
                            date_from=datetime(2030, 1, 1, tzinfo=UTC))
        db_session.add(other_event)
        db_session.flush()
    path = f"/organizers/other/events/conf/vouchers/{created['id']}/"
    assert api_client.get(path, headers=foreign, status=404)
    assert api_client.get(BASE + f"{created['id']}/").json["tag"] is None


@pytest.fixture
def last_ticket(db_engine: Engine, registry: Any) -> Iterator[dict[str, int]]:
    """A committed event whose only quota has one unit left; everything of its organizer is deleted afterwards."""
    if db_engine.dialect.name != "postgresql":
        pytest.skip("needs PostgreSQL: set TICKETRY_TEST_DATABASE_URL=postgresql+psycopg://...")
    with unit_of_work(registry) as session, scopes_disabled():
        organizer = Organizer(slug="voucherrace", name="Race")
        session.add(organizer)
        session.flush()
        event = Event(organizer_id=organizer.id, slug="race", name=I18nString({"en": "Race"}),
                      date_from=datetime(2030, 1, 1, tzinfo=UTC))
        session.add(event)
        session.flush()
        item = Item(event=event, organizer_id=organizer.id, name=I18nString({"en": "Ticket"}), default_price=10)
        quota = Quota(event=event, organizer_id=organizer.id, name="Tickets", size=1)
        quota.items.append(item)
        session.add_all([item, quota])
        session.flush()
        ids = {"organizer": organizer.id, "event": event.id, "item": item.id}
    yield ids
    with db_engine.begin() as conn:
        for table in reversed(Base.metadata.sorted_tables):
            if "organizer_id" in table.c:
                conn.execute(delete(table).where(table.c.organizer_id == ids["organizer"]))
        conn.execute(delete(Organizer.__table__).where(Organizer.__table__.c.id == ids["organizer"]))


@pytest.mark.postgres
def test_parallel_blocking_vouchers_never_oversell(last_ticket: dict[str, int], registry: Any,
                                                   db_engine: Engine) -> None:
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def work(code: str) -> None:
        manager.push({"registry": registry, "request": None})
        try:
            with unit_of_work(registry) as session, scope(last_ticket["organizer"]):
                event = session.get(Event, last_ticket["event"])
                item = session.get(Item, last_ticket["item"])
                barrier.wait()
                create_vouchers(session, event, [{"code": code, "block_quota": True, "item": item}])
            outcomes.append("created")
        except VoucherRefused as exc:
            outcomes.append(str(exc))
        finally:
            manager.pop()

    threads = [threading.Thread(target=work, args=(code,)) for code in ("RACE0001", "RACE0002")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == sorted(["created", NO_CAPACITY])
    with db_engine.connect() as conn:
        table = Voucher.__table__
        assert conn.scalar(select(func.count()).select_from(table).where(
            table.c.organizer_id == last_ticket["organizer"])) == 1
