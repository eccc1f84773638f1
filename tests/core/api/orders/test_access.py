"""Who may read and write orders, the organizer-wide list, and plugin_data providers (IOrderApiData)."""

from __future__ import annotations

import pytest
from zope.interface import implementer

from core.interfaces.api import IOrderApiData
from core.interfaces.scopes import IEvent
from tests.core.api.orders.conftest import BASE

ORGANIZER_LIST = "/organizers/demo/orders/"


def test_read_only_team(api_client, make_api_token, organizer, order_factory):
    order = order_factory()
    reader = make_api_token(organizer, ["event.orders:read"])
    assert api_client.get(BASE, headers=reader).json["count"] == 1
    assert api_client.get(f"{BASE}{order.code}/", headers=reader).json["code"] == order.code
    denied = {"detail": "You do not have permission to perform this action."}
    assert api_client.post(f"{BASE}{order.code}/mark_paid/", {}, headers=reader, status=403).json == denied
    assert api_client.patch(f"{BASE}{order.code}/", {"comment": "x"}, headers=reader, status=403).json == denied
    assert api_client.post(BASE, {"positions": []}, headers=reader, status=403).json == denied
    nothing = make_api_token(organizer, ["event.vouchers:read"])
    assert api_client.get(BASE, headers=nothing, status=403).json == denied


def test_other_organizer_is_refused(api_client, make_api_token, order_factory, db_session):
    from core.models import Organizer

    order = order_factory()
    other = Organizer(slug="other", name="Other")
    db_session.add(other)
    db_session.flush()
    foreign = make_api_token(other, everything=True)
    api_client.get(BASE, headers=foreign, status=403)
    api_client.get(f"{BASE}{order.code}/", headers=foreign, status=403)
    api_client.post(f"{BASE}{order.code}/mark_canceled/", {}, headers=foreign, status=403)
    api_client.get(ORGANIZER_LIST, headers=foreign, status=403)
    assert api_client.get(f"{BASE}{order.code}/").json["status"] == "n"


def test_organizer_list_filters_events_by_permission(api_client, make_api_token, organizer, order_factory,
                                                     db_session, event):
    from core.models import Event

    order_factory(code="MAINX")
    second = Event(organizer=organizer, slug="second", name={"en": "Second"}, currency="EUR",
                   date_from=event.date_from)
    db_session.add(second)
    db_session.flush()
    limited = make_api_token(organizer, ["event.orders:read"], limit_events=[second])
    assert api_client.get(ORGANIZER_LIST, headers=limited).json["count"] == 0
    everything = api_client.get(ORGANIZER_LIST).json
    assert [o["code"] for o in everything["results"]] == ["MAINX"] and everything["results"][0]["event"] == "conf"
    assert api_client.get(ORGANIZER_LIST + "?event=second").json["count"] == 0
    assert "X-Page-Generated" in api_client.get(ORGANIZER_LIST).headers


@implementer(IOrderApiData)
class Robust:
    def __init__(self, event):
        self.event = event

    def order_data(self, orders):
        return {o.id: {"robust_order": o.code} for o in orders}

    def position_data(self, positions):
        return {p.id: {"robust_position": p.positionid} for p in positions}


@implementer(IOrderApiData)
class Broken(Robust):
    def order_data(self, orders):
        raise RuntimeError("boom")


@pytest.fixture
def providers(registry):
    for name, factory in (("robust", Robust), ("broken", Broken)):
        registry.registerAdapter(factory, (IEvent,), IOrderApiData, name=name)
    yield
    for name in ("robust", "broken"):
        registry.unregisterAdapter(required=(IEvent,), provided=IOrderApiData, name=name)


def test_plugin_data_from_providers_failing_one_skipped(api_client, order_factory, providers, caplog):
    order = order_factory()
    data = api_client.get(f"{BASE}{order.code}/").json
    assert data["plugin_data"] == {"robust_order": order.code}
    assert [p["plugin_data"] for p in data["positions"]] == [{"robust_position": 1}, {"robust_position": 2}]
    assert "IOrderApiData provider 'broken' failed" in caplog.text
