"""Webhooks through the API: pretix's shapes and errors, the secret, permissions, delivery log, resend, isolation."""

from __future__ import annotations

from typing import Any

from core.db import scope
from core.logs import log_action
from core.models import Organizer
from core.services.webhooks import create_webhook
from core.webhooks.delivery import SIGNATURE_HEADER, verify_signature

BASE = "/organizers/demo/webhooks/"
PLACED = "pretix.event.order.placed"
BODY = {"target_url": "https://hooks.example.org/in", "action_types": [PLACED, "pretix.event.order.changed.*"]}


def test_create_answers_pretix_shape_plus_the_secret_once(api_client: Any, event: Any) -> None:
    created = api_client.post(BASE, {**BODY, "all_events": False, "limit_events": ["conf"], "comment": "CRM"},
                              status=201).json
    secret = created.pop("secret")
    assert len(secret) == 64
    assert created == {
        "id": created["id"], "enabled": True, "target_url": "https://hooks.example.org/in", "all_events": False,
        "limit_events": ["conf"], "action_types": [PLACED, "pretix.event.order.changed.*"], "comment": "CRM",
    }
    assert api_client.get(f"{BASE}{created['id']}/").json == created
    listed = api_client.get(BASE).json
    assert listed == {"count": 1, "next": None, "previous": None, "results": [created]}


def test_field_errors_change_nothing(api_client: Any, event: Any) -> None:
    assert api_client.post(BASE, {"target_url": "https://x.example.org/"}, status=400).json == {
        "action_types": ["This field is required."]}
    assert api_client.post(BASE, {"action_types": [PLACED]}, status=400).json == {
        "target_url": ["This field is required."]}
    assert api_client.post(BASE, {**BODY, "target_url": "mailto:x@example.org"}, status=400).json == {
        "target_url": ["Enter a valid URL."]}
    assert api_client.post(BASE, {**BODY, "action_types": ["pretix.nope"]}, status=400).json == {
        "action_types": ['Invalid action type "pretix.nope".']}
    assert api_client.post(BASE, {**BODY, "limit_events": ["nope"]}, status=400).json == {
        "limit_events": ["Object with slug=nope does not exist."]}
    assert list(api_client.post(BASE, {**BODY, "enabled": "maybe"}, status=400).json) == ["enabled"]
    assert api_client.get(BASE).json["count"] == 0


def test_patch_put_delete(api_client: Any, event: Any) -> None:
    hook = api_client.post(BASE, {**BODY, "comment": "x"}, status=201).json
    path = f"{BASE}{hook['id']}/"
    patched = api_client.patch(path, {"enabled": False, "all_events": False, "limit_events": ["conf"]}).json
    assert (patched["enabled"], patched["all_events"], patched["limit_events"], patched["comment"]) == (
        False, False, ["conf"], "x")
    assert "secret" not in patched
    assert api_client.patch(path, {"target_url": None}, status=400).json == {
        "target_url": ["This field may not be null."]}
    replaced = api_client.put(path, {"target_url": "https://new.example.org/", "action_types": [PLACED]}).json
    assert replaced == {"id": hook["id"], "enabled": True, "target_url": "https://new.example.org/",
                        "all_events": True, "limit_events": [], "action_types": [PLACED], "comment": None}
    api_client.delete(path)
    assert api_client.get(path, status=404).json == {"detail": "Not found."}


def test_permissions_and_isolation(app: Any, api_client: Any, make_api_token: Any, organizer: Organizer,
                                   db_session: Any, event: Any) -> None:
    assert app.get("/api/v1" + BASE, status=401).json == {"detail": "Authentication credentials were not provided."}
    denied = {"detail": "You do not have permission to perform this action."}
    reader = make_api_token(organizer, ["event.orders:read", "event.orders:write"])
    assert api_client.get(BASE, headers=reader, status=403).json == denied
    assert api_client.post(BASE, BODY, headers=reader, status=403).json == denied
    writer = make_api_token(organizer, ["organizer.settings.general:write"])
    mine = api_client.post(BASE, BODY, headers=writer, status=201).json
    other = Organizer(slug="other", name="Other")
    db_session.add(other)
    db_session.flush()
    theirs = create_webhook(db_session, other, target_url="https://theirs.example.org/", action_types=[PLACED])
    outsider = make_api_token(other, everything=True)
    assert api_client.get(f"{BASE}{mine['id']}/", headers=outsider, status=403).json == denied
    assert api_client.patch(f"{BASE}{mine['id']}/", {"enabled": False}, headers=outsider, status=403).json == denied
    for method in ("get", "delete"):
        getattr(api_client, method)(f"{BASE}{theirs.id}/", status=404)
    api_client.patch(f"{BASE}{theirs.id}/", {"enabled": False}, status=404)
    api_client.get(f"{BASE}{theirs.id}/calls/", status=404)
    assert [h["id"] for h in api_client.get(BASE).json["results"]] == [mine["id"]]


def test_delivery_log_resend_and_rotated_secret(
    api_client: Any, db_session: Any, organizer: Organizer, order_factory: Any, tm: Any, huey_immediate: Any,
    webhook_sender: Any,
) -> None:
    hook = api_client.post(BASE, BODY, status=201).json
    order = order_factory()
    entry = log_action(order, PLACED, {})
    tm.commit()
    tm.begin()
    (sent,) = webhook_sender.sent
    assert verify_signature(hook["secret"], sent.body, sent.headers[SIGNATURE_HEADER])
    calls = api_client.get(f"{BASE}{hook['id']}/calls/").json
    assert calls["count"] == 1
    (call,) = calls["results"]
    assert call["payload"] == {"notification_id": entry.id, "organizer": "demo", "event": "conf",
                               "code": order.code, "action": PLACED}
    assert (call["return_code"], call["success"], call["is_retry"], call["action_type"]) == (200, True, False, PLACED)
    assert call["notification_id"] == entry.id and call["datetime"].endswith("Z")

    secret = api_client.post(f"{BASE}{hook['id']}/rotate_secret/", status=200).json["secret"]
    assert secret != hook["secret"] and len(secret) == 64
    assert "secret" not in api_client.get(f"{BASE}{hook['id']}/").json
    webhook_sender.default = (503, "busy")
    api_client.post(f"{BASE}{hook['id']}/calls/{call['id']}/resend/", status=202)
    again = webhook_sender.sent[1]
    assert again.body == sent.body
    assert verify_signature(secret, again.body, again.headers[SIGNATURE_HEADER])
    newest = api_client.get(f"{BASE}{hook['id']}/calls/").json["results"][0]
    assert (newest["return_code"], newest["success"], newest["is_retry"], newest["response_body"]) == (
        503, False, True, "busy")
    assert huey_immediate.scheduled() == []
    api_client.post(f"{BASE}{hook['id']}/calls/999999/resend/", status=404)


def test_event_limits_through_the_api(
    api_client: Any, db_session: Any, organizer: Organizer, event: Any, order_factory: Any, tm: Any,
    huey_immediate: Any, webhook_sender: Any,
) -> None:
    from datetime import UTC, datetime

    from core.models import Event

    with scope(organizer.id):
        db_session.add(Event(organizer_id=organizer.id, slug="other-ev", name={"en": "Other"},
                             date_from=datetime(2031, 1, 1, tzinfo=UTC)))
        db_session.flush()
    api_client.post(BASE, {**BODY, "target_url": "https://conf.example.org/", "all_events": False,
                           "limit_events": ["conf"]}, status=201)
    api_client.post(BASE, {**BODY, "target_url": "https://other.example.org/", "all_events": False,
                           "limit_events": ["other-ev"]}, status=201)
    log_action(order_factory(), "pretix.event.order.changed.item", {})
    tm.commit()
    tm.begin()
    assert [(s.url, s.json["action"]) for s in webhook_sender.sent] == [
        ("https://conf.example.org/", "pretix.event.order.changed.item")]


def test_openapi_lists_the_webhook_endpoints(api_client: Any) -> None:
    paths = api_client.get("/openapi.json").json["paths"]
    assert {"get", "post"} <= set(paths["/api/v1/organizers/{organizer}/webhooks/"])
    assert "post" in paths["/api/v1/organizers/{organizer}/webhooks/{id}/calls/{call}/resend/"]
