"""mail(): rendering, sender, renderer choice, the OutgoingMail row and sending through the outbox."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from core.i18n import I18nString
from core.mail import mail
from core.mail.renderers import SimpleRenderer
from core.models import MailStatus, OutgoingMail
from core.settings import settings_for


def commit(tm):
    tm.commit()
    tm.begin()  # the tm fixture's teardown expects an open transaction


def reload(db_session, row):
    db_session.expire_all()
    return db_session.get(OutgoingMail, row.id)


def test_mail_is_queued_then_sent_after_commit(db_session, tm, event, mailoutbox):
    row = mail("buyer@example.org", "Your tickets for {event}", "Hello,\n\nsee {url}\n", event=event)
    assert row.status == MailStatus.QUEUED
    assert (row.organizer_id, row.event_id) == (event.organizer_id, event.id)
    assert mailoutbox == []
    commit(tm)
    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message["To"] == "buyer@example.org"
    assert message["Subject"] == "Your tickets for Conference"
    assert message["From"] == "tickets@localhost"
    text = message.get_body(("plain",)).get_content()
    assert "see http://127.0.0.1:8000/demo/conf/" in text
    html = message.get_body(("html",)).get_content()
    assert '<a href="http://127.0.0.1:8000/demo/conf/">' in html
    sent = reload(db_session, row)
    assert (sent.status, sent.attempts, sent.error) == (MailStatus.SENT, 1, None)
    assert sent.sent is not None


def test_nothing_is_sent_when_the_transaction_aborts(db_session, tm, event, mailoutbox):
    mail("buyer@example.org", "Hi", "Body", event=event)
    tm.abort()
    tm.begin()
    assert mailoutbox == []
    assert db_session.scalars(select(OutgoingMail)).all() == []


def test_sender_comes_from_event_then_organizer_settings(db_session, tm, event, organizer, mailoutbox):
    settings_for(db_session, organizer).set("mail_from", "org@example.org")
    settings_for(db_session, organizer).set("mail_from_name", "Demo Org")
    assert mail("a@example.org", "S", "B", organizer=organizer).sender == "Demo Org <org@example.org>"
    settings_for(db_session, event).set("mail_from", "event@example.org")
    assert mail("a@example.org", "S", "B", event=event).sender == "Demo Org <event@example.org>"
    assert mail("a@example.org", "S", "B", event=event, sender="x@example.org").sender == "x@example.org"


def test_platform_mail_uses_the_deployment_sender_and_needs_a_session(db_session, tm, mailoutbox):
    with pytest.raises(ValueError, match="session="):
        mail("a@example.org", "S", "B")
    row = mail("a@example.org", "Welcome", "Hello {name}", {"name": "Ann"}, session=db_session)
    assert (row.sender, row.organizer_id, row.body_text) == ("tickets@localhost", None, "Hello Ann")
    commit(tm)
    assert mailoutbox[0]["Subject"] == "Welcome"


def test_locale_prefix_signature_and_bcc_settings(db_session, tm, event, mailoutbox):
    settings = settings_for(db_session, event)
    settings.set("mail_prefix", "CONF")
    settings.set("mail_text_signature", I18nString({"en": "The {event} team", "de": "Das {event}-Team"}))
    settings.set("mail_bcc", "archive@example.org")
    row = mail("a@example.org", I18nString({"en": "Hello", "de": "Hallo"}),
               I18nString({"en": "Welcome to {event}", "de": "Willkommen zur {event}"}), event=event, locale="de")
    assert row.subject == "[CONF] Hallo"
    assert row.body_text == "Willkommen zur Konferenz\n\n-- \nDas Konferenz-Team\n"
    assert row.bcc == ["archive@example.org"]
    assert row.locale == "de"
    assert "Das Konferenz-Team" in row.body_html


@pytest.mark.parametrize(("renderer", "marker"), [("simple", "max-width:600px"), ("plain", "<body>\n<p>")])
def test_renderer_is_chosen_by_setting(db_session, event, renderer, marker):
    settings_for(db_session, event).set("mail_html_renderer", renderer)
    assert marker in mail("a@example.org", "S", "Body", event=event).body_html


def test_unknown_renderer_falls_back_to_simple(db_session, event):
    settings_for(db_session, event).set("mail_html_renderer", "no_such_design")
    assert "max-width:600px" in mail("a@example.org", "S", "Body", event=event).body_html


def test_plain_text_only_has_no_html(db_session, tm, event, mailoutbox):
    row = mail("a@example.org", "S", "Body", event=event, plain_text_only=True)
    assert row.body_html is None
    commit(tm)
    assert not mailoutbox[0].is_multipart()


def test_failing_renderer_sends_text_only(db_session, event, monkeypatch, caplog):
    def broken(self, *args, **kw):
        raise RuntimeError("design broke")

    monkeypatch.setattr(SimpleRenderer, "render", broken)
    assert mail("a@example.org", "S", "Body", event=event).body_html is None
    assert "design broke" in caplog.text


def test_html_part_escapes_text(db_session, event):
    row = mail("a@example.org", "<b>S</b>", "<script>alert(1)</script> & {name}", {"name": "<i>"}, event=event)
    assert "<script>" not in row.body_html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;i&gt;" in row.body_html
    assert "&lt;b&gt;S&lt;/b&gt;" in row.body_html


def test_cc_bcc_headers_and_attachments(db_session, tm, event, mailoutbox):
    mail(["a@example.org", "b@example.org"], "S", "B", event=event, cc=["c@example.org"], bcc=["d@example.org"],
         headers={"X-Ticketry-Test": "yes"}, attachments=[("ticket.pdf", b"%PDF-1.4 data", "application/pdf")])
    commit(tm)
    message = mailoutbox[0]
    assert message["To"] == "a@example.org, b@example.org"
    assert message["Cc"] == "c@example.org"
    assert message["Bcc"] is None
    assert message["X-Ticketry-Test"] == "yes"
    [attachment] = list(message.iter_attachments())
    assert attachment.get_filename() == "ticket.pdf"
    assert attachment.get_content() == b"%PDF-1.4 data"


def test_sensitive_mail_skips_bcc_setting_and_is_wiped_after_sending(db_session, tm, event, mailoutbox, caplog):
    settings_for(db_session, event).set("mail_bcc", "archive@example.org")
    row = mail("a@example.org", "Reset your password", "Secret link: {url}", {"url": "https://x/reset/SECRET"},
               event=event, sensitive=True)
    assert row.bcc == []
    commit(tm)
    assert "SECRET" in mailoutbox[0].get_body(("plain",)).get_content()
    sent = reload(db_session, row)
    assert (sent.status, sent.body_text, sent.body_html) == (MailStatus.SENT, "", None)
    assert "SECRET" not in caplog.text
    assert "Reset your password" not in caplog.text


@pytest.mark.parametrize(("to", "kw"), [
    ("not-an-address", {}), ([], {}), ("a@example.org", {"cc": ["bad"]}), ("a@example.org\r\nBcc: x@y", {}),
])
def test_bad_addresses_are_refused(db_session, event, to, kw):
    with pytest.raises(ValueError, match="mail\\(\\)"):
        mail(to, "S", "B", event=event, **kw)
