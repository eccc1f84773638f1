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


def test_fees_refunds_and_answers(api_client, order_factory, catalogue, db_session):
    from decimal import Decimal

    from core.i18n import I18nString
    from core.models import OrderRefund, Question, QuestionAnswer, QuestionOption

    order = order_factory(status="p", paid=True, fees=[("shipping", "5.00")])
    payment = order.payments[0]
    db_session.add(OrderRefund(order=order, organizer_id=order.organizer_id, local_id=1, state="done",
                               source="admin", amount=Decimal("10.00"), payment=payment, provider="manual"))
    question = Question(event=catalogue.event, organizer_id=order.organizer_id, question=I18nString({"en": "Size"}),
                        type="C", identifier="SIZE")
    option = QuestionOption(question=question, organizer_id=order.organizer_id, answer=I18nString({"en": "M"}),
                            identifier="M")
    db_session.add_all([question, option])
    db_session.flush()
    db_session.add(QuestionAnswer(question=question, organizer_id=order.organizer_id, answer="M",
                                  orderposition=order.positions[0], options=[option]))
    db_session.flush()
    data = api_client.get(f"{BASE}{order.code}/").json
    assert data["fees"] == [{"id": data["fees"][0]["id"], "fee_type": "shipping", "value": "5.00", "description": "",
                             "internal_type": "", "tax_rate": "19.00", "tax_value": "0.80",
                             "tax_rule": catalogue.tax.id, "tax_code": data["fees"][0]["tax_code"],
                             "canceled": False}]
    refund = data["refunds"][0]
    assert list(refund) == ["local_id", "state", "source", "amount", "payment", "created", "execution_date",
                            "comment", "provider", "details"]
    assert refund["payment"] == payment.local_id and refund["amount"] == "10.00"
    assert data["positions"][0]["answers"] == [{"question": question.id, "answer": "M", "question_identifier": "SIZE",
                                                "options": [option.id], "option_identifiers": ["M"]}]
