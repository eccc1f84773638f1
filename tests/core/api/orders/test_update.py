"""PATCH and DELETE of orders: changeable fields, audit log, invoice address, test mode only deletion."""

from __future__ import annotations

from sqlalchemy import func, select

from core.models import LogEntry, Order
from tests.core.api.orders.conftest import BASE


def test_patch_fields_and_log(api_client, order_factory, db_session):
    order = order_factory()
    patched = api_client.patch(f"{BASE}{order.code}/", {
        "email": "new@example.org", "phone": "+4930123", "locale": "de", "comment": "VIP",
        "custom_followup_at": "2026-12-24", "checkin_attention": True, "checkin_text": "Badge",
        "valid_if_pending": True, "api_meta": {"crm": 7},
    }).json
    assert patched["email"] == "new@example.org" and patched["phone"] == "+4930123" and patched["locale"] == "de"
    assert patched["comment"] == "VIP" and patched["custom_followup_at"] == "2026-12-24"
    assert patched["checkin_attention"] is True and patched["checkin_text"] == "Badge"
    assert patched["valid_if_pending"] is True and patched["api_meta"] == {"crm": 7}
    types = set(db_session.scalars(select(LogEntry.action_type)))
    assert {"pretix.event.order.contact.changed", "pretix.event.order.comment"} <= types
    unchanged = api_client.patch(f"{BASE}{order.code}/", {"comment": "VIP"}).json
    assert unchanged["comment"] == "VIP"


def test_patch_invoice_address(api_client, order_factory):
    order = order_factory()
    address = api_client.patch(f"{BASE}{order.code}/", {"invoice_address": {
        "company": "Acme", "name_parts": {"full_name": "Ann Acme"}, "street": "Main 1", "zipcode": "10115",
        "city": "Berlin", "country": "de", "is_business": True, "vat_id": "DE123"}}).json["invoice_address"]
    assert address["company"] == "Acme" and address["name"] == "Ann Acme" and address["country"] == "DE"
    assert address["is_business"] is True and address["last_modified"].endswith("Z")
    assert list(address) == ["last_modified", "is_business", "company", "name", "name_parts", "street", "zipcode",
                             "city", "country", "state", "vat_id", "vat_id_validated", "custom_field",
                             "internal_reference", "transmission_type", "transmission_info"]


def test_patch_errors(api_client, order_factory):
    order = order_factory()
    assert api_client.patch(f"{BASE}{order.code}/", {"email": "nope"}, status=400).json == {
        "email": ["Enter a valid email address."]}
    assert api_client.patch(f"{BASE}{order.code}/", {"checkin_attention": "x"}, status=400).json == {
        "checkin_attention": ["Must be a valid boolean."]}
    assert api_client.patch(f"{BASE}ZZZZZ/", {"comment": "x"}, status=404).json == {
        "detail": "No Order matches the given query."}


def test_delete_only_test_mode(api_client, order_factory, db_session):
    live = order_factory()
    assert api_client.delete(f"{BASE}{live.code}/", status=403).json == {
        "detail": "Only test mode orders can be deleted."}
    test = order_factory(testmode=True, status="p", paid=True)
    api_client.delete(f"{BASE}{test.code}/")
    assert db_session.scalar(select(func.count()).select_from(Order)) == 1
    api_client.get(f"{BASE}{test.code}/", status=404)
    assert "pretix.event.order.deleted" in set(db_session.scalars(select(LogEntry.action_type)))
