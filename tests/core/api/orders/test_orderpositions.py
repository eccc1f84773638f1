"""Order positions through the API: list filters, detail, PATCH, POST (add), DELETE (cancel), actions."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

BASE = "/organizers/demo/events/conf/orderpositions/"


def test_list_detail_and_filters(api_client, order_factory, catalogue):
    ada = {"attendee_name_parts": {"full_name": "Ada Lovelace"}}
    first = order_factory(items=[(catalogue.ticket, None, "23.00", ada),
                                 (catalogue.shirt, catalogue.shirt_l, "17.00")], status="p", paid=True)
    second = order_factory(items=[(catalogue.ticket, None, "23.00", {"attendee_name_parts": {"full_name": "Bob"}})])
    page = api_client.get(BASE).json
    assert page["count"] == 3
    assert [(r["order"], r["positionid"]) for r in page["results"]] == [(first.code, 1), (first.code, 2),
                                                                          (second.code, 1)]
    one = page["results"][0]
    assert one["attendee_name"] == "Ada Lovelace" and one["price"] == "23.00" and one["secret"]
    assert api_client.get(f"{BASE}{one['id']}/").json == one
    assert api_client.get(BASE + f"?order={second.code}").json["count"] == 1
    assert api_client.get(BASE + "?order__status=p").json["count"] == 2
    assert api_client.get(BASE + "?order__status__in=n,e").json["count"] == 1
    assert api_client.get(BASE + f"?item={catalogue.shirt.id}").json["count"] == 1
    assert api_client.get(BASE + f"?variation__in={catalogue.shirt_l.id},{catalogue.shirt_s.id}").json["count"] == 1
    assert api_client.get(BASE + "?attendee_name=bob").json["count"] == 1
    # A term with a space: random order codes and ticket secrets can never contain it.
    assert api_client.get(BASE + "?search=a lovelace").json["count"] == 1
    assert api_client.get(BASE + f"?search={second.code}").json["count"] == 1
    assert api_client.get(BASE + f"?secret={one['secret']}").json["count"] == 1
    assert api_client.get(BASE + f"?pseudonymization_id={one['pseudonymization_id']}").json["count"] == 1
    ordered = api_client.get(BASE + "?ordering=-attendee_name").json["results"]
    assert [r["attendee_name"] for r in ordered if r["attendee_name"]] == ["Bob", "Ada Lovelace"]
    assert api_client.get(BASE + "?item__in=a", status=400).json == {"item__in": ["Enter a number."]}
    assert api_client.get(f"{BASE}999999/", status=404).json == {"detail": "No OrderPosition matches the given query."}


def test_constant_queries_per_page(count_queries, order_factory):
    order_factory()
    few = count_queries(BASE)
    for _ in range(5):
        order_factory()
    assert count_queries(BASE) == few


def test_patch_attendee_fields_and_answers(api_client, order_factory, event, db_session):
    from core.i18n import I18nString
    from core.models import LogEntry, Question

    question = Question(event=event, organizer_id=event.organizer_id, question=I18nString({"en": "Age"}),
                        type=Question.TYPE_NUMBER, identifier="AGE")
    db_session.add(question)
    db_session.flush()
    order = order_factory()
    position = order.positions[0]
    data = api_client.patch(f"{BASE}{position.id}/", {
        "attendee_name_parts": {"given_name": "Ada", "family_name": "Lovelace"}, "attendee_email": "ada@example.org",
        "country": "de", "answers": [{"question": question.id, "answer": "42"}],
    }).json
    assert data["attendee_name"] == "Ada Lovelace" and data["attendee_email"] == "ada@example.org"
    assert data["country"] == "DE"
    assert data["answers"] == [{"question": question.id, "answer": "42", "question_identifier": "AGE",
                                "options": [], "option_identifiers": []}]
    assert api_client.patch(f"{BASE}{position.id}/", {"answers": [{"question": question.id, "answer": "x"}]},
                            status=400).json == {"answers": [{"answer": ["A valid number is required."]}]}
    assert api_client.patch(f"{BASE}{position.id}/", {"attendee_email": "nope"}, status=400).json == {
        "attendee_email": ["Enter a valid email address."]}
    assert db_session.scalar(select(LogEntry).where(LogEntry.action_type == "pretix.event.order.modified"))


def test_patch_item_price_and_secret(api_client, order_factory, catalogue):
    order = order_factory()
    position, other = order.positions
    data = api_client.patch(f"{BASE}{position.id}/", {"item": catalogue.shirt.id,
                                                      "variation": catalogue.shirt_s.id, "price": "10.00"}).json
    assert (data["item"], data["variation"], data["price"]) == (catalogue.shirt.id, catalogue.shirt_s.id, "10.00")
    assert data["tax_value"] == "1.60"
    assert api_client.get(f"/organizers/demo/events/conf/orders/{order.code}/").json["total"] == "33.00"
    assert api_client.patch(f"{BASE}{position.id}/", {"item": 999999}, status=400).json == {
        "item": ['Invalid pk "999999" - object does not exist.']}
    assert api_client.patch(f"{BASE}{position.id}/", {"secret": other.secret}, status=400).json == {
        "secret": ["You cannot assign a position secret that already exists."]}
    assert api_client.patch(f"{BASE}{position.id}/", {"secret": "mysecret123"}).json["secret"] == "mysecret123"
    assert api_client.patch(f"{BASE}{position.id}/", {"price": None}, status=400).json == {
        "price": ["This field may not be null."]}


def test_add_and_cancel_positions(api_client, order_factory, catalogue, db_session):
    from core.models import Transaction

    order = order_factory()
    created = api_client.post(BASE, {"order": order.code, "item": catalogue.ticket.id, "addon_to": 1,
                                      "attendee_name": "Carl"}, status=201).json
    assert created["positionid"] == 3 and created["price"] == "23.00" and created["attendee_name"] == "Carl"
    assert created["addon_to"] == order.positions[0].id
    assert api_client.post(BASE, {"order": "NOPE", "item": catalogue.ticket.id}, status=400).json == {
        "order": ["Object with code=NOPE does not exist."]}
    assert api_client.post(BASE, {"order": order.code}, status=400).json == {"item": ["This field is required."]}
    api_client.delete(f"{BASE}{created['id']}/")
    assert api_client.get(f"{BASE}{created['id']}/", status=404)
    assert api_client.get(f"{BASE}{created['id']}/?include_canceled_positions=true").json["canceled"] is True
    assert api_client.get(BASE + "?include_canceled_positions=true").json["count"] == 3
    api_client.delete(f"{BASE}{order.positions[0].id}/")
    last = api_client.delete(f"{BASE}{order.positions[1].id}/", status=400).json
    assert "detail" in last
    journal = db_session.scalars(select(Transaction).where(Transaction.order_id == order.id)).all()
    assert sum(t.count for t in journal) == 1


def test_add_refused_when_sold_out(api_client, order_factory, catalogue, db_session):
    order = order_factory()
    catalogue.ticket_quota.size = 0
    db_session.flush()
    refused = api_client.post(BASE, {"order": order.code, "item": catalogue.ticket.id}, status=400).json
    assert "detail" in refused
    api_client.post(BASE + "?check_quotas=false", {"order": order.code, "item": catalogue.ticket.id}, status=201)


def test_secrets_blocks_and_price_calc(api_client, order_factory, catalogue):
    order = order_factory()
    position = order.positions[0]
    old = position.secret
    renewed = api_client.post(f"{BASE}{position.id}/regenerate_secrets/").json
    assert renewed["secret"] != old
    blocked = api_client.post(f"{BASE}{position.id}/add_block/", {"name": "api:lost"}).json
    assert blocked["blocked"] == ["api:lost"]
    assert api_client.post(f"{BASE}{position.id}/add_block/", {"name": "admin"}).json["blocked"] == [
        "api:lost", "admin"]
    assert api_client.post(f"{BASE}{position.id}/add_block/", {"name": "plugin:x"}, status=400).json["name"]
    api_client.post(f"{BASE}{position.id}/remove_block/", {"name": "api:lost"})
    assert api_client.post(f"{BASE}{position.id}/remove_block/", {"name": "admin"}).json["blocked"] is None
    price = api_client.post(f"{BASE}{position.id}/price_calc/", {"item": catalogue.shirt.id,
                                                                "variation": catalogue.shirt_l.id}).json
    assert price == {"gross": "17.00", "gross_formatted": "17.00", "net": "14.29", "tax": "2.71", "rate": "19.00",
                     "name": "VAT", "code": "S/standard"}
    assert Decimal(price["net"]) + Decimal(price["tax"]) == Decimal(price["gross"])


def test_organizer_list_and_permissions(app, api_client, make_api_token, organizer, order_factory, db_session):
    from core.models import Organizer

    order = order_factory()
    position = order.positions[0]
    assert api_client.get("/organizers/demo/orderpositions/").json["count"] == 2
    assert api_client.get("/organizers/demo/orderpositions/?event=conf&positionid=1").json["count"] == 2
    reader = make_api_token(organizer, ["event.orders:read"])
    assert api_client.get(BASE, headers=reader).json["count"] == 2
    api_client.patch(f"{BASE}{position.id}/", {"attendee_name": "X"}, headers=reader, status=403)
    api_client.delete(f"{BASE}{position.id}/", headers=reader, status=403)
    api_client.post(f"{BASE}{position.id}/add_block/", {"name": "admin"}, headers=reader, status=403)
    assert app.get("/api/v1" + BASE, status=401)
    other = Organizer(slug="other", name="Other")
    db_session.add(other)
    db_session.flush()
    foreign = make_api_token(other, everything=True)
    api_client.get(f"{BASE}{position.id}/", headers=foreign, status=403)
    api_client.patch(f"{BASE}{position.id}/", {"attendee_name": "X"}, headers=foreign, status=403)
    api_client.get("/organizers/demo/orderpositions/", headers=foreign, status=403)
    assert api_client.get(f"{BASE}{position.id}/").json["attendee_name"] is None


def test_file_answers_from_uploads(app, api_client, api_headers, order_factory, event, db_session):
    from core.i18n import I18nString
    from core.models import Question

    question = Question(event=event, organizer_id=event.organizer_id, question=I18nString({"en": "Photo"}),
                        type=Question.TYPE_FILE, identifier="PHOTO")
    db_session.add(question)
    db_session.flush()
    position = order_factory().positions[0]
    uploaded = app.post("/api/v1/upload", b"%PDF-1.4 test", headers={
        **api_headers, "Content-Type": "application/pdf", "Content-Disposition": 'attachment; filename="id.pdf"'},
        status=201).json["id"]
    data = api_client.patch(f"{BASE}{position.id}/", {"answers": [{"question": question.id, "answer": uploaded}]}).json
    url = data["answers"][0]["answer"]
    assert url.endswith(f"/orderpositions/{position.id}/answer/{question.id}/")
    download = api_client.get(url.split("/api/v1", 1)[1])
    assert download.body == b"%PDF-1.4 test" and download.content_type == "application/pdf"
    kept = api_client.patch(f"{BASE}{position.id}/", {"answers": [{"question": question.id, "answer": "file:keep"}]})
    assert kept.json["answers"][0]["answer"] == url
    refused = api_client.patch(f"{BASE}{position.id}/", {"answers": [{"question": question.id, "answer": "x"}]},
                               status=400).json
    assert refused == {"answers": [{"answer": ["The submitted file ID is not valid."]}]}
    api_client.get(f"{BASE}{position.id}/answer/999/", status=404)


def test_openapi_lists_the_order_adjacent_endpoints(app):
    paths = app.get("/api/v1/openapi.json").json["paths"]
    prefix = "/api/v1/organizers/{organizer}/events/{event}/"
    assert set(paths[prefix + "orderpositions/{id}/"]) == {"get", "patch", "delete"}
    assert set(paths[prefix + "orders/{code}/payments/{local_id}/refund/"]) == {"post"}
    assert set(paths[prefix + "orders/{code}/refunds/{local_id}/process/"]) == {"post"}
    assert set(paths[prefix + "invoices/{number}/reissue/"]) == {"post"}
    assert set(paths[prefix + "cartpositions/bulk_create/"]) == {"post"}
    assert "get" in paths["/api/v1/organizers/{organizer}/transactions/"]
