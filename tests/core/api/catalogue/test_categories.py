"""Categories through the API: pretix's fields, CRUD, cross-selling, filters, Last-Modified, permissions."""

from __future__ import annotations

BASE = "/organizers/demo/events/conf/categories/"


def test_crud(api_client, catalogue):
    created = api_client.post(BASE, {"name": {"en": "Merch"}, "description": {"en": "Things"}, "position": 2,
                                     "cross_selling_mode": "both", "cross_selling_condition": "products",
                                     "cross_selling_match_products": [catalogue.ticket.id]}, status=201).json
    assert created == {"id": created["id"], "name": {"en": "Merch"}, "internal_name": None,
                       "description": {"en": "Things"}, "position": 2, "is_addon": False,
                       "cross_selling_mode": "both", "cross_selling_condition": "products",
                       "cross_selling_match_products": [catalogue.ticket.id]}
    path = f"{BASE}{created['id']}/"
    api_client.patch(f"/organizers/demo/events/conf/items/{catalogue.shirt.id}/", {"category": created["id"]})
    assert api_client.patch(path, {"internal_name": "m"}).json["internal_name"] == "m"
    replaced = api_client.put(path, {"name": {"en": "Add-ons"}, "is_addon": True}).json
    assert replaced["is_addon"] is True and replaced["cross_selling_mode"] is None
    assert replaced["cross_selling_match_products"] == []
    api_client.delete(path)
    assert api_client.get(path, status=404)
    shirt = api_client.get(f"/organizers/demo/events/conf/items/{catalogue.shirt.id}/").json
    assert shirt["category"] is None


def test_errors_filters_last_modified(api_client, catalogue):
    assert api_client.post(BASE, {}, status=400).json == {"name": ["This field is required."]}
    assert list(api_client.post(BASE, {"name": {"en": "x"}, "cross_selling_mode": "sometimes"},
                                status=400).json) == ["cross_selling_mode"]
    assert api_client.post(BASE, {"name": {"en": "x"}, "cross_selling_match_products": [424242]},
                           status=400).json == {"cross_selling_match_products": [
                               'Invalid pk "424242" - object does not exist.']}
    api_client.post(BASE, {"name": {"en": "Extras"}, "is_addon": True}, status=201)
    api_client.post(BASE, {"name": {"en": "Tickets"}}, status=201)
    assert [c["name"]["en"] for c in api_client.get(BASE + "?is_addon=true").json["results"]] == ["Extras"]
    stamp = api_client.get(BASE).headers["Last-Modified"]
    api_client.get(BASE, headers={**api_client.headers, "If-Modified-Since": stamp}, status=304)


def test_permissions(api_client, make_api_token, organizer, event, db_session):
    from core.models import Organizer

    category = api_client.post(BASE, {"name": {"en": "x"}}, status=201).json
    reader = make_api_token(organizer, ["event.orders:read"])
    assert api_client.get(BASE, headers=reader).json["count"] == 1
    assert api_client.delete(f"{BASE}{category['id']}/", headers=reader, status=403)
    other = Organizer(slug="other", name="Other")
    db_session.add(other)
    db_session.flush()
    foreign = make_api_token(other, everything=True)
    assert api_client.get(f"{BASE}{category['id']}/", headers=foreign, status=403)


def test_deleting_an_addon_category_removes_its_addon_slots(api_client, catalogue):
    extras = api_client.post(BASE, {"name": {"en": "Extras"}, "is_addon": True}, status=201).json
    items = "/organizers/demo/events/conf/items/"
    api_client.post(f"{items}{catalogue.ticket.id}/addons/", {"addon_category": extras["id"]}, status=201)
    api_client.delete(f"{BASE}{extras['id']}/")
    assert api_client.get(f"{items}{catalogue.ticket.id}/").json["addons"] == []
