"""Cart positions through the API: pretix's shape, create (price believed), delete, bulk_create, permissions."""

from __future__ import annotations

BASE = "/organizers/demo/events/conf/cartpositions/"
KEYS = ["id", "cart_id", "item", "variation", "price", "attendee_name", "attendee_name_parts", "attendee_email",
        "voucher", "addon_to", "is_bundled", "subevent", "datetime", "expires", "includes_tax", "seat", "answers"]


def test_create_list_detail_delete(api_client, catalogue, event, db_session):
    from core.i18n import I18nString
    from core.models import Question, QuestionOption

    question = Question(event=event, organizer_id=event.organizer_id, question=I18nString({"en": "Size"}),
                        type=Question.TYPE_CHOICE, identifier="SIZE")
    option = QuestionOption(question=question, organizer_id=event.organizer_id, answer=I18nString({"en": "XL"}),
                            identifier="XL")
    db_session.add_all([question, option])
    db_session.flush()
    created = api_client.post(BASE, {
        "item": catalogue.ticket.id, "price": "20.00", "attendee_name": "Ada", "attendee_email": "ada@example.org",
        "expires": "2031-01-01T12:00:00Z", "answers": [{"question": question.id, "options": [option.id]}],
    }, status=201).json
    assert list(created) == KEYS
    assert created["cart_id"].endswith("@api") and created["price"] == "20.00"
    assert created["attendee_name"] == "Ada" and created["attendee_name_parts"] == {"_legacy": "Ada"}
    assert created["expires"] == "2031-01-01T12:00:00Z" and created["includes_tax"] is True
    assert created["answers"] == [{"question": question.id, "answer": "XL", "question_identifier": "SIZE",
                                   "options": [option.id], "option_identifiers": ["XL"]}]
    net = api_client.post(BASE, {"item": catalogue.ticket.id, "price": "10.00", "includes_tax": False,
                                 "cart_id": created["cart_id"]}, status=201).json
    assert net["price"] == "11.90" and net["cart_id"] == created["cart_id"]
    listed = api_client.get(BASE)
    assert listed.json["count"] == 2 and listed.headers["X-Page-Generated"].endswith("Z")
    assert api_client.get(f"{BASE}{created['id']}/").json == created
    api_client.delete(f"{BASE}{created['id']}/")
    assert api_client.get(f"{BASE}{created['id']}/", status=404).json == {
        "detail": "No CartPosition matches the given query."}


def test_field_errors(api_client, catalogue):
    assert api_client.post(BASE, {"item": 999999, "price": "1"}, status=400).json == {
        "item": ['Invalid pk "999999" - object does not exist.']}
    assert api_client.post(BASE, {"item": catalogue.ticket.id}, status=400).json == {
        "price": ["This field is required."]}
    assert api_client.post(BASE, {"item": catalogue.ticket.id, "price": "1", "cart_id": "abc"}, status=400).json == {
        "cart_id": ["Cart ID should end in @api or be empty."]}
    assert api_client.post(BASE, {"item": catalogue.shirt.id, "variation": catalogue.shirt_s.id, "price": "1",
                                  "sales_channel": "nope"}, status=400).json == {
        "sales_channel": ["Object with identifier=nope does not exist."]}
    refused = api_client.post(BASE, {"item": catalogue.shirt.id, "price": "1"}, status=400).json
    assert list(refused) == ["non_field_errors"]
    assert api_client.get(BASE).json["count"] == 0


def test_quota_is_held_and_refused_when_sold_out(api_client, catalogue, db_session):
    catalogue.ticket_quota.size = 1
    db_session.flush()
    api_client.post(BASE, {"item": catalogue.ticket.id, "price": "23.00"}, status=201)
    refused = api_client.post(BASE, {"item": catalogue.ticket.id, "price": "23.00"}, status=400).json
    assert list(refused) == ["non_field_errors"]


def test_bulk_create_is_not_atomic(app, api_client, api_headers, catalogue, db_session):
    catalogue.ticket_quota.size = 1
    db_session.flush()
    results = api_client.post(BASE + "bulk_create/", [
        {"item": catalogue.ticket.id, "price": "23.00"},
        {"item": catalogue.ticket.id, "price": "23.00"},
        {"item": 999999, "price": "1"},
        {"price": "1"},
    ]).json["results"]
    assert [r["success"] for r in results] == [True, False, False, False]
    assert results[0]["errors"] is None and results[0]["data"]["price"] == "23.00"
    assert list(results[1]["errors"]) == ["non_field_errors"] and results[1]["data"] is None
    assert results[2]["errors"] == {"item": ['Invalid pk "999999" - object does not exist.']}
    assert results[3]["errors"] == {"item": ["This field is required."]}
    assert api_client.get(BASE).json["count"] == 1
    headers = {**api_headers, "Content-Type": "application/json"}
    assert app.post("/api/v1" + BASE + "bulk_create/", "{}", headers=headers, status=400).json == {
        "non_field_errors": ["Invalid data. Expected a list, but got dict."]}


def test_permissions(api_client, make_api_token, organizer, catalogue, db_session):
    from core.models import Organizer

    created = api_client.post(BASE, {"item": catalogue.ticket.id, "price": "23.00"}, status=201).json
    reader = make_api_token(organizer, ["event.orders:read"])
    assert api_client.get(BASE, headers=reader).json["count"] == 1
    api_client.post(BASE, {"item": catalogue.ticket.id, "price": "1"}, headers=reader, status=403)
    api_client.delete(f"{BASE}{created['id']}/", headers=reader, status=403)
    other = Organizer(slug="other", name="Other")
    db_session.add(other)
    db_session.flush()
    foreign = make_api_token(other, everything=True)
    api_client.get(f"{BASE}{created['id']}/", headers=foreign, status=403)
    api_client.delete(f"{BASE}{created['id']}/", headers=foreign, status=403)
    api_client.post(BASE + "bulk_create/", [], headers=foreign, status=403)
    assert api_client.get(BASE).json["count"] == 1
