"""Order state operations: each action's effect, its refusal text, and the order JSON it answers with."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from core.models import Invoice, LogEntry
from core.settings import settings_for
from tests.core.api.orders.conftest import BASE


def action(api_client, order, name, body=None, status=200):
    return api_client.post(f"{BASE}{order.code}/{name}/", body or {}, status=status).json


def test_mark_paid_and_refused_twice(api_client, order_factory):
    order = order_factory()
    paid = action(api_client, order, "mark_paid", {"send_email": False})
    assert paid["status"] == "p" and paid["payments"][-1]["state"] == "confirmed" and paid["payment_date"]
    assert action(api_client, order, "mark_paid", {"send_email": False}, status=400) == {
        "detail": "The order is not pending or expired."}


def test_cancel_then_reactivate(api_client, order_factory):
    order = order_factory()
    canceled = action(api_client, order, "mark_canceled", {"send_email": False})
    assert canceled["status"] == "c" and canceled["cancellation_date"]
    assert action(api_client, order, "mark_canceled", status=400) == {
        "detail": "The order is not allowed to be canceled."}
    assert action(api_client, order, "reactivate")["status"] == "n"
    assert action(api_client, order, "reactivate", status=400) == {"detail": "The order is not canceled."}


def test_cancel_with_fee_keeps_the_order(api_client, order_factory):
    order = order_factory(status="p", paid=True)
    kept = action(api_client, order, "mark_canceled", {"send_email": False, "cancellation_fee": "5.00"})
    assert kept["status"] == "p" and kept["total"] == "5.00" and kept["positions"] == []
    assert [f["fee_type"] for f in kept["fees"]] == ["cancellation"]
    assert action(api_client, order_factory(), "mark_canceled", {"cancellation_fee": "500"}, status=400) == {
        "detail": "The cancellation fee cannot be higher than the total amount of this order."}


def test_approve_and_deny(api_client, order_factory):
    waiting = order_factory(require_approval=True)
    assert action(api_client, waiting, "approve", {"send_email": False})["require_approval"] is False
    assert action(api_client, waiting, "approve", status=400) == {"detail": "This order is not awaiting approval."}
    other = order_factory(require_approval=True)
    assert action(api_client, other, "deny", {"send_email": False, "comment": "no"})["status"] == "c"


def test_pending_expired_refunded(api_client, order_factory):
    paid = order_factory(status="p", paid=True)
    assert action(api_client, paid, "mark_pending")["status"] == "n"
    assert action(api_client, paid, "mark_pending", status=400) == {"detail": "The order is not paid."}
    assert action(api_client, paid, "mark_expired")["status"] == "e"
    assert action(api_client, paid, "mark_expired", status=400) == {"detail": "The order is not pending."}
    refunded = order_factory(status="p", paid=True)
    assert action(api_client, refunded, "mark_refunded")["status"] == "c"


def test_extend(api_client, order_factory):
    order = order_factory()
    day = (dt.date.today() + dt.timedelta(days=30)).isoformat()
    extended = action(api_client, order, "extend", {"expires": day})
    assert extended["expires"].startswith(day[:8])
    assert "expires" in action(api_client, order, "extend", {}, status=400)
    order_factory(status="p", paid=True, code="PAIDX")
    assert api_client.post(f"{BASE}PAIDX/extend/", {"expires": day}, status=400).json == {
        "detail": "The order is not pending or expired."}


def test_regenerate_secrets_and_resend(api_client, order_factory, db_session):
    order = order_factory()
    before = api_client.get(f"{BASE}{order.code}/").json
    after = action(api_client, order, "regenerate_secrets")
    assert after["secret"] != before["secret"]
    assert after["positions"][0]["secret"] != before["positions"][0]["secret"]
    api_client.post(f"{BASE}{order.code}/resend_link/", {}, status=204)
    no_mail = order_factory(email=None)
    assert api_client.post(f"{BASE}{no_mail.code}/resend_link/", {}, status=400).json == {
        "detail": "There is no email address associated with this order."}


def test_create_invoice(api_client, order_factory, db_session, event):
    order = order_factory(status="p", paid=True)
    assert action(api_client, order, "create_invoice", status=400) == {
        "detail": "You cannot generate an invoice for this order."}
    settings_for(db_session, event)["invoice_generate"] = "admin"
    db_session.flush()
    invoice = action(api_client, order, "create_invoice", status=201)
    assert invoice["order"] == order.code
    assert action(api_client, order, "create_invoice", status=400) == {
        "detail": "An invoice for this order already exists."}
    assert db_session.scalar(select(func.count()).select_from(Invoice)) == 1


def test_actions_are_logged(api_client, order_factory, db_session):
    order = order_factory()
    action(api_client, order, "mark_paid", {"send_email": False})
    types = set(db_session.scalars(select(LogEntry.action_type)))
    assert "pretix.event.order.paid" in types
