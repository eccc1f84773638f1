"""Backends and the send task: SMTP against a local stub (retry on 4xx, fail on 5xx), file, console, filters."""

from __future__ import annotations

import io
import os
import smtplib
from email import message_from_bytes
from email.message import EmailMessage

import pytest

from core.configuration import ConfigurationError
from core.interfaces.mail import IMailFilter
from core.mail import WithholdMail, mail
from core.mail.backends import (
    ConsoleBackend,
    FileBackend,
    MemoryBackend,
    SMTPBackend,
    backend_from_settings,
)
from core.mail.sending import MAX_ATTEMPTS, is_transient
from core.models import MailStatus, OutgoingMail
from core.pluginhost import Level
from core.pluginhost.activation import enable_plugin
from sdk.testing.fixtures_plugins import make_fake_plugin
from tests.core.mail.smtp_stub import SMTPStub


def commit(tm):
    tm.commit()
    tm.begin()  # the tm fixture's teardown expects an open transaction


def reload(db_session, row):
    db_session.expire_all()
    return db_session.get(OutgoingMail, row.id)


@pytest.fixture
def smtp(registry, huey_immediate):
    with SMTPStub() as stub:
        previous = registry.mail_backend
        registry.mail_backend = SMTPBackend("127.0.0.1", stub.port, use_tls=False)
        try:
            yield stub
        finally:
            registry.mail_backend = previous


def test_smtp_delivers_to_all_recipients(smtp, db_session, tm, event):
    row = mail("a@example.org", "Hi {event}", "Body", event=event, cc=["c@example.org"], bcc=["b@example.org"])
    commit(tm)
    [received] = smtp.state.messages
    assert received.sender == "tickets@localhost"
    assert received.recipients == ["a@example.org", "c@example.org", "b@example.org"]
    message = message_from_bytes(received.data)
    assert message["Subject"] == "Hi Conference"
    assert message["Bcc"] is None
    assert reload(db_session, row).status == MailStatus.SENT


def test_smtp_login_when_user_is_configured():
    with SMTPStub() as stub:
        backend = SMTPBackend("127.0.0.1", stub.port, user="u", password="p", use_tls=False)
        message = EmailMessage()
        message["Subject"] = "x"
        message.set_content("y")
        backend.send(message, "s@example.org", ["r@example.org"])
        assert stub.state.logins and stub.state.logins[0].startswith("AUTH PLAIN")
        assert len(stub.state.messages) == 1


def test_transient_4xx_is_retried_with_backoff_then_sent(smtp, db_session, tm, event, huey_immediate):
    smtp.state.replies["RCPT"] = "450 mailbox busy, try later"
    row = mail("a@example.org", "S", "B", event=event)
    commit(tm)
    queued = reload(db_session, row)
    assert (queued.status, queued.attempts) == (MailStatus.QUEUED, 1)
    assert "450 mailbox busy" in queued.error
    [retry] = huey_immediate.scheduled()
    assert retry.retry_delay == 20  # 10 s doubled for the next attempt
    del smtp.state.replies["RCPT"]
    assert huey_immediate.run_scheduled() == 1
    sent = reload(db_session, row)
    assert (sent.status, sent.attempts, sent.error) == (MailStatus.SENT, 2, None)
    assert len(smtp.state.messages) == 1


def test_transient_failures_run_out_of_attempts(smtp, db_session, tm, event, huey_immediate):
    smtp.state.replies["MAIL"] = "421 service not available"
    row = mail("a@example.org", "S", "B", event=event)
    commit(tm)
    assert huey_immediate.run_scheduled() == MAX_ATTEMPTS - 1
    failed = reload(db_session, row)
    assert (failed.status, failed.attempts) == (MailStatus.FAILED, MAX_ATTEMPTS)
    assert "421" in failed.error
    assert huey_immediate.scheduled() == []


@pytest.mark.parametrize(("command", "reply"), [("DATA", "554 rejected as spam"), ("RCPT", "550 no such user")])
def test_permanent_5xx_fails_at_once(smtp, db_session, tm, event, huey_immediate, command, reply):
    smtp.state.replies[command] = reply
    row = mail("a@example.org", "S", "B", event=event)
    commit(tm)
    failed = reload(db_session, row)
    assert (failed.status, failed.attempts) == (MailStatus.FAILED, 1)
    assert reply[:3] in failed.error
    assert huey_immediate.scheduled() == []


def test_connection_refused_is_transient(registry, huey_immediate, db_session, tm, event):
    with SMTPStub() as stub:
        port = stub.port
    previous = registry.mail_backend
    registry.mail_backend = SMTPBackend("127.0.0.1", port, use_tls=False, timeout=2)
    try:
        row = mail("a@example.org", "S", "B", event=event)
        commit(tm)
    finally:
        registry.mail_backend = previous
    queued = reload(db_session, row)
    assert (queued.status, queued.attempts) == (MailStatus.QUEUED, 1)
    assert "ConnectionRefusedError" in queued.error


@pytest.mark.parametrize(("exc", "transient"), [
    (smtplib.SMTPResponseException(451, b"later"), True),
    (smtplib.SMTPResponseException(552, b"too big"), False),
    (smtplib.SMTPRecipientsRefused({"a@x": (550, b"no"), "b@x": (451, b"later")}), True),
    (smtplib.SMTPRecipientsRefused({"a@x": (550, b"no")}), False),
    (smtplib.SMTPServerDisconnected("gone"), True),
    (TimeoutError(), True),
    (ValueError("bad header"), False),
])
def test_error_classification(exc, transient):
    assert is_transient(exc) is transient


def test_already_sent_mail_is_not_sent_again(db_session, tm, event, mailoutbox):
    row = mail("a@example.org", "S", "B", event=event)
    commit(tm)
    from core.mail.sending import send_mail

    send_mail(row.id)
    assert len(mailoutbox) == 1


def test_file_backend_writes_one_eml_per_mail(tmp_path):
    backend = FileBackend(str(tmp_path / "mail"))
    for subject in ("one", "two"):
        message = EmailMessage()
        message["Subject"] = subject
        message.set_content("body")
        backend.send(message, "s@example.org", ["r@example.org"])
    files = sorted(os.listdir(tmp_path / "mail"))
    assert len(files) == 2 and all(f.endswith(".eml") for f in files)
    subjects = {message_from_bytes((tmp_path / "mail" / f).read_bytes())["Subject"] for f in files}
    assert subjects == {"one", "two"}


def test_console_backend_hides_sensitive_bodies():
    stream = io.StringIO()
    backend = ConsoleBackend(stream)
    message = EmailMessage()
    message["Subject"] = "Reset"
    message.set_content("secret-link")
    backend.send(message, "s@example.org", ["r@example.org"])
    backend.send(message, "s@example.org", ["r@example.org"], sensitive=True)
    output = stream.getvalue()
    assert output.count("Subject: Reset") == 2
    assert output.count("secret-link") == 1
    assert "[body of a sensitive mail not shown]" in output


@pytest.mark.parametrize(("kind", "cls"), [
    ("smtp", SMTPBackend), ("file", FileBackend), ("console", ConsoleBackend), ("memory", MemoryBackend),
])
def test_backend_from_settings(ticketry_settings, kind, cls):
    from core import configuration

    settings = configuration.load({**ticketry_settings, "ticketry.mail.backend": kind,
                                   "ticketry.mail.smtp_ssl": "true"}, environ={})
    backend = backend_from_settings(settings)
    assert isinstance(backend, cls)
    if kind == "smtp":
        assert (backend.host, backend.port, backend.use_ssl) == ("localhost", 587, True)
    if kind == "file":
        assert backend.directory == os.path.join(ticketry_settings["ticketry.var_dir"], "mail")


def test_unknown_backend_names_the_setting():
    with pytest.raises(ConfigurationError, match=r"ticketry\.mail\.backend"):
        backend_from_settings({"ticketry.mail.backend": "pigeon"})


def withhold_marketing(signal, message, **kw):
    if "marketing" in message["Subject"]:
        raise WithholdMail("no marketing to this domain")
    message["X-Filtered"] = "yes"
    return message


@pytest.fixture
def filter_app(plugin_config, db_session, event, huey_immediate):
    def includeme(config):
        config.add_signal_handler(withhold_marketing, IMailFilter)

    config = plugin_config(make_fake_plugin("mailfilter", includeme, level=Level.EVENT))
    return config.registry


def test_mail_filter_withholds_or_changes_only_where_active(filter_app, db_session, tm, event):
    first = mail("a@example.org", "marketing news", "B", event=event)
    commit(tm)
    assert reload(db_session, first).status == MailStatus.SENT
    db_session.add(event)  # the commit closed the session
    enable_plugin(db_session, event, "mailfilter")
    withheld = mail("a@example.org", "marketing news", "B", event=event)
    normal = mail("a@example.org", "Your order", "B", event=event)
    commit(tm)
    stopped = reload(db_session, withheld)
    assert (stopped.status, stopped.error, stopped.attempts) == (MailStatus.WITHHELD, "no marketing to this domain", 0)
    assert reload(db_session, normal).status == MailStatus.SENT
    outbox = filter_app.mail_backend.outbox
    assert [m["Subject"] for m in outbox] == ["marketing news", "Your order"]
    assert outbox[1]["X-Filtered"] == "yes"
    assert outbox[0]["X-Filtered"] is None
