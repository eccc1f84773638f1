"""Item meta properties through the API, and the ``meta_data`` they allow on products and variations."""

from __future__ import annotations

BASE = "/organizers/demo/events/conf/item_meta_properties/"
ITEMS = "/organizers/demo/events/conf/items/"


def test_crud_and_meta_data_on_items(api_client, catalogue):
    prop = api_client.post(BASE, {"name": "color", "default": "red", "allowed_values": ["red", "blue"]},
                           status=201).json
    assert prop == {"id": prop["id"], "name": "color", "default": "red", "required": False,
                    "allowed_values": ["red", "blue"]}
    assert api_client.post(BASE, {"name": "color"}, status=400).json == {
        "name": ["An item meta property with this name already exists."]}
    item = api_client.patch(f"{ITEMS}{catalogue.ticket.id}/", {"meta_data": {"color": "blue"}}).json
    assert item["meta_data"] == {"color": "blue"}
    assert list(api_client.patch(f"{ITEMS}{catalogue.ticket.id}/", {"meta_data": {"color": "green"}},
                                 status=400).json) == ["value"]
    assert api_client.patch(f"{ITEMS}{catalogue.ticket.id}/", {"meta_data": {"size": "1"}}, status=400).json == {
        "meta_data": ["Item meta data property 'size' does not exist."]}
    variation = api_client.patch(f"{ITEMS}{catalogue.shirt.id}/variations/{catalogue.shirt_s.id}/",
                                 {"meta_data": {"color": "red"}}).json
    assert variation["meta_data"] == {"color": "red"}
    changed = api_client.patch(f"{BASE}{prop['id']}/", {"allowed_values": None, "required": True}).json
    assert changed["allowed_values"] is None and changed["required"] is True
    assert api_client.get(BASE).json["count"] == 1
    api_client.delete(f"{BASE}{prop['id']}/")
    assert api_client.get(f"{ITEMS}{catalogue.ticket.id}/").json["meta_data"] == {}


def test_permissions(api_client, make_api_token, organizer, event):
    prop = api_client.post(BASE, {"name": "color"}, status=201).json
    reader = make_api_token(organizer, ["event.orders:read"])
    assert api_client.get(f"{BASE}{prop['id']}/", headers=reader).json["name"] == "color"
    assert api_client.put(f"{BASE}{prop['id']}/", {"name": "x"}, headers=reader, status=403)
