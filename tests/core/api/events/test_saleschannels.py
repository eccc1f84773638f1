"""Sales channels through the API: pretix's shape, API channels only, immutable identifier, delete guards."""

from __future__ import annotations

from core.models import Organizer

BASE = "/organizers/demo/saleschannels/"
FORBIDDEN = {"detail": "You do not have permission to perform this action."}


def test_list_detail_create_patch_delete(api_client, channels):
    listed = api_client.get(BASE).json
    assert listed["count"] == 2
    assert {c["identifier"] for c in listed["results"]} == {"web", "api"}
    web = api_client.get(BASE + "web/").json
    assert web == {"identifier": "web", "label": web["label"], "type": "web", "position": web["position"]}
    created = api_client.post(BASE, {"identifier": "api.reseller", "label": {"en": "Reseller"}, "type": "api",
                                     "position": 7}, status=201).json
    assert created == {"identifier": "api.reseller", "label": {"en": "Reseller"}, "type": "api", "position": 7}
    patched = api_client.patch(BASE + "api.reseller/", {"label": {"de": "Wiederverkauf"}, "position": 2}).json
    assert patched == {"identifier": "api.reseller", "label": {"de": "Wiederverkauf"}, "type": "api", "position": 2}
    assert list(api_client.patch(BASE + "api.reseller/", {"identifier": "api.x"}, status=400).json) == [
        "identifier"]
    api_client.delete(BASE + "api.reseller/")
    assert api_client.get(BASE + "api.reseller/", status=404).json == {"detail": "Not found."}
    assert api_client.delete(BASE + "web/", status=403).json["detail"]


def test_create_rules(api_client, channels):
    assert list(api_client.post(BASE, {"identifier": "web.two", "label": "x", "type": "web"}, status=400).json) == [
        "type"]
    assert list(api_client.post(BASE, {"identifier": "reseller", "label": "x", "type": "api"}, status=400).json) == [
        "identifier"]
    api_client.post(BASE, {"identifier": "api.one", "label": "x", "type": "api"}, status=201)
    assert list(api_client.post(BASE, {"identifier": "api.one", "label": "x", "type": "api"}, status=400).json) == [
        "identifier"]
    assert api_client.post(BASE, {"label": "x"}, status=400).json == {
        "identifier": ["This field is required."], "type": ["This field is required."]}


def test_channel_with_orders_cannot_be_deleted(api_client, order_factory):
    order = order_factory()
    assert api_client.delete(f"{BASE}{order.sales_channel.identifier}/", status=403)


def test_permissions(api_client, make_api_token, organizer, channels, db_session):
    reader = make_api_token(organizer, ["event.orders:read"])
    assert api_client.get(BASE, headers=reader).json["count"] == 2
    body = {"identifier": "api.x", "label": "x", "type": "api"}
    assert api_client.post(BASE, body, headers=reader, status=403).json == FORBIDDEN
    other = Organizer(slug="other", name="Other")
    db_session.add(other)
    db_session.flush()
    foreign = make_api_token(other, everything=True)
    assert api_client.get(BASE, headers=foreign, status=403)
    assert api_client.patch(BASE + "web/", {"position": 9}, headers=foreign, status=403)
