"""Settings endpoints generated from the schema: values, explain, plugin keys, secrets, per-key permissions."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from core.db import scope
from core.models import LogEntry, Organizer
from core.pluginhost import enable_plugin
from core.settings import File, Setting

EVENT = "/organizers/demo/events/conf/settings/"
ORGANIZER = "/organizers/demo/settings/"
FORBIDDEN = {"detail": "You do not have permission to perform this action."}
PNG = b"\x89PNG\r\n\x1a\n" + b"0" * 64


def test_get_values_and_explain(api_client, event):
    values = api_client.get(EVENT).json
    assert values["reservation_time"] == 30 and values["max_items_per_order"] == 10
    assert "smtp_password" not in values and "ticket_secrets_signed_private_key" not in values
    assert "giftcard_length" not in values
    explained = api_client.get(EVENT + "?explain=true").json
    assert explained["reservation_time"] == {"value": 30, "label": "Reservation period",
                                             "help_text": explained["reservation_time"]["help_text"],
                                             "readonly": False}
    assert explained["ticket_secrets_signed_public_key"]["readonly"] is True
    assert "smtp_password" not in explained
    assert set(explained) == set(values)


def test_patch_validates_logs_and_resets(api_client, db_session, event):
    changed = api_client.patch(EVENT, {"reservation_time": 15, "max_items_per_order": "4", "unknown_key": 1}).json
    assert changed["reservation_time"] == 15 and changed["max_items_per_order"] == 4
    bad = api_client.patch(EVENT, {"reservation_time": -1, "max_items_per_order": 2}, status=400).json
    assert list(bad) == ["reservation_time"]
    assert api_client.get(EVENT).json["max_items_per_order"] == 4
    assert api_client.patch(EVENT, {"reservation_time": None}).json["reservation_time"] == 30
    assert api_client.patch(EVENT, [1], status=400).json == {
        "non_field_errors": ["Invalid data. Expected a dictionary, but got list."]}
    with scope(event.organizer_id):
        entry = db_session.scalars(select(LogEntry).where(LogEntry.action_type == "pretix.event.settings")
                                   .order_by(LogEntry.id)).first()
    assert entry is not None and entry.api_token_id is not None


def test_secret_settings_are_writable_but_never_returned(api_client, event):
    answer = api_client.patch(EVENT, {"smtp_password": "hunter2"}).json
    assert "smtp_password" not in answer and "hunter2" not in str(answer)
    assert "hunter2" not in api_client.get(EVENT + "?explain=true").text


def test_plugin_settings_appear_while_the_plugin_is_active(api_client, db_session, event):
    assert "plugin.testplugin.greeting" not in api_client.get(EVENT).json
    assert "plugin.testplugin.greeting" not in api_client.patch(EVENT, {"plugin.testplugin.greeting": "x"}).json
    enable_plugin(db_session, event, "testplugin")
    assert api_client.get(EVENT).json["plugin.testplugin.greeting"] == "hello"
    assert api_client.patch(EVENT, {"plugin.testplugin.greeting": "hi"}).json["plugin.testplugin.greeting"] == "hi"


def test_write_permission_per_key(api_client, make_api_token, organizer, event):
    general = make_api_token(organizer, ["event.settings.general:write"])
    explained = api_client.get(EVENT + "?explain=true", headers=general).json
    assert explained["payment_term_days"]["readonly"] is True
    assert explained["reservation_time"]["readonly"] is False
    assert api_client.patch(EVENT, {"payment_term_days": 3}, headers=general, status=403).json == {
        "detail": 'You do not have permission to change the setting "payment_term_days".'}
    assert api_client.patch(EVENT, {"reservation_time": 5}, headers=general).json["reservation_time"] == 5
    payment = make_api_token(organizer, ["event.settings.payment:write"])
    assert api_client.patch(EVENT, {"payment_term_days": 3}, headers=payment).json["payment_term_days"] == 3
    reader = make_api_token(organizer, ["event.orders:read"])
    assert api_client.get(EVENT, headers=reader, status=403).json == FORBIDDEN
    assert api_client.patch(EVENT, {"reservation_time": 1}, headers=reader, status=403).json == FORBIDDEN


def test_organizer_settings(api_client, make_api_token, organizer, db_session):
    values = api_client.get(ORGANIZER).json
    assert values["giftcard_length"] == 12 and values["reservation_time"] == 30
    assert api_client.patch(ORGANIZER, {"giftcard_length": 20}).json["giftcard_length"] == 20
    assert list(api_client.patch(ORGANIZER, {"giftcard_length": 2}, status=400).json) == ["giftcard_length"]
    assert api_client.patch(ORGANIZER, {"allowed_restricted_plugins": ["x"]}, status=403)
    reader = make_api_token(organizer, ["event.orders:read"])
    assert api_client.get(ORGANIZER, headers=reader, status=403)
    other = Organizer(slug="other", name="Other")
    db_session.add(other)
    db_session.flush()
    foreign = make_api_token(other, everything=True)
    assert api_client.get(ORGANIZER, headers=foreign, status=403)
    assert api_client.patch(EVENT, {"reservation_time": 1}, headers=foreign, status=403)


@pytest.fixture
def logo_setting(registry, monkeypatch):
    """A file setting ``test_logo`` declared for one test."""
    setting = Setting("test_logo", File, None, label="Logo")
    monkeypatch.setitem(registry.settings_schema._settings, setting.key, setting)
    return setting


def test_file_setting_from_an_upload(app, api_client, api_headers, event, logo_setting, make_api_token, organizer):
    headers = {**api_headers, "Content-Type": "image/png", "Content-Disposition": 'attachment; filename="logo.png"'}
    file_id = app.post("/api/v1/upload", PNG, headers=headers, status=201).json["id"]
    stored = api_client.patch(EVENT, {"test_logo": file_id}).json["test_logo"]
    assert stored.endswith(".png") and "/media/settings/" in stored
    assert api_client.patch(EVENT, {"test_logo": stored}).json["test_logo"] == stored
    assert api_client.patch(EVENT, {"test_logo": "file:nope"}, status=400).json == {
        "test_logo": ["The submitted file ID is not valid."]}
    other_principal = make_api_token(organizer, everything=True)
    assert api_client.patch(EVENT, {"test_logo": file_id}, headers=other_principal, status=400).json == {
        "test_logo": ["The submitted file ID was not found."]}
    assert api_client.patch(EVENT, {"test_logo": None}).json["test_logo"] is None
