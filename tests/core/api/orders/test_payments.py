"""Payments and refunds of an order through the API: shapes, create, actions, state errors, permissions."""

from __future__ import annotations

ORDERS = "/organizers/demo/events/conf/orders/"


def _payments(order):
    return f"{ORDERS}{order.code}/payments/"


def _refunds(order):
    return f"{ORDERS}{order.code}/refunds/"


def test_list_and_detail(api_client, order_factory):
    order = order_factory(status="p", paid=True)
    page = api_client.get(_payments(order)).json
    assert page["count"] == 1
    payment = page["results"][0]
    assert list(payment) == ["local_id", "state", "amount", "created", "payment_date", "provider", "payment_url",
                             "details"]
    assert (payment["local_id"], payment["state"], payment["amount"]) == (1, "confirmed", "46.00")
    assert api_client.get(f"{_payments(order)}1/").json == payment
    assert api_client.get(f"{_payments(order)}7/", status=404).json == {
        "detail": "No OrderPayment matches the given query."}
    assert api_client.get(f"{ORDERS}NOPE/payments/", status=404).json == {
        "detail": "No Order matches the given query."}


def test_create_confirmed_payment_marks_the_order_paid(api_client, order_factory):
    order = order_factory()
    created = api_client.post(_payments(order), {"state": "confirmed", "amount": "46.00", "provider": "manual",
                                                 "payment_date": "2030-01-02T10:00:00Z", "send_email": False},
                              status=201).json
    assert created["state"] == "confirmed" and created["payment_date"] == "2030-01-02T10:00:00Z"
    assert created["local_id"] == 1 and created["payment_url"] is None
    assert api_client.get(f"{ORDERS}{order.code}/").json["status"] == "p"
    assert api_client.post(_payments(order), {"amount": "1", "provider": "nope"}, status=400).json == {
        "provider": ['"nope" is not a valid choice.']}
    assert api_client.post(_payments(order), {"amount": "1", "provider": "manual", "state": "refunded"},
                           status=400).json == {"state": ['"refunded" is not a valid choice.']}
    assert api_client.post(_payments(order), {"provider": "manual"}, status=400).json == {
        "amount": ["This field is required."]}


def test_confirm_and_cancel(api_client, order_factory):
    order = order_factory()
    pending = api_client.post(_payments(order), {"amount": "46.00", "provider": "manual", "state": "pending"},
                              status=201).json
    assert pending["state"] == "pending" and f"/order/{order.code}/{order.secret}/pay/" in pending["payment_url"]
    other = api_client.post(_payments(order), {"amount": "5.00", "provider": "manual"}, status=201).json
    canceled = api_client.post(f"{_payments(order)}{other['local_id']}/cancel/").json
    assert canceled["state"] == "canceled"
    assert api_client.post(f"{_payments(order)}{other['local_id']}/confirm/", status=400).json == {
        "detail": "Invalid state of payment"}
    confirmed = api_client.post(f"{_payments(order)}{pending['local_id']}/confirm/", {"send_email": False}).json
    assert confirmed["state"] == "confirmed"
    assert api_client.get(f"{ORDERS}{order.code}/").json["status"] == "p"
    assert api_client.post(f"{_payments(order)}{pending['local_id']}/cancel/", status=400).json == {
        "detail": "Invalid state of payment"}


def test_refund_action(api_client, order_factory):
    order = order_factory(status="p", paid=True)
    assert api_client.post(f"{_payments(order)}1/refund/", {"amount": "50.00"}, status=400).json == {
        "amount": ["Invalid refund amount, only 46.00 are available to refund."]}
    refund = api_client.post(f"{_payments(order)}1/refund/", {"amount": "10.00", "comment": "Goodwill"}).json
    assert list(refund) == ["local_id", "state", "source", "amount", "payment", "created", "execution_date",
                            "comment", "provider", "details"]
    assert (refund["state"], refund["source"], refund["amount"], refund["payment"], refund["provider"]) == (
        "done", "admin", "10.00", 1, "manual")
    full = api_client.post(f"{_payments(order)}1/refund/", {"mark_canceled": True}).json
    assert full["amount"] == "36.00"
    assert api_client.get(f"{_payments(order)}1/").json["state"] == "refunded"
    assert api_client.get(f"{ORDERS}{order.code}/").json["status"] == "c"
    assert api_client.post(f"{_payments(order)}1/refund/", status=400).json == {"detail": "Invalid state of payment"}


def test_refund_create_and_actions(api_client, order_factory):
    order = order_factory(status="p", paid=True)
    created = api_client.post(_refunds(order), {"state": "created", "source": "admin", "amount": "20.00",
                                                "payment": 1, "comment": "Partly", "provider": "manual"},
                              status=201).json
    assert (created["local_id"], created["state"], created["payment"], created["execution_date"]) == (
        1, "created", 1, None)
    assert api_client.get(f"{_refunds(order)}1/").json == created
    assert api_client.get(_refunds(order)).json["count"] == 1
    done = api_client.post(f"{_refunds(order)}1/done/").json
    assert done["state"] == "done" and done["execution_date"].endswith("Z")
    assert api_client.post(f"{_refunds(order)}1/done/", status=400).json == {"detail": "Invalid state of refund"}
    assert api_client.post(f"{_refunds(order)}1/cancel/", status=400).json == {"detail": "Invalid state of refund"}
    external = api_client.post(_refunds(order), {"state": "external", "source": "external", "amount": "26.00",
                                                 "provider": "manual"}, status=201).json
    assert api_client.post(f"{_refunds(order)}{external['local_id']}/done/", status=400)
    processed = api_client.post(f"{_refunds(order)}{external['local_id']}/process/", {"mark_canceled": False}).json
    assert processed["state"] == "done"
    assert api_client.get(f"{ORDERS}{order.code}/").json["status"] == "n"
    third = api_client.post(_refunds(order), {"source": "buyer", "amount": "1.00", "provider": "manual"},
                            status=201).json
    assert api_client.post(f"{_refunds(order)}{third['local_id']}/cancel/").json["state"] == "canceled"
    assert api_client.post(_refunds(order), {"source": "admin", "amount": "1.00", "provider": "manual",
                                             "payment": 9}, status=400).json == {
        "payment": ['Invalid pk "9" - object does not exist.']}
    assert api_client.post(_refunds(order), {"source": "nobody", "amount": "1", "provider": "manual"},
                           status=400).json == {"source": ['"nobody" is not a valid choice.']}
    assert api_client.get(f"{_refunds(order)}99/", status=404).json == {
        "detail": "No OrderRefund matches the given query."}


def test_refund_recorded_done_with_mark_canceled(api_client, order_factory):
    order = order_factory(status="p", paid=True)
    api_client.post(_refunds(order), {"state": "done", "source": "admin", "amount": "46.00", "payment": 1,
                                      "provider": "manual", "mark_canceled": True}, status=201)
    data = api_client.get(f"{ORDERS}{order.code}/").json
    assert data["status"] == "c" and data["payments"][0]["state"] == "refunded"


def test_permissions(api_client, make_api_token, organizer, order_factory, db_session):
    from core.models import Organizer

    order = order_factory(status="p", paid=True)
    reader = make_api_token(organizer, ["event.orders:read"])
    assert api_client.get(_payments(order), headers=reader).json["count"] == 1
    api_client.post(f"{_payments(order)}1/refund/", {}, headers=reader, status=403)
    api_client.post(_refunds(order), {"source": "admin", "amount": "1", "provider": "manual"}, headers=reader,
                    status=403)
    api_client.get(_refunds(order), headers=make_api_token(organizer, ["event.items:write"]), status=403)
    other = Organizer(slug="other", name="Other")
    db_session.add(other)
    db_session.flush()
    foreign = make_api_token(other, everything=True)
    api_client.get(f"{_payments(order)}1/", headers=foreign, status=403)
    api_client.post(f"{_payments(order)}1/refund/", {}, headers=foreign, status=403)
    assert api_client.get(_refunds(order)).json["count"] == 0
