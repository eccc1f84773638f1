"""The order JSON: every key of pretix's order, position, fee, payment and refund objects, value formats."""

from __future__ import annotations

from tests.core.api.orders.conftest import BASE

ORDER_KEYS = [
    "code", "event", "status", "testmode", "secret", "email", "phone", "locale", "datetime", "expires",
    "payment_date", "payment_provider", "fees", "total", "tax_rounding_mode", "comment", "custom_followup_at",
    "invoice_address", "positions", "downloads", "checkin_attention", "checkin_text", "last_modified", "payments",
    "refunds", "require_approval", "sales_channel", "url", "customer", "valid_if_pending", "api_meta",
    "cancellation_date", "plugin_data",
]
POSITION_KEYS = [
    "id", "order", "positionid", "item", "variation", "price", "attendee_name", "attendee_name_parts", "company",
    "street", "zipcode", "city", "country", "state", "discount", "attendee_email", "voucher", "tax_rate", "tax_value",
    "secret", "addon_to", "subevent", "checkins", "print_logs", "downloads", "answers", "tax_rule",
    "pseudonymization_id", "seat", "canceled", "tax_code", "valid_from", "valid_until", "blocked",
    "voucher_budget_use", "plugin_data",
]


def test_detail_has_pretix_keys_and_formats(api_client, order_factory):
    order = order_factory(status="p", paid=True)
    data = api_client.get(f"{BASE}{order.code}/").json
    assert list(data) == ORDER_KEYS
    assert list(data["positions"][0]) == POSITION_KEYS
    assert data["event"] == "conf" and data["status"] == "p" and data["total"] == "46.00"
    assert data["sales_channel"] == "web" and data["comment"] == "" and data["customer"] is None
    assert data["datetime"].endswith("Z") and len(data["payment_date"]) == 10
    assert data["url"].endswith(f"/demo/conf/order/{order.code}/{order.secret}/")
    payment = data["payments"][0]
    assert list(payment) == ["local_id", "state", "amount", "created", "payment_date", "provider", "payment_url",
                             "details"]
    assert payment["state"] == "confirmed" and payment["payment_url"] is None and payment["amount"] == "46.00"
    position = data["positions"][0]
    assert position["order"] == order.code and position["price"] == "23.00" and position["tax_rate"] == "19.00"
    assert position["checkins"] == [] and position["answers"] == [] and position["plugin_data"] == {}


def test_unknown_order_is_404(api_client, event):
    assert api_client.get(f"{BASE}ZZZZZ/", status=404).json == {"detail": "No Order matches the given query."}
