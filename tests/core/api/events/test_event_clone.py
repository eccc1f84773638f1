"""``POST /organizers/{o}/events/{e}/clone/``: a new event from the body, filled from the source."""

from __future__ import annotations

from sqlalchemy import select

from core.db import scope
from core.models import Item, Organizer
from core.pluginhost import enable_plugin

BODY = {"name": {"en": "Copy"}, "slug": "copy", "date_from": "2031-01-01T10:00:00Z", "currency": "EUR"}


def test_clone_copies_catalogue_settings_and_plugins(api_client, catalogue, db_session, event):
    enable_plugin(db_session, event, "testplugin")
    api_client.patch("/organizers/demo/events/conf/settings/", {"reservation_time": 12})
    cloned = api_client.post("/organizers/demo/events/conf/clone/", BODY, status=201).json
    assert cloned["slug"] == "copy" and cloned["name"] == {"en": "Copy"}
    assert cloned["plugins"] == ["testplugin"] and cloned["is_public"] is True
    assert "valid_keys" not in cloned
    assert api_client.get("/organizers/demo/events/copy/settings/").json["reservation_time"] == 12
    with scope(event.organizer_id):
        names = set(db_session.scalars(select(Item.id).join(Item.event).where(Item.event.has(slug="copy"))))
    assert len(names) == 2


def test_clone_body_decides_plugins_and_is_public(api_client, catalogue, db_session, event):
    enable_plugin(db_session, event, "testplugin")
    cloned = api_client.post("/organizers/demo/events/conf/clone/", {**BODY, "plugins": [], "is_public": False},
                             status=201).json
    assert cloned["plugins"] == [] and cloned["is_public"] is False
    assert list(api_client.post("/organizers/demo/events/conf/clone/", BODY, status=400).json) == ["slug"]
    assert list(api_client.post("/organizers/demo/events/conf/clone/", {**BODY, "slug": "c2", "live": True},
                                status=400).json) == ["live"]


def test_clone_permissions(api_client, make_api_token, organizer, event, db_session):
    writer = make_api_token(organizer, ["event.settings.general:write"])
    assert api_client.post("/organizers/demo/events/conf/clone/", BODY, headers=writer, status=403)
    other = Organizer(slug="other", name="Other")
    db_session.add(other)
    db_session.flush()
    foreign = make_api_token(other, everything=True)
    assert api_client.post("/organizers/demo/events/conf/clone/", BODY, headers=foreign, status=403)
    creator = make_api_token(organizer, ["organizer.events:create"])
    assert api_client.post("/organizers/demo/events/conf/clone/", BODY, headers=creator, status=201)
