"""Products through the API: pretix's shape (samples 06, 07, 14, 35), nested parts, filters, guards, permissions."""

from __future__ import annotations

import pytest

BASE = "/organizers/demo/events/conf/items/"

SAMPLE_KEYS = [
    "id", "category", "name", "internal_name", "active", "all_sales_channels", "limit_sales_channels", "description",
    "default_price", "free_price", "free_price_suggestion", "tax_rate", "tax_rule", "admission", "personalized",
    "position", "picture", "available_from", "available_from_mode", "available_until", "available_until_mode",
    "require_voucher", "hide_without_voucher", "allow_cancel", "require_bundling", "min_per_order", "max_per_order",
    "checkin_attention", "checkin_text", "has_variations", "variations", "addons", "bundles", "program_times",
    "original_price", "require_approval", "generate_tickets", "show_quota_left", "hidden_if_available",
    "hidden_if_item_available", "hidden_if_item_available_mode", "allow_waitinglist", "issue_giftcard", "meta_data",
    "require_membership", "require_membership_types", "require_membership_hidden", "grant_membership_type",
    "grant_membership_duration_like_event", "grant_membership_duration_days", "grant_membership_duration_months",
    "validity_mode", "validity_fixed_from", "validity_fixed_until", "validity_dynamic_duration_minutes",
    "validity_dynamic_duration_hours", "validity_dynamic_duration_days", "validity_dynamic_duration_months",
    "validity_dynamic_start_choice", "validity_dynamic_start_choice_day_limit", "media_policy", "media_type",
    "sales_channels",
]


@pytest.fixture
def tax(api_client, event):
    return api_client.post("/organizers/demo/events/conf/taxrules/", {"name": {"en": "VAT"}, "rate": "19"},
                           status=201).json


def test_create_matches_sample_06(api_client, tax, catalogue):
    created = api_client.post(BASE, {"name": {"en": "Standard Ticket"}, "default_price": "100.00",
                                     "tax_rule": tax["id"], "admission": True, "active": True,
                                     "personalized": True}, status=201).json
    assert list(created) == SAMPLE_KEYS
    assert created == {
        **created, "category": None, "name": {"en": "Standard Ticket"}, "internal_name": None, "active": True,
        "all_sales_channels": True, "limit_sales_channels": [], "description": None, "default_price": "100.00",
        "free_price": False, "free_price_suggestion": None, "tax_rate": "19.00", "tax_rule": tax["id"],
        "admission": True, "personalized": True, "position": 0, "picture": None, "available_from": None,
        "available_from_mode": "hide", "available_until_mode": "hide", "has_variations": False, "variations": [],
        "addons": [], "bundles": [], "program_times": [], "generate_tickets": None, "meta_data": {},
        "grant_membership_duration_like_event": True, "validity_mode": None, "sales_channels": ["web", "api"],
    }
    assert api_client.get(f"{BASE}{created['id']}/").json == created


def test_personalized_follows_admission_by_default(api_client, event):
    addon = api_client.post(BASE, {"name": {"en": "Workshop add-on"}, "default_price": "20.00"}, status=201).json
    assert addon["personalized"] is False and addon["tax_rate"] == "0.00" and addon["tax_rule"] is None
    ticket = api_client.post(BASE, {"name": {"en": "VIP"}, "default_price": "250", "admission": True},
                             status=201).json
    assert ticket["personalized"] is True and ticket["default_price"] == "250.00"


def test_nested_parts_on_create(api_client, catalogue, db_session):
    category = api_client.post("/organizers/demo/events/conf/categories/",
                               {"name": {"en": "Extras"}, "is_addon": True}, status=201).json
    created = api_client.post(BASE, {
        "name": {"en": "Shirt"}, "default_price": "10",
        "variations": [{"value": {"en": "S"}}, {"value": {"en": "M"}, "default_price": "12.50", "position": 1}],
        "addons": [{"addon_category": category["id"], "max_count": 2}],
        "bundles": [{"bundled_item": catalogue.ticket.id, "designated_price": "5"}],
    }, status=201).json
    assert created["has_variations"] is True
    small, medium = created["variations"]
    assert small["value"] == {"en": "S"} and small["price"] == "10.00" and small["default_price"] is None
    assert medium["price"] == "12.50" and medium["sales_channels"] == ["web", "api"]
    assert list(small) == ["id", "value", "default_price", "price", "original_price", "free_price_suggestion",
                           "active", "checkin_attention", "checkin_text", "require_approval", "require_membership",
                           "require_membership_types", "require_membership_hidden", "sales_channels",
                           "all_sales_channels", "limit_sales_channels", "available_from", "available_from_mode",
                           "available_until", "available_until_mode", "hide_without_voucher", "description",
                           "position", "meta_data"]
    assert created["addons"] == [{"id": created["addons"][0]["id"], "addon_category": category["id"],
                                  "min_count": 0, "max_count": 2, "position": 0, "price_included": False,
                                  "multi_allowed": False}]
    assert created["bundles"] == [{"id": created["bundles"][0]["id"], "bundled_item": catalogue.ticket.id,
                                   "bundled_variation": None, "count": 1, "designated_price": "5.00"}]
    refused = api_client.patch(f"{BASE}{created['id']}/", {"variations": []}, status=400).json
    assert refused == {"non_field_errors": [
        "Updating add-ons, bundles, or variations via PATCH/PUT is not supported. Please use the dedicated "
        "nested endpoint."]}


def test_field_errors_change_nothing(api_client, catalogue):
    assert api_client.post(BASE, {"default_price": "1.00"}, status=400).json == {"name": ["This field is required."]}
    assert api_client.post(BASE, {"name": {"en": "x"}, "tax_rule": 999999}, status=400).json == {
        "tax_rule": ['Invalid pk "999999" - object does not exist.']}
    assert list(api_client.post(BASE, {"name": {"en": "x"}, "min_per_order": 5, "max_per_order": 2},
                                status=400).json) == ["min_per_order"]
    assert list(api_client.post(BASE, {"name": {"en": "x"}, "limit_sales_channels": ["nope"]},
                                status=400).json) == ["limit_sales_channels"]
    bad_variation = api_client.post(BASE, {"name": {"en": "x"}, "variations": [{"value": {"en": "a"}}, {}]},
                                    status=400).json
    assert bad_variation == {"variations": [{}, {"value": ["This field is required."]}]}
    bad_addon = api_client.post(BASE, {"name": {"en": "x"}, "addons": [{"addon_category": 424242}]}, status=400).json
    assert bad_addon == {"addons": [{"addon_category": ['Invalid pk "424242" - object does not exist.']}]}
    bad_bundle = api_client.post(BASE, {"name": {"en": "x"}, "bundles": [
        {"bundled_item": catalogue.ticket.id}, {"bundled_item": catalogue.shirt.id}]}, status=400).json
    assert list(bad_bundle) == ["bundles"] and bad_bundle["bundles"][0] == {}
    assert list(bad_bundle["bundles"][1]) == ["bundled_variation"]
    assert api_client.patch(f"{BASE}{catalogue.ticket.id}/", {"active": None}, status=400).json == {
        "active": ["This field may not be null."]}
    assert api_client.patch(f"{BASE}{catalogue.ticket.id}/", {"position": 2**40}, status=400).json == {
        "position": ["Ensure this value is less than or equal to 2147483647."]}
    assert api_client.post(BASE, {"name": {"en": "x"}, "category": 2**70}, status=400).json == {
        "category": ["Ensure this value is less than or equal to 9223372036854775807."]}
    assert api_client.post(BASE, {"name": {"en": "x"}, "default_price": "1.234"}, status=400).json == {
        "default_price": ["Ensure that there are no more than 2 decimal places."]}
    assert api_client.get(f"{BASE}{2**70}/", status=404).json == {"detail": "Not found."}
    assert api_client.get(BASE).json["count"] == 2


def test_patch_put_delete(api_client, catalogue):
    item = api_client.post(BASE, {"name": {"en": "Mug"}, "default_price": "8"}, status=201).json
    patched = api_client.patch(f"{BASE}{item['id']}/", {"default_price": "9.5", "hide_without_voucher": True}).json
    assert patched["default_price"] == "9.50" and patched["require_voucher"] is True
    replaced = api_client.put(f"{BASE}{item['id']}/", {"name": {"de": "Tasse"}}).json
    assert replaced["name"] == {"de": "Tasse"} and replaced["default_price"] == "0.00"
    api_client.delete(f"{BASE}{item['id']}/")
    assert api_client.get(f"{BASE}{item['id']}/", status=404).json == {"detail": "Not found."}


def test_delete_refused_once_ordered(api_client, catalogue, order_factory):
    order_factory()
    assert api_client.delete(f"{BASE}{catalogue.ticket.id}/", status=403).json == {
        "detail": "This item cannot be deleted because it has already been ordered."}
    assert api_client.get(f"{BASE}{catalogue.ticket.id}/").json["id"] == catalogue.ticket.id


def test_filters_and_ordering(api_client, catalogue):
    api_client.post(BASE, {"name": {"en": "Free donation"}, "free_price": True, "active": False}, status=201)
    names = lambda query: [i["name"]["en"] for i in api_client.get(BASE + query).json["results"]]  # noqa: E731
    assert names("?active=false") == ["Free donation"]
    assert names("?free_price=true") == ["Free donation"]
    assert names("?admission=true") == ["Ticket"]
    assert names("?tax_rate=19.00&ordering=-id") == ["Shirt", "Ticket"]
    assert names(f"?tax_rule={catalogue.tax.id}&ordering=id") == ["Ticket", "Shirt"]
    assert names("?search=shir") == ["Shirt"]
    assert api_client.get(BASE + "?ordering=name", status=400).json["ordering"]


def test_list_queries_do_not_grow_with_items(api_client, catalogue, count_queries):
    few = count_queries(BASE)
    for n in range(6):
        api_client.post(BASE, {"name": {"en": f"P{n}"}, "variations": [{"value": {"en": "a"}}, {"value": {"en": "b"}}],
                               "bundles": [{"bundled_item": catalogue.ticket.id}]}, status=201)
    assert count_queries(BASE) == few


def test_last_modified(api_client, catalogue):
    api_client.post(BASE, {"name": {"en": "Mug"}}, status=201)
    stamp = api_client.get(BASE).headers["Last-Modified"]
    api_client.get(BASE, headers={**api_client.headers, "If-Modified-Since": stamp}, status=304)


def test_permissions(api_client, make_api_token, organizer, catalogue, db_session):
    from core.models import Organizer

    reader = make_api_token(organizer, ["event.orders:read"])
    assert api_client.get(BASE, headers=reader).json["count"] == 2
    assert api_client.post(BASE, {"name": {"en": "x"}}, headers=reader, status=403)
    assert api_client.patch(f"{BASE}{catalogue.ticket.id}/", {"active": False}, headers=reader, status=403)
    other = Organizer(slug="other", name="Other")
    db_session.add(other)
    db_session.flush()
    foreign = make_api_token(other, everything=True)
    assert api_client.get(f"{BASE}{catalogue.ticket.id}/", headers=foreign, status=403)
    assert api_client.delete(f"{BASE}{catalogue.ticket.id}/", headers=foreign, status=403)


def test_older_sales_channels_list_is_accepted(api_client, catalogue):
    limited = api_client.post(BASE, {"name": {"en": "Web only"}, "sales_channels": ["web"],
                                     "variations": [{"value": {"en": "a"}, "sales_channels": ["api"]}]},
                              status=201).json
    assert limited["all_sales_channels"] is False and limited["limit_sales_channels"] == ["web"]
    assert limited["sales_channels"] == ["web"]
    assert limited["variations"][0]["limit_sales_channels"] == ["api"]
    everywhere = api_client.patch(f"{BASE}{limited['id']}/", {"sales_channels": ["api", "web"]}).json
    assert everywhere["all_sales_channels"] is True and everywhere["limit_sales_channels"] == []
    explicit = api_client.patch(f"{BASE}{limited['id']}/", {"sales_channels": ["web"], "all_sales_channels": True})
    assert explicit.json["all_sales_channels"] is True


def test_delete_removes_carts_holding_the_item(api_client, catalogue, db_session):
    import datetime as dt
    from decimal import Decimal

    from sqlalchemy import func, select

    from core.models import CartPosition

    item = api_client.post(BASE, {"name": {"en": "Mug"}, "default_price": "8",
                                  "variations": [{"value": {"en": "a"}}, {"value": {"en": "b"}}]}, status=201).json
    for n, variation in enumerate((item["variations"][0]["id"], None)):
        db_session.add(CartPosition(
            event=catalogue.event, organizer_id=catalogue.event.organizer_id, cart_id=f"c{n}", item_id=item["id"],
            variation_id=variation, price=Decimal("8"), listed_price=Decimal("8"), price_after_voucher=Decimal("8"),
            line_price_gross=Decimal("8"), expires=dt.datetime.now(dt.UTC) + dt.timedelta(minutes=30)))
    db_session.flush()
    api_client.delete(f"{BASE}{item['id']}/variations/{item['variations'][0]['id']}/")
    assert db_session.scalar(select(func.count()).select_from(CartPosition)) == 1
    api_client.delete(f"{BASE}{item['id']}/")
    assert db_session.scalar(select(func.count()).select_from(CartPosition)) == 0
