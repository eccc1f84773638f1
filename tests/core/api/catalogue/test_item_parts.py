"""Variations, add-ons and bundles through their own endpoints: CRUD, guards, field errors, permissions."""

from __future__ import annotations

ITEMS = "/organizers/demo/events/conf/items/"


def test_variations_crud_and_guards(api_client, catalogue, order_factory):
    base = f"{ITEMS}{catalogue.shirt.id}/variations/"
    listed = api_client.get(base).json
    assert [v["value"]["en"] for v in listed["results"]] == ["S", "L"]
    assert listed["results"][1]["price"] == "17.00" and listed["results"][0]["price"] == "15.00"
    medium = api_client.post(base, {"value": {"en": "M"}, "default_price": "16", "position": 1}, status=201).json
    assert medium["price"] == "16.00" and medium["meta_data"] == {}
    assert api_client.patch(f"{base}{medium['id']}/", {"active": False}).json["active"] is False
    assert api_client.put(f"{base}{medium['id']}/", {"value": {"en": "Medium"}}).json["default_price"] is None
    assert list(api_client.post(base, {"value": {"en": "x"}, "default_price": "-1"}, status=400).json) == [
        "default_price"]
    order_factory(items=[(catalogue.shirt, catalogue.shirt_s, "15.00")])
    assert api_client.delete(f"{base}{catalogue.shirt_s.id}/", status=403).json == {
        "detail": "This variation cannot be deleted because it has already been ordered."}
    api_client.delete(f"{base}{medium['id']}/")
    assert api_client.get(f"{base}{medium['id']}/", status=404)
    single = api_client.post(ITEMS, {"name": {"en": "Cap"}, "variations": [{"value": {"en": "One size"}}]},
                             status=201).json
    only = single["variations"][0]["id"]
    assert api_client.delete(f"{ITEMS}{single['id']}/variations/{only}/", status=403).json["detail"].startswith(
        "This variation cannot be deleted because it is the only variation.")
    assert api_client.get(f"{ITEMS}{catalogue.ticket.id}/variations/{catalogue.shirt_s.id}/", status=404)


def test_addons_crud(api_client, catalogue):
    extras = api_client.post("/organizers/demo/events/conf/categories/", {"name": {"en": "Extras"}, "is_addon": True},
                             status=201).json
    base = f"{ITEMS}{catalogue.ticket.id}/addons/"
    addon = api_client.post(base, {"addon_category": extras["id"], "min_count": 1, "max_count": 3}, status=201).json
    assert addon == {"id": addon["id"], "addon_category": extras["id"], "min_count": 1, "max_count": 3,
                     "position": 0, "price_included": False, "multi_allowed": False}
    assert api_client.post(base, {"addon_category": extras["id"]}, status=400).json == {
        "addon_category": ["The item already has an add-on of this category."]}
    assert list(api_client.patch(f"{base}{addon['id']}/", {"min_count": 5}, status=400).json) == ["min_count"]
    assert api_client.patch(f"{base}{addon['id']}/", {"price_included": True}).json["price_included"] is True
    assert api_client.get(f"{ITEMS}{catalogue.ticket.id}/").json["addons"][0]["price_included"] is True
    api_client.delete(f"{base}{addon['id']}/")
    assert api_client.get(base).json["count"] == 0


def test_bundles_crud(api_client, catalogue):
    base = f"{ITEMS}{catalogue.ticket.id}/bundles/"
    assert list(api_client.post(base, {"bundled_item": catalogue.shirt.id}, status=400).json) == [
        "bundled_variation"]
    assert list(api_client.post(base, {"bundled_item": catalogue.ticket.id}, status=400).json) == ["bundled_item"]
    bundle = api_client.post(base, {"bundled_item": catalogue.shirt.id, "bundled_variation": catalogue.shirt_l.id,
                                    "count": 2, "designated_price": "3.5"}, status=201).json
    assert bundle == {"id": bundle["id"], "bundled_item": catalogue.shirt.id,
                      "bundled_variation": catalogue.shirt_l.id, "count": 2, "designated_price": "3.50"}
    assert list(api_client.patch(f"{base}{bundle['id']}/", {"count": 0}, status=400).json) == ["count"]
    assert api_client.patch(f"{base}{bundle['id']}/", {"count": 3}).json["count"] == 3
    api_client.delete(f"{base}{bundle['id']}/")
    assert api_client.get(f"{ITEMS}{catalogue.ticket.id}/").json["bundles"] == []


def test_changes_of_parts_set_the_item_list_last_modified(api_client, catalogue):
    assert "Last-Modified" not in api_client.get(ITEMS).headers
    api_client.post(f"{ITEMS}{catalogue.shirt.id}/variations/", {"value": {"en": "XL"}}, status=201)
    stamp = api_client.get(ITEMS).headers["Last-Modified"]
    api_client.get(ITEMS, headers={**api_client.headers, "If-Modified-Since": stamp}, status=304)


def test_permissions(api_client, make_api_token, organizer, catalogue, db_session):
    from core.models import Organizer

    reader = make_api_token(organizer, ["event.orders:read"])
    base = f"{ITEMS}{catalogue.shirt.id}/variations/"
    assert api_client.get(base, headers=reader).json["count"] == 2
    assert api_client.post(base, {"value": {"en": "x"}}, headers=reader, status=403)
    other = Organizer(slug="other", name="Other")
    db_session.add(other)
    db_session.flush()
    foreign = make_api_token(other, everything=True)
    assert api_client.get(f"{base}{catalogue.shirt_s.id}/", headers=foreign, status=403)
