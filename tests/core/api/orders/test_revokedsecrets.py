"""Revoked ticket secrets through the API: shape, ordering, ``created_since``, ``X-Page-Generated``."""

from __future__ import annotations

import datetime as dt

BASE = "/organizers/demo/events/conf/revokedsecrets/"


def test_list(api_client, event, db_session, order_factory):
    from core.models import RevokedTicketSecret

    order = order_factory()
    old = RevokedTicketSecret(event_id=event.id, organizer_id=event.organizer_id, secret="aaa",
                              position_id=order.positions[0].id,
                              created=dt.datetime(2020, 1, 1, tzinfo=dt.UTC))
    new = RevokedTicketSecret(event_id=event.id, organizer_id=event.organizer_id, secret="bbb")
    db_session.add_all([old, new])
    db_session.flush()
    response = api_client.get(BASE)
    assert response.headers["X-Page-Generated"].endswith("Z")
    results = response.json["results"]
    assert [r["secret"] for r in results] == ["bbb", "aaa"]
    assert results[1] == {"id": old.id, "secret": "aaa", "created": "2020-01-01T00:00:00Z"}
    assert [r["secret"] for r in api_client.get(BASE + "?ordering=secret").json["results"]] == ["aaa", "bbb"]
    assert [r["secret"] for r in api_client.get(BASE + "?created_since=2021-01-01T00:00:00Z").json["results"]] == [
        "bbb"]


def test_permissions(api_client, make_api_token, organizer, event):
    api_client.get(BASE, headers=make_api_token(organizer, ["event.items:write"]), status=403)
    assert api_client.get(BASE, headers=make_api_token(organizer, ["event.orders:read"])).json["count"] == 0
