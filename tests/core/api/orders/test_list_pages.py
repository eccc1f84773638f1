"""The order list's page: the same JSON as the order detail, pages read from the end equal pages read from the
start, and a page costs the same statements however many orders it holds (fewer when it has no fees, payments,
refunds or answers)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from zope.interface import implementer

from core.interfaces.api import IOrderApiData
from core.interfaces.scopes import IEvent
from tests.core.api.orders.conftest import BASE

SWITCHES = ["", "?include_canceled_positions=true&include_canceled_fees=true",
            "?exclude=positions&exclude=invoice_address&exclude=refunds",
            "?include=code&include=positions&include=fees", "?include=code"]


def _rich(order_factory, catalogue, db_session, when: dt.datetime):
    """An order with a canceled position and fee, two payments (one open), a refund, an address and answers."""
    from core.i18n import I18nString
    from core.models import InvoiceAddress, OrderPayment, OrderRefund, Question, QuestionAnswer, QuestionOption

    order = order_factory(status="p", paid=True, fees=[("shipping", "5.00"), ("payment", "1.00")],
                          items=[(catalogue.ticket, None, "23.00"), (catalogue.shirt, catalogue.shirt_s, "15.00"),
                                 (catalogue.ticket, None, "23.00")], datetime=when)
    order.all_positions[1].canceled = True
    order.all_fees[1].canceled = True
    organizer_id = order.organizer_id
    db_session.add(OrderPayment(order=order, organizer_id=organizer_id, local_id=2, provider="manual",
                                amount=Decimal("3.00"), state=OrderPayment.PAYMENT_STATE_CREATED))
    db_session.add(OrderRefund(order=order, organizer_id=organizer_id, local_id=1, state="done", source="admin",
                               amount=Decimal("10.00"), payment=order.payments[0], provider="manual",
                               execution_date=when))
    db_session.add(InvoiceAddress(order=order, organizer_id=organizer_id, company="Acme", name_parts={"full_name": "A"},
                                  vat_id="DE1", is_business=True))
    question = Question(event=catalogue.event, organizer_id=organizer_id, question=I18nString({"en": "Size"}),
                        type="C", identifier=f"SIZE{order.code}")
    upload = Question(event=catalogue.event, organizer_id=organizer_id, question=I18nString({"en": "Photo"}),
                      type="F", identifier=f"PHOTO{order.code}")
    option = QuestionOption(question=question, organizer_id=organizer_id, answer=I18nString({"en": "M"}),
                            identifier=f"M{order.code}")
    db_session.add_all([question, upload, option])
    db_session.flush()
    db_session.add_all([
        QuestionAnswer(question=question, organizer_id=organizer_id, answer="M", orderposition=order.positions[0],
                       options=[option]),
        QuestionAnswer(question=upload, organizer_id=organizer_id, answer="", file="upload.png",
                       orderposition=order.positions[-1]),
    ])
    db_session.flush()
    return order


@pytest.fixture
def orders(order_factory, catalogue, db_session):
    """Seven orders: rich and bare ones, two sharing a datetime (the id breaks the tie), one without positions."""
    base = dt.datetime(2026, 5, 1, tzinfo=dt.UTC)
    made = [_rich(order_factory, catalogue, db_session, base + dt.timedelta(days=n)) for n in (3, 0)]
    made += [order_factory(datetime=base + dt.timedelta(days=1)), order_factory(datetime=base + dt.timedelta(days=1)),
             order_factory(status="c", items=[], datetime=base + dt.timedelta(days=2)),
             order_factory(status="e", channel=catalogue.api, datetime=base + dt.timedelta(days=5)),
             _rich(order_factory, catalogue, db_session, base + dt.timedelta(days=4))]
    return made


def test_list_renders_what_the_detail_renders(api_client, orders):
    for switches in SWITCHES:
        results = api_client.get(BASE + (switches or "?") + "&ordering=code").json["results"]
        assert [o.get("code") for o in results] == sorted(o.code for o in orders)
        for rendered in results:
            assert rendered == api_client.get(f"{BASE}{rendered['code']}/{switches}").json


def test_pages_read_from_the_end_equal_pages_read_from_the_start(api_client, orders):
    for ordering in ("datetime", "-datetime", "code", "-status", "last_modified", "status,-datetime"):
        whole = [o["code"] for o in api_client.get(f"{BASE}?ordering={ordering}").json["results"]]
        assert len(whole) == len(orders)
        for size in (1, 2, 3, 4):
            pages = -(-len(orders) // size)
            seen = []
            for page in range(1, pages + 1):
                data = api_client.get(f"{BASE}?ordering={ordering}&page_size={size}&page={page}").json
                assert data["count"] == len(orders)
                assert (data["next"] is None) == (page == pages)
                assert (data["previous"] is None) == (page == 1)
                seen += [o["code"] for o in data["results"]]
            assert seen == whole, (ordering, size)
            api_client.get(f"{BASE}?ordering={ordering}&page_size={size}&page={pages + 1}", status=404)


def test_filtered_and_empty_lists(api_client, orders, event):
    data = api_client.get(BASE + "?status=p&page_size=2&page=2&ordering=-datetime").json
    assert data["count"] == 3 and [o["status"] for o in data["results"]] == ["p"]
    assert data["previous"].endswith("?ordering=-datetime&page_size=2&status=p") and data["next"] is None
    empty = api_client.get(BASE + "?status=n&code=NOPE").json
    assert empty == {"count": 0, "next": None, "previous": None, "results": []}
    assert api_client.get(BASE + "?code=NOPE&page=2", status=404).json == {"detail": "Invalid page."}


def test_statements_per_page_do_not_grow_with_the_page(count_queries, order_factory, catalogue, db_session):
    base = dt.datetime(2026, 5, 1, tzinfo=dt.UTC)
    order_factory(datetime=base)
    bare = count_queries(BASE)
    for n in range(1, 8):
        order_factory(datetime=base + dt.timedelta(hours=n))
    assert count_queries(BASE) == bare
    _rich(order_factory, catalogue, db_session, base)
    rich = count_queries(BASE)
    for n in range(1, 6):
        _rich(order_factory, catalogue, db_session, base + dt.timedelta(minutes=n))
    assert count_queries(BASE) == rich
    assert count_queries(BASE + "?page_size=2&page=2") == rich  # the rich orders 2 and 3
    assert count_queries(BASE + "?page_size=2&page=6") == bare  # read from the end
    # Only a page with them reads fees, payments, refunds, answers, their options and the payment providers' settings.
    assert rich - bare == 6


@implementer(IOrderApiData)
class Seats:
    def __init__(self, event):
        self.event = event

    def order_data(self, orders):
        return {o.id: {"seats_order": f"{o.code}:{o.meta_info is not None}"} for o in orders}

    def position_data(self, positions):
        return {p.id: {"seats_position": f"{p.order.code}-{p.positionid}"} for p in positions}


@implementer(IOrderApiData)
class Broken(Seats):
    def position_data(self, positions):
        raise RuntimeError("boom")


@pytest.fixture
def providers(registry):
    for name, factory in (("seats", Seats), ("broken", Broken)):
        registry.registerAdapter(factory, (IEvent,), IOrderApiData, name=name)
    yield
    for name in ("seats", "broken"):
        registry.unregisterAdapter(required=(IEvent,), provided=IOrderApiData, name=name)


def test_plugin_providers_get_orm_objects(api_client, orders, providers, caplog):
    results = api_client.get(BASE + "?ordering=code").json["results"]
    for rendered in results:
        assert rendered["plugin_data"] == {"seats_order": f"{rendered['code']}:True"}
        assert [p["plugin_data"] for p in rendered["positions"]] == [
            {"seats_position": f"{rendered['code']}-{p['positionid']}"} for p in rendered["positions"]]
        assert rendered == api_client.get(f"{BASE}{rendered['code']}/").json
    assert "IOrderApiData provider 'broken' failed in position_data" in caplog.text


def test_rich_order_values(api_client, order_factory, catalogue, db_session):
    from sqlalchemy import select

    from core.models import OrderPayment, Question

    order = _rich(order_factory, catalogue, db_session, dt.datetime(2026, 5, 1, tzinfo=dt.UTC))
    open_payment = db_session.scalar(select(OrderPayment).where(OrderPayment.order_id == order.id,
                                                                OrderPayment.local_id == 2))
    upload = db_session.scalar(select(Question).where(Question.identifier == f"PHOTO{order.code}"))
    data = api_client.get(f"{BASE}{order.code}/").json
    assert [p["positionid"] for p in data["positions"]] == [1, 3]
    assert [f["fee_type"] for f in data["fees"]] == ["shipping"]
    assert [p["local_id"] for p in data["payments"]] == [1, 2] and data["payments"][0]["payment_url"] is None
    assert data["payments"][1]["payment_url"].endswith(
        f"/demo/conf/order/{order.code}/{order.secret}/pay/{open_payment.id}/")
    assert data["payment_provider"] == "manual" and len(data["payment_date"]) == 10
    assert data["refunds"][0]["payment"] == 1 and data["refunds"][0]["execution_date"] == "2026-05-01T00:00:00Z"
    address = data["invoice_address"]
    assert (address["company"], address["vat_id"], address["is_business"], address["name_parts"]) == (
        "Acme", "DE1", True, {"full_name": "A"})
    third = data["positions"][1]
    assert third["answers"] == [{
        "question": upload.id, "question_identifier": upload.identifier, "options": [], "option_identifiers": [],
        "answer": third["answers"][0]["answer"]}]
    assert third["answers"][0]["answer"].endswith(
        f"/api/v1/organizers/demo/events/conf/orderpositions/{third['id']}/answer/{upload.id}/")
    full = api_client.get(f"{BASE}{order.code}/?include_canceled_positions=true&include_canceled_fees=true").json
    assert [(p["positionid"], p["canceled"]) for p in full["positions"]] == [(1, False), (2, True), (3, False)]
    assert [(f["fee_type"], f["canceled"]) for f in full["fees"]] == [("shipping", False), ("payment", True)]
    assert full["positions"][1]["variation"] == catalogue.shirt_s.id and full["positions"][1]["price"] == "15.00"
