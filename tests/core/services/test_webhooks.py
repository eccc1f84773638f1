"""Webhooks: services, matching, signed delivery, retries, 410, delivery log, purge, resend, isolation."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.db import scope, scopes_disabled
from core.interfaces.webhooks import IWebhookEvent
from core.logs import log_action
from core.models import Event, LogEntry, Organizer
from core.models.webhooks import Webhook, WebhookCall, WebhookRetry
from core.services.webhooks import (
    WebhookError,
    create_webhook,
    delete_webhook,
    events_by_slug,
    resend_call,
    rotate_secret,
    update_webhook,
)
from core.webhooks.delivery import (
    RETRY_DELAYS,
    SIGNATURE_HEADER,
    TIMEOUT,
    RequestsSender,
    WebhookTransportError,
    purge_calls,
    run_due_retries,
    verify_signature,
)
from core.webhooks.events import LogWebhookEvent, matching_action_type, registered_action_types
from core.webhooks.trigger import notify_webhooks
from sdk.testing import make_fake_plugin

PLACED = "pretix.event.order.placed"


@pytest.fixture
def commit(tm: Any, huey_immediate: Any) -> Any:
    """Commit the test transaction (after-commit work runs inline) and begin the next one."""

    def run() -> None:
        tm.commit()
        tm.begin()

    return run


@pytest.fixture
def hook(db_session: Session, organizer: Organizer, catalogue: Any) -> Webhook:
    return create_webhook(db_session, organizer, target_url="https://hooks.example.org/t", action_types=[PLACED])


def _calls(session: Session, organizer_id: int) -> list[WebhookCall]:
    with scope(organizer_id):
        return list(session.scalars(select(WebhookCall).order_by(WebhookCall.id)))


def _entries(session: Session, action_type: str) -> list[LogEntry]:
    with scopes_disabled():
        return list(session.scalars(select(LogEntry).where(LogEntry.action_type == action_type)))


# --- services ---------------------------------------------------------------------------------------------------


def test_create_generates_a_secret_and_logs_without_it(db_session: Session, hook: Webhook) -> None:
    assert len(hook.secret) == 64 and int(hook.secret, 16) >= 0
    assert hook.enabled and hook.all_events and hook.action_types == [PLACED]
    (entry,) = _entries(db_session, "pretix.webhook.created")
    assert entry.object_id == hook.id and entry.organizer_id == hook.organizer_id
    assert entry.parsed_data["target_url"] == "https://hooks.example.org/t"
    assert hook.secret not in entry.data


@pytest.mark.parametrize(("changes", "field"), [
    ({"target_url": "ftp://x.example.org/"}, "target_url"),
    ({"target_url": "not a url"}, "target_url"),
    ({"target_url": "https://x.example.org/" + "a" * 300}, "target_url"),
    ({"target_url": ""}, "target_url"),
    ({"action_types": ["pretix.event.order.nonsense"]}, "action_types"),
    ({"action_types": ["pretix.team.created"]}, "action_types"),
])
def test_bad_input_is_refused_with_the_field(db_session: Session, hook: Webhook, changes: dict[str, Any],
                                             field: str) -> None:
    with pytest.raises(WebhookError) as info:
        update_webhook(db_session, hook, **changes)
    assert info.value.field == field
    assert hook.target_url == "https://hooks.example.org/t" and hook.action_types == [PLACED]


def test_events_of_another_organizer_are_refused(db_session: Session, organizer: Organizer, hook: Webhook) -> None:
    other = Organizer(slug="other", name="Other")
    db_session.add(other)
    db_session.flush()
    foreign = Event(organizer_id=other.id, slug="theirs", name={"en": "Theirs"},
                    date_from=datetime(2031, 1, 1, tzinfo=UTC))
    with scopes_disabled():
        db_session.add(foreign)
        db_session.flush()
    with pytest.raises(WebhookError) as info:
        update_webhook(db_session, hook, all_events=False, limit_events=[foreign])
    assert info.value.field == "limit_events"
    with pytest.raises(WebhookError, match="slug=theirs does not exist"):
        events_by_slug(db_session, organizer, ["theirs"])


def test_update_logs_only_what_changed_and_delete_removes(db_session: Session, event: Event, hook: Webhook) -> None:
    update_webhook(db_session, hook, all_events=False, limit_events=[event], comment="crm", enabled=True)
    (entry,) = _entries(db_session, "pretix.webhook.changed")
    assert entry.parsed_data == {"all_events": False, "limit_events": ["conf"], "comment": "crm"}
    update_webhook(db_session, hook, comment="crm")
    assert len(_entries(db_session, "pretix.webhook.changed")) == 1
    webhook_id = hook.id
    delete_webhook(db_session, hook)
    assert _entries(db_session, "pretix.webhook.deleted")[0].object_id == webhook_id
    with scope(event.organizer_id):
        assert db_session.get(Webhook, webhook_id) is None


def test_rotate_secret(db_session: Session, hook: Webhook) -> None:
    old = hook.secret
    new = rotate_secret(db_session, hook)
    assert new == hook.secret != old and len(new) == 64
    (entry,) = _entries(db_session, "pretix.webhook.secret.rotated")
    assert new not in entry.data


# --- matching -----------------------------------------------------------------------------------------------------


def test_action_type_matching_walks_up_to_wildcards(registry: Any) -> None:
    known = registered_action_types(registry)
    assert {PLACED, "pretix.event.order.changed.*", "pretix.voucher.added", "pretix.event.item.*"} <= known
    assert matching_action_type(PLACED, known) == PLACED
    assert matching_action_type("pretix.event.order.changed.item", known) == "pretix.event.order.changed.*"
    assert matching_action_type("pretix.event.item.variation.added", known) == "pretix.event.item.*"
    assert matching_action_type("pretix.team.created", known) is None


# --- delivery -----------------------------------------------------------------------------------------------------


def test_order_placed_is_delivered_signed_with_the_thin_payload(
    db_session: Session, organizer: Organizer, hook: Webhook, order_factory: Any, commit: Any, webhook_sender: Any,
) -> None:
    order = order_factory()
    entry = log_action(order, PLACED, {"total": "46.00"})
    commit()
    (sent,) = webhook_sender.sent
    assert sent.url == "https://hooks.example.org/t" and sent.timeout == TIMEOUT
    assert sent.json == {"notification_id": entry.id, "organizer": "demo", "event": "conf", "code": order.code,
                         "action": PLACED}
    assert list(sent.json) == ["notification_id", "organizer", "event", "code", "action"]
    assert sent.headers["Content-Type"] == "application/json"
    assert verify_signature(hook.secret, sent.body, sent.headers[SIGNATURE_HEADER])
    assert not verify_signature("wrong", sent.body, sent.headers[SIGNATURE_HEADER])
    (call,) = _calls(db_session, organizer.id)
    assert (call.success, call.return_code, call.is_retry, call.action_type) == (True, 200, False, PLACED)
    assert call.notification_id == entry.id and json.loads(call.payload) == sent.json
    assert call.execution_time is not None and call.target_url == sent.url


def test_action_filters_and_wildcards(
    db_session: Session, organizer: Organizer, catalogue: Any, order_factory: Any, commit: Any, webhook_sender: Any,
) -> None:
    create_webhook(db_session, organizer, target_url="https://a.example.org/", action_types=["pretix.event.order.paid"])
    create_webhook(db_session, organizer, target_url="https://b.example.org/",
                   action_types=["pretix.event.order.changed.*"])
    order = order_factory()
    log_action(order, PLACED, {})
    log_action(order, "pretix.event.order.changed.item", {})
    log_action(order, "pretix.event.order.paid", {})
    commit()
    got = sorted((s.url, s.json["action"]) for s in webhook_sender.sent)
    assert got == [("https://a.example.org/", "pretix.event.order.paid"),
                   ("https://b.example.org/", "pretix.event.order.changed.item")]


def test_event_limits_and_disabled_webhooks(
    db_session: Session, organizer: Organizer, event: Event, catalogue: Any, order_factory: Any, commit: Any,
    webhook_sender: Any,
) -> None:
    with scope(organizer.id):
        second = Event(organizer_id=organizer.id, slug="second", name={"en": "Second"},
                       date_from=datetime(2031, 1, 1, tzinfo=UTC))
        db_session.add(second)
        db_session.flush()
    create_webhook(db_session, organizer, target_url="https://mine.example.org/", action_types=[PLACED],
                   all_events=False, limit_events=[event])
    create_webhook(db_session, organizer, target_url="https://second.example.org/", action_types=[PLACED],
                   all_events=False, limit_events=[second])
    create_webhook(db_session, organizer, target_url="https://off.example.org/", action_types=[PLACED], enabled=False)
    log_action(order_factory(), PLACED, {})
    commit()
    assert [s.url for s in webhook_sender.sent] == ["https://mine.example.org/"]


def test_other_organizers_never_see_the_entries(
    db_session: Session, organizer: Organizer, hook: Webhook, order_factory: Any, commit: Any, webhook_sender: Any,
) -> None:
    other = Organizer(slug="other", name="Other")
    db_session.add(other)
    db_session.flush()
    theirs = create_webhook(db_session, other, target_url="https://theirs.example.org/", action_types=[PLACED])
    log_action(order_factory(), PLACED, {})
    commit()
    assert [s.url for s in webhook_sender.sent] == [hook.target_url]
    assert _calls(db_session, other.id) == []
    with scope(other.id):
        assert db_session.get(Webhook, hook.id) is None
        assert db_session.get(Webhook, theirs.id) is not None


def test_voucher_and_event_payloads(
    db_session: Session, organizer: Organizer, event: Event, catalogue: Any, tm: Any, huey_immediate: Any,
    webhook_sender: Any,
) -> None:
    create_webhook(db_session, organizer, target_url="https://v.example.org/",
                   action_types=["pretix.voucher.added", "pretix.event.live.activated"])
    now = datetime.now(UTC)
    voucher = LogEntry(organizer_id=organizer.id, event_id=event.id, object_type="voucher", object_id=4711,
                       action_type="pretix.voucher.added", datetime=now)
    live = LogEntry(organizer_id=organizer.id, event_id=event.id, object_type="event", object_id=event.id,
                    action_type="pretix.event.live.activated", datetime=now)
    db_session.add_all([voucher, live])
    db_session.flush()
    tm.commit()
    tm.begin()
    notify_webhooks([voucher.id, live.id])
    payloads = sorted((s.json for s in webhook_sender.sent), key=lambda p: p["action"])
    assert payloads == [
        {"notification_id": live.id, "organizer": "demo", "event": "conf", "action": "pretix.event.live.activated"},
        {"notification_id": voucher.id, "organizer": "demo", "event": "conf", "voucher": 4711,
         "action": "pretix.voucher.added"},
    ]


def test_nothing_is_sent_when_the_transaction_aborts(
    db_session: Session, hook: Webhook, order_factory: Any, tm: Any, huey_immediate: Any, webhook_sender: Any,
) -> None:
    log_action(order_factory(), PLACED, {})
    tm.abort()
    tm.begin()
    assert webhook_sender.sent == []


def test_failures_retry_on_pretix_schedule_then_give_up(
    db_session: Session, organizer: Organizer, hook: Webhook, order_factory: Any, commit: Any, webhook_sender: Any,
    huey_immediate: Any,
) -> None:
    webhook_sender.default = (500, "oops " * 400)
    log_action(order_factory(), PLACED, {})
    commit()
    assert len(webhook_sender.sent) == 1
    assert len(huey_immediate.scheduled()) == 1
    delays: list[float] = []
    for _round in range(20):
        huey_immediate.run_scheduled()
        with scope(organizer.id):
            pending = list(db_session.scalars(select(WebhookRetry)))
        if not pending:
            break
        (retry,) = pending
        last = _calls(db_session, organizer.id)[-1]
        delays.append((retry.retry_not_before - last.datetime).total_seconds())
        assert retry.attempt == len(_calls(db_session, organizer.id))
        assert run_due_retries(db_session, retry.retry_not_before - timedelta(seconds=1)) == 0
        assert run_due_retries(db_session, retry.retry_not_before) == 1
        commit()
    calls = _calls(db_session, organizer.id)
    assert len(calls) == len(webhook_sender.sent) == 1 + len(RETRY_DELAYS)
    assert [c.is_retry for c in calls] == [False] + [True] * len(RETRY_DELAYS)
    assert all(not c.success and c.return_code == 500 for c in calls)
    assert len(calls[0].response_body) == WebhookCall.RESPONSE_BODY_LIMIT
    long_delays = [d for d in RETRY_DELAYS if d >= 300]
    assert [round(d) for d in delays] == long_delays
    assert sum(RETRY_DELAYS) > 2 * 86400
    assert huey_immediate.scheduled() == []


def test_short_retries_are_scheduled_with_their_delays(
    db_session: Session, hook: Webhook, order_factory: Any, commit: Any, webhook_sender: Any, huey_immediate: Any,
) -> None:
    webhook_sender.answers = [WebhookTransportError("timed out"), 503, 200]
    log_action(order_factory(), PLACED, {})
    started = datetime.now(UTC)
    commit()
    (first,) = huey_immediate.scheduled()
    assert 4 <= (first.eta.replace(tzinfo=UTC) - started).total_seconds() <= 6
    huey_immediate.run_scheduled(started + timedelta(seconds=10))
    (second,) = huey_immediate.scheduled()
    assert 29 <= (second.eta.replace(tzinfo=UTC) - started).total_seconds() <= 32
    huey_immediate.run_scheduled()
    calls = _calls(db_session, hook.organizer_id)
    assert [(c.return_code, c.success) for c in calls] == [(0, False), (503, False), (200, True)]
    assert "timed out" in calls[0].response_body
    assert huey_immediate.scheduled() == []


def test_410_disables_the_webhook_and_logs_it(
    db_session: Session, organizer: Organizer, hook: Webhook, order_factory: Any, commit: Any, webhook_sender: Any,
    huey_immediate: Any,
) -> None:
    webhook_sender.default = 410
    order = order_factory()
    log_action(order, PLACED, {})
    commit()
    with scope(organizer.id):
        assert not db_session.get(Webhook, hook.id).enabled
        assert list(db_session.scalars(select(WebhookRetry))) == []
    assert huey_immediate.scheduled() == []
    (entry,) = _entries(db_session, "pretix.webhook.disabled")
    assert entry.object_id == hook.id and entry.parsed_data["return_code"] == 410
    with scope(organizer.id):
        log_action(db_session.merge(order), PLACED, {})
    commit()
    assert len(webhook_sender.sent) == 1


def test_resend_sends_once_more_without_retries(
    db_session: Session, organizer: Organizer, hook: Webhook, order_factory: Any, commit: Any, webhook_sender: Any,
    huey_immediate: Any,
) -> None:
    log_action(order_factory(), PLACED, {})
    commit()
    (call,) = _calls(db_session, organizer.id)
    webhook_sender.default = 500
    with scope(organizer.id):
        resend_call(db_session, db_session.get(WebhookCall, call.id))
    commit()
    first, again = _calls(db_session, organizer.id)
    assert again.is_retry and not again.success and again.payload == first.payload
    assert webhook_sender.sent[0].body == webhook_sender.sent[1].body
    assert huey_immediate.scheduled() == []
    with scope(organizer.id):
        assert list(db_session.scalars(select(WebhookRetry))) == []


def test_purge_keeps_thirty_days(db_session: Session, organizer: Organizer, hook: Webhook) -> None:
    now = datetime.now(UTC)
    with scope(organizer.id):
        for age in (31, 29):
            db_session.add(WebhookCall(organizer_id=organizer.id, webhook_id=hook.id, target_url=hook.target_url,
                                       action_type=PLACED, payload="{}", datetime=now - timedelta(days=age)))
        db_session.flush()
    assert purge_calls(db_session, now) == 1
    (left,) = _calls(db_session, organizer.id)
    assert (now - left.datetime).days == 29


# --- the real HTTP sender ------------------------------------------------------------------------------------------


class _Receiver(BaseHTTPRequestHandler):
    status = 200
    received: list[tuple[dict[str, str], bytes]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).received.append((dict(self.headers), body))
        self.send_response(self.status)
        if self.status == 302:
            self.send_header("Location", "/elsewhere")
        self.end_headers()
        self.wfile.write(b"thanks")

    def log_message(self, *args: Any) -> None:
        return


@pytest.fixture
def receiver() -> Iterator[tuple[str, type[_Receiver]]]:
    handler = type("Receiver", (_Receiver,), {"received": [], "status": 200})
    server = HTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/hook", handler
    finally:
        server.shutdown()
        server.server_close()


def test_requests_sender_posts_and_reports(
    db_session: Session, organizer: Organizer, catalogue: Any, order_factory: Any, commit: Any, registry: Any,
    receiver: tuple[str, type[_Receiver]],
) -> None:
    url, handler = receiver
    assert isinstance(registry.webhook_sender, RequestsSender)
    hook = create_webhook(db_session, organizer, target_url=url, action_types=[PLACED])
    log_action(order_factory(), PLACED, {})
    commit()
    ((headers, body),) = handler.received
    assert verify_signature(hook.secret, body, headers[SIGNATURE_HEADER])
    assert json.loads(body)["action"] == PLACED
    (call,) = _calls(db_session, organizer.id)
    assert (call.return_code, call.success, call.response_body) == (200, True, "thanks")


def test_requests_sender_does_not_follow_redirects_and_maps_errors(receiver: tuple[str, type[_Receiver]]) -> None:
    url, handler = receiver
    handler.status = 302
    sender = RequestsSender()
    assert sender.send(url, b"{}", {"Content-Type": "application/json"}, 5).status == 302
    assert len(handler.received) == 1
    with pytest.raises(WebhookTransportError):
        sender.send("http://127.0.0.1:9/closed", b"{}", {}, 2)


# --- plugins ------------------------------------------------------------------------------------------------------


def test_plugins_add_webhook_events(plugin_config: Any) -> None:
    event_type = LogWebhookEvent("pretix.plugins.acme.synced", "Synced to ACME")

    def includeme(config: Any) -> None:
        config.add_provider(IWebhookEvent, event_type.action_type, lambda scope: event_type)

    config = plugin_config(make_fake_plugin("acme", includeme))
    known = registered_action_types(config.registry)
    assert "pretix.plugins.acme.synced" in known and PLACED in known
    assert config.registry.provider_owner[(IWebhookEvent, "pretix.plugins.acme.synced")] == "acme"


def test_periodic_tasks_run_due_retries_and_purge(
    db_session: Session, organizer: Organizer, hook: Webhook, commit: Any, webhook_sender: Any,
) -> None:
    from core.webhooks.delivery import purge_old_calls, retry_due

    past = datetime.now(UTC) - timedelta(seconds=1)
    with scope(organizer.id):
        db_session.add(WebhookRetry(organizer_id=organizer.id, webhook_id=hook.id, notification_id=7,
                                    action_type=PLACED, payload='{"notification_id": 7}', attempt=4,
                                    retry_not_before=past))
        db_session.add(WebhookCall(organizer_id=organizer.id, webhook_id=hook.id, target_url=hook.target_url,
                                   action_type=PLACED, payload="{}", datetime=past - timedelta(days=40)))
    commit()
    retry_due()
    purge_old_calls()
    (sent,) = webhook_sender.sent
    assert sent.json == {"notification_id": 7}
    (call,) = _calls(db_session, organizer.id)
    assert call.is_retry and call.notification_id == 7 and call.success
    with scope(organizer.id):
        assert list(db_session.scalars(select(WebhookRetry))) == []
