"""Transactions through the API: pretix's shape, filters, organizer-wide list, permissions."""

from __future__ import annotations

BASE = "/organizers/demo/events/conf/transactions/"


def test_list_shape_and_filters(api_client, order_factory, catalogue):
    order = order_factory(fees=[("payment", "1.50")])
    other = order_factory(items=[(catalogue.shirt, catalogue.shirt_l, "17.00")])
    page = api_client.get(BASE).json
    assert page["count"] == 4
    first = next(r for r in page["results"] if r["order"] == order.code and r["positionid"] == 1)
    assert first == {
        "id": first["id"], "order": order.code, "count": 1, "created": first["created"],
        "datetime": first["datetime"], "item": catalogue.ticket.id, "variation": None, "positionid": 1,
        "price": "23.00", "subevent": None, "tax_code": "S/standard", "tax_rate": "19.00",
        "tax_rule": catalogue.tax.id, "tax_value": "3.67", "fee_type": None, "internal_type": None,
    }
    assert first["created"].endswith("Z")
    fees = api_client.get(BASE + "?fee_type=payment").json["results"]
    assert [(f["fee_type"], f["price"], f["positionid"], f["item"]) for f in fees] == [("payment", "1.50", None, None)]
    assert api_client.get(BASE + f"?order={other.code}").json["count"] == 1
    assert api_client.get(BASE + f"?item__in={catalogue.ticket.id},{catalogue.shirt.id}").json["count"] == 3
    assert api_client.get(BASE + f"?variation={catalogue.shirt_l.id}").json["count"] == 1
    assert api_client.get(BASE + "?tax_rate__in=19,7").json["count"] == 4
    assert api_client.get(BASE + "?tax_code=E").json["count"] == 0
    assert api_client.get(BASE + "?datetime_since=2001-01-01T00:00:00Z").json["count"] == 4
    assert api_client.get(BASE + "?created_before=2001-01-01T00:00:00").json["count"] == 0
    assert api_client.get(BASE + "?item__in=1,x", status=400).json == {"item__in": ["Enter a number."]}
    assert "datetime_since" in api_client.get(BASE + "?datetime_since=yesterday", status=400).json
    ids = [r["id"] for r in api_client.get(BASE + "?ordering=-id").json["results"]]
    assert ids == sorted(ids, reverse=True)


def test_organizer_list_carries_the_event(api_client, order_factory):
    order_factory()
    page = api_client.get("/organizers/demo/transactions/").json
    assert page["count"] == 2
    assert page["results"][0]["event"] == "conf"
    assert list(page["results"][0])[:3] == ["id", "event", "order"]
    assert api_client.get("/organizers/demo/transactions/?event=conf").json["count"] == 2
    assert api_client.get("/organizers/demo/transactions/?event=nope").json["count"] == 0


def test_permissions(app, api_client, make_api_token, organizer, order_factory, db_session):
    from core.models import Organizer

    order_factory()
    assert app.get("/api/v1" + BASE, status=401)
    no_orders = make_api_token(organizer, ["event.items:write"])
    api_client.get(BASE, headers=no_orders, status=403)
    assert api_client.get("/organizers/demo/transactions/", headers=no_orders).json["count"] == 0
    reader = make_api_token(organizer, ["event.orders:read"])
    assert api_client.get(BASE, headers=reader).json["count"] == 2
    other = Organizer(slug="other", name="Other")
    db_session.add(other)
    db_session.flush()
    foreign = make_api_token(other, everything=True)
    api_client.get(BASE, headers=foreign, status=403)
    api_client.get("/organizers/demo/transactions/", headers=foreign, status=403)
