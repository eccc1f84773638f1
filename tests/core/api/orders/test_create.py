"""Order creation: pretix's body, simulate, status p, answers, fees, add-ons and the error mapping."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from core.models import Order, QuestionAnswer
from tests.core.api.orders.conftest import BASE


def body(catalogue, **extra):
    data = {"email": "alice@example.org", "locale": "en", "sales_channel": "web", "payment_provider": "manual",
            "positions": [{"item": catalogue.ticket.id,
                           "attendee_name_parts": {"given_name": "Alice", "family_name": "Example"}}]}
    data.update(extra)
    return data


def orders(db_session):
    return db_session.scalar(select(func.count()).select_from(Order))


def test_create_pending_order_like_pretix(api_client, catalogue, db_session):
    created = api_client.post(BASE, body(catalogue), status=201).json
    assert created["status"] == "n" and created["total"] == "23.00" and created["email"] == "alice@example.org"
    position = created["positions"][0]
    assert position["attendee_name"] == "Alice Example"
    assert position["attendee_name_parts"]["given_name"] == "Alice" and "_scheme" in position["attendee_name_parts"]
    assert position["tax_rate"] == "19.00" and position["tax_value"] == "3.67"
    assert created["payments"][0]["state"] == "created" and created["payments"][0]["provider"] == "manual"
    url = created["payments"][0]["payment_url"]
    assert re.search(rf"/demo/conf/order/{created['code']}/{created['secret']}/pay/\d+/$", url)
    assert api_client.get(f"{BASE}{created['code']}/").json == created


def test_create_paid_with_addon_and_fee(api_client, catalogue):
    data = body(catalogue, status="p", positions=[
        {"item": catalogue.ticket.id, "positionid": 1},
        {"item": catalogue.shirt.id, "variation": catalogue.shirt_s.id, "positionid": 2, "addon_to": 1},
    ], fees=[{"fee_type": "service", "value": "2.00", "tax_rule": catalogue.tax.id}])
    created = api_client.post(BASE, data, status=201).json
    assert created["status"] == "p" and created["total"] == "40.00"
    assert created["positions"][1]["addon_to"] == created["positions"][0]["id"]
    assert created["fees"][0]["fee_type"] == "service" and created["fees"][0]["tax_value"] == "0.32"
    assert created["payments"][0]["state"] == "confirmed" and created["payment_date"]


def test_simulate_saves_nothing(api_client, catalogue, db_session):
    address = {"company": "Acme", "name_parts": {"full_name": "Ann"}, "country": "DE"}
    simulated = api_client.post(BASE, body(catalogue, simulate=True, invoice_address=address), status=201).json
    assert simulated["code"] == "PREVIEW" and simulated["total"] == "23.00"
    assert simulated["invoice_address"]["company"] == "Acme" and simulated["invoice_address"]["name"] == "Ann"
    assert simulated["positions"][0]["id"] == 0 and simulated["positions"][0]["price"] == "23.00"
    assert orders(db_session) == 0


def test_answers_are_stored(api_client, catalogue, db_session):
    from core.i18n import I18nString
    from core.models import Question

    question = Question(event=catalogue.event, organizer_id=catalogue.event.organizer_id,
                        question=I18nString({"en": "Diet"}), type="S", identifier="DIET")
    question.items.append(catalogue.ticket)
    db_session.add(question)
    db_session.flush()
    data = body(catalogue)
    data["positions"][0]["answers"] = [{"question": question.id, "answer": "vegan"}]
    created = api_client.post(BASE, data, status=201).json
    assert created["positions"][0]["answers"] == [{"question": question.id, "answer": "vegan",
                                                   "question_identifier": "DIET", "options": [],
                                                   "option_identifiers": []}]
    assert db_session.scalar(select(func.count()).select_from(QuestionAnswer)) == 1
    assert api_client.get(f"{BASE}{created['code']}/").json == created


def test_answers_are_only_queried_when_the_order_has_some(api_client, catalogue, record_statements):
    with record_statements() as seen:
        created = api_client.post(BASE, body(catalogue), status=201).json
    assert created["positions"][0]["answers"] == []
    assert not [s for s in seen if "question_answer" in s]


def test_error_mapping(api_client, catalogue, db_session):
    data = body(catalogue)
    del data["positions"]
    assert api_client.post(BASE, data, status=400).json == {"positions": ["This field is required."]}
    assert api_client.post(BASE, body(catalogue, positions=[{"item": 999999}]), status=400).json == {
        "positions": [{"item": ['Invalid pk "999999" - object does not exist.']}]}
    assert api_client.post(BASE, body(catalogue, payment_provider="nope"), status=400).json == {
        "payment_provider": ["The given payment provider is not known."]}
    assert api_client.post(BASE, body(catalogue, positions=[]), status=400).json == {
        "positions": ["An order cannot be empty."]}
    assert api_client.post(BASE, body(catalogue, positions=[{"item": catalogue.shirt.id}]), status=400).json == {
        "positions": [{"variation": ["You should specify a variation for this item."]}]}
    assert orders(db_session) == 0


def test_sold_out_names_the_quota(api_client, catalogue, db_session):
    catalogue.ticket_quota.size = 1
    db_session.flush()
    data = body(catalogue, positions=[{"item": catalogue.ticket.id}, {"item": catalogue.ticket.id}])
    assert api_client.post(BASE, data, status=400).json == {"positions": [
        {}, {"item": ['There is not enough quota available on quota "Tickets" to perform the operation.']}]}
    assert orders(db_session) == 0


def test_force_ignores_quota(api_client, catalogue, db_session):
    catalogue.ticket_quota.size = 0
    db_session.flush()
    assert api_client.post(BASE, body(catalogue, force=True), status=201).json["status"] == "n"


def test_consume_carts_frees_their_places(api_client, catalogue, db_session):
    import datetime as dt
    from decimal import Decimal

    from core.models import CartPosition

    catalogue.ticket_quota.size = 1
    db_session.add(CartPosition(event=catalogue.event, organizer_id=catalogue.event.organizer_id, cart_id="held",
                                item=catalogue.ticket, price=Decimal("23.00"),
                                expires=dt.datetime.now(dt.UTC) + dt.timedelta(minutes=30)))
    db_session.flush()
    assert api_client.post(BASE, body(catalogue), status=400).json["positions"][0]["item"]
    api_client.post(BASE, body(catalogue, consume_carts=["held"]), status=201)
    assert db_session.scalar(select(func.count()).select_from(CartPosition)) == 0


def test_simulate_keeps_carts_and_log(api_client, catalogue, db_session):
    import datetime as dt
    from decimal import Decimal

    from core.models import CartPosition, LogEntry

    db_session.add(CartPosition(event=catalogue.event, organizer_id=catalogue.event.organizer_id, cart_id="held",
                                item=catalogue.ticket, price=Decimal("23.00"),
                                expires=dt.datetime.now(dt.UTC) + dt.timedelta(minutes=30)))
    db_session.flush()
    logs = db_session.scalar(select(func.count()).select_from(LogEntry))
    data = body(catalogue, simulate=True, consume_carts=["held"], status="p",
                fees=[{"fee_type": "service", "value": "1.00"}])
    simulated = api_client.post(BASE, data, status=201).json
    assert simulated["status"] == "p" and simulated["total"] == "24.00"
    assert [(f["id"], f["fee_type"], f["value"]) for f in simulated["fees"]] == [(0, "service", "1.00")]
    assert db_session.scalar(select(func.count()).select_from(CartPosition)) == 1
    assert db_session.scalar(select(func.count()).select_from(LogEntry)) == logs and orders(db_session) == 0


def test_idempotency_key_places_once(api_client, catalogue, db_session):
    headers = {**api_client.headers, "X-Idempotency-Key": "order-1"}
    first = api_client.post(BASE, body(catalogue), headers=headers, status=201).json
    again = api_client.post(BASE, body(catalogue), headers=headers, status=201).json
    assert again["code"] == first["code"] and orders(db_session) == 1


def test_the_created_answer_is_the_order_as_stored(api_client, catalogue):
    address = {"company": "Acme", "name_parts": {"full_name": "Ann"}, "country": "DE", "street": "Main St 1"}
    variants = [
        body(catalogue, invoice_address=address),
        body(catalogue, positions=[{"item": catalogue.ticket.id, "positionid": 1},
                                   {"item": catalogue.shirt.id, "variation": catalogue.shirt_s.id, "positionid": 2,
                                    "addon_to": 1, "price": "0.00"}],
             fees=[{"fee_type": "service", "value": "2.00", "tax_rule": catalogue.tax.id}], comment="note",
             api_meta={"source": "test"}, checkin_attention=True),
        body(catalogue, positions=[{"item": catalogue.ticket.id, "price": "0.00"}], payment_provider=None),
        body(catalogue, positions=[{"item": catalogue.ticket.id, "price": "0.00"}]),
    ]
    for data in variants:
        created = api_client.post(BASE, data, status=201).json
        assert api_client.get(f"{BASE}{created['code']}/").json == created
