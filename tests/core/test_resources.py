"""The event and organizer of an event route: from the process cache while their versions stay, read again after
any change of either (the cross-transaction invalidation by versions is tested in ``test_config_cache``)."""

from __future__ import annotations

PATH = "/organizers/demo/events/conf/"


def _event_loads(statements):
    # the cached rows' versions are read with a narrow statement; the full rows start with the organizer's columns
    return [s for s in statements if s.startswith("SELECT organizer.id, organizer.slug")]


def test_the_next_request_takes_the_event_from_the_cache_until_it_changes(api_client, event, record_statements):
    api_client.get(PATH)
    with record_statements() as second:
        assert api_client.get(PATH).json["name"]["en"] == "Conference"
    assert _event_loads(second) == []
    api_client.patch(PATH, {"name": {"en": "Renamed"}})
    with record_statements() as third:
        assert api_client.get(PATH).json["name"]["en"] == "Renamed"
    assert len(_event_loads(third)) == 1
    api_client.patch("/organizers/demo/settings/", {"locale": "de"})  # organizer-level change: a new key too
    with record_statements() as fourth:
        api_client.get(PATH)
    assert len(_event_loads(fourth)) == 1
