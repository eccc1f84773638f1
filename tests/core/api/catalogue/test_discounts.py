"""Discounts through the API: pretix's fields, validation, filters, delete guard, Last-Modified, permissions."""

from __future__ import annotations

from sqlalchemy import update

BASE = "/organizers/demo/events/conf/discounts/"
KEYS = [
    "id", "active", "internal_name", "position", "all_sales_channels", "limit_sales_channels", "sales_channels",
    "available_from", "available_until", "subevent_mode", "subevent_date_from", "subevent_date_until",
    "condition_all_products", "condition_limit_products", "condition_apply_to_addons",
    "condition_ignore_voucher_discounted", "condition_min_count", "condition_min_value", "benefit_same_products",
    "benefit_limit_products", "benefit_discount_matching_percent", "benefit_only_apply_to_cheapest_n_matches",
    "benefit_apply_to_addons", "benefit_ignore_voucher_discounted",
]


def test_create_shape_and_round_trip(api_client, catalogue):
    created = api_client.post(BASE, {
        "internal_name": "3 for 2", "condition_all_products": False, "condition_limit_products": [catalogue.ticket.id],
        "condition_min_count": 3, "benefit_discount_matching_percent": "100",
        "benefit_only_apply_to_cheapest_n_matches": 1, "all_sales_channels": False, "limit_sales_channels": ["web"],
        "available_from": "2030-01-01T10:00:00+01:00",
    }, status=201).json
    assert list(created) == KEYS
    assert created == {
        **created, "active": True, "position": 0, "sales_channels": ["web"], "limit_sales_channels": ["web"],
        "available_from": "2030-01-01T09:00:00Z", "available_until": None, "subevent_mode": "mixed",
        "condition_limit_products": [catalogue.ticket.id], "condition_min_count": 3, "condition_min_value": "0.00",
        "benefit_limit_products": [], "benefit_discount_matching_percent": "100.00",
        "benefit_only_apply_to_cheapest_n_matches": 1,
    }
    assert api_client.get(f"{BASE}{created['id']}/").json == created


def test_validation_patch_filters(api_client, catalogue):
    assert list(api_client.post(BASE, {"internal_name": "x"}, status=400).json) == ["condition_min_value"]
    assert api_client.post(BASE, {"internal_name": "x", "condition_min_count": 1,
                                  "benefit_discount_matching_percent": "101"}, status=400).json == {
        "benefit_discount_matching_percent": ["Ensure this value is less than or equal to 100."]}
    discount = api_client.post(BASE, {"internal_name": "Group", "condition_min_count": 5,
                                      "benefit_discount_matching_percent": "10"}, status=201).json
    patched = api_client.patch(f"{BASE}{discount['id']}/", {"active": False, "condition_min_count": 6}).json
    assert patched["active"] is False and patched["condition_min_count"] == 6
    assert api_client.get(BASE + "?active=false").json["count"] == 1
    assert api_client.get(BASE + "?active=true").json["count"] == 0
    stamp = api_client.get(BASE).headers["Last-Modified"]
    api_client.get(BASE, headers={**api_client.headers, "If-Modified-Since": stamp}, status=304)


def test_delete_refused_once_used(api_client, catalogue, order_factory, db_session):
    from core.models import OrderPosition

    discount = api_client.post(BASE, {"internal_name": "Group", "condition_min_count": 2,
                                      "benefit_discount_matching_percent": "10"}, status=201).json
    unused = api_client.post(BASE, {"internal_name": "Other", "condition_min_count": 2,
                                    "benefit_discount_matching_percent": "5"}, status=201).json
    order = order_factory()
    db_session.execute(update(OrderPosition).where(OrderPosition.order_id == order.id).values(
        discount_id=discount["id"]))
    assert api_client.delete(f"{BASE}{discount['id']}/", status=403).json == {
        "detail": "This discount can not be deleted as it has already been used."}
    api_client.delete(f"{BASE}{unused['id']}/")
    assert [d["id"] for d in api_client.get(BASE).json["results"]] == [discount["id"]]


def test_permissions(api_client, make_api_token, organizer, catalogue, db_session):
    from core.models import Organizer

    discount = api_client.post(BASE, {"internal_name": "Group", "condition_min_count": 2,
                                      "benefit_discount_matching_percent": "10"}, status=201).json
    reader = make_api_token(organizer, ["event.orders:read"])
    assert api_client.get(BASE, headers=reader).json["count"] == 1
    assert api_client.delete(f"{BASE}{discount['id']}/", headers=reader, status=403)
    other = Organizer(slug="other", name="Other")
    db_session.add(other)
    db_session.flush()
    foreign = make_api_token(other, everything=True)
    assert api_client.get(f"{BASE}{discount['id']}/", headers=foreign, status=403)


def test_list_queries_do_not_grow(api_client, catalogue, count_queries):
    body = {"internal_name": "Group", "condition_min_count": 2, "benefit_discount_matching_percent": "10",
            "condition_all_products": False, "condition_limit_products": [catalogue.ticket.id],
            "all_sales_channels": False, "limit_sales_channels": ["web"]}
    api_client.post(BASE, body, status=201)
    few = count_queries(BASE)
    for _ in range(5):
        api_client.post(BASE, body, status=201)
    assert count_queries(BASE) == few
