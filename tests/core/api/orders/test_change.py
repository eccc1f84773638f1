"""The change action: position and fee operations in one step, all or nothing, with field errors for bad ids."""

from __future__ import annotations

from tests.core.api.orders.conftest import BASE


def change(api_client, order, body, status=200):
    return api_client.post(f"{BASE}{order.code}/change/", body, status=status).json


def test_patch_cancel_create_and_fees(api_client, order_factory, catalogue):
    order = order_factory()
    first, second = (p.id for p in order.positions)
    changed = change(api_client, order, {
        "patch_positions": [{"position": first, "body": {"price": "20.00"}}],
        "cancel_positions": [{"position": second}],
        "create_positions": [{"item": catalogue.shirt.id, "variation": catalogue.shirt_l.id}],
        "create_fees": [{"fee_type": "shipping", "value": "4.00", "tax_rule": catalogue.tax.id}],
    })
    assert [p["price"] for p in changed["positions"]] == ["20.00", "17.00"]
    assert changed["total"] == "41.00" and changed["fees"][0]["fee_type"] == "shipping"
    fee = changed["fees"][0]["id"]
    patched = change(api_client, order, {"patch_fees": [{"fee": fee, "body": {"value": "5.00"}}]})
    assert patched["total"] == "42.00"
    dropped = change(api_client, order, {"cancel_fees": [{"fee": fee}]})
    assert dropped["fees"] == [] and dropped["total"] == "37.00"
    with_canceled = api_client.get(f"{BASE}{order.code}/?include_canceled_fees=true&include_canceled_positions=true")
    assert [f["canceled"] for f in with_canceled.json["fees"]] == [True]
    assert len(with_canceled.json["positions"]) == 3


def test_split_makes_a_new_order(api_client, order_factory, db_session):
    from sqlalchemy import func, select

    from core.models import Order

    order = order_factory()
    second = order.positions[1].id
    changed = change(api_client, order, {"split_positions": [{"position": second}]})
    assert len(changed["positions"]) == 1 and changed["total"] == "23.00"
    assert db_session.scalar(select(func.count()).select_from(Order)) == 2


def test_unknown_ids_change_nothing(api_client, order_factory):
    order = order_factory()
    first = order.positions[0].id
    errors = change(api_client, order, {
        "patch_positions": [{"position": first, "body": {"price": "1.00"}}, {"position": 999999, "body": {}}],
        "cancel_fees": [{"fee": 424242}],
    }, status=400)
    assert errors == {"patch_positions": [{}, {"position": ['Invalid pk "999999" - object does not exist.']}],
                      "cancel_fees": [{"fee": ['Invalid pk "424242" - object does not exist.']}]}
    assert api_client.get(f"{BASE}{order.code}/").json["total"] == "46.00"


def test_recalculate_taxes_and_refusals(api_client, order_factory):
    order = order_factory()
    assert change(api_client, order, {"recalculate_taxes": "keep_gross"})["total"] == "46.00"
    assert "recalculate_taxes" in change(api_client, order, {"recalculate_taxes": "nope"}, status=400)
    first, second = (p.id for p in order.positions)
    refused = change(api_client, order, {"cancel_positions": [{"position": first}, {"position": second}]},
                     status=400)
    assert list(refused) == ["detail"]
