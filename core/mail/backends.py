"""Mail backends: how a built message leaves (``ticketry.mail.backend``).

* ``smtp``: the server in ``ticketry.mail.smtp_*``: implicit TLS with ``smtp_ssl`` (it wins over
  ``smtp_tls``), else STARTTLS with ``smtp_tls``, else plain; login when ``smtp_user`` is set;
* ``file``: one ``.eml`` file per message in ``<ticketry.var_dir>/mail`` (development);
* ``console``: printed to standard output (development; bodies of sensitive mails are left out);
* ``memory``: appended to ``backend.outbox`` (tests; see the ``mailoutbox`` fixture).

``send(message, sender, recipients)`` returns normally when the message was accepted. It raises
:class:`smtplib.SMTPResponseException` / :class:`smtplib.SMTPRecipientsRefused` with the server's
code, or :class:`OSError` (connection problems). :mod:`core.mail.sending` decides whether to retry.
"""

from __future__ import annotations

import os
import smtplib
import ssl
import sys
import uuid
from datetime import UTC, datetime
from email.message import EmailMessage
from typing import Any, TextIO

from core.configuration import ConfigurationError

SMTP_TIMEOUT = 30


class MailBackend:
    """Base class: delivers a built message to ``recipients`` with envelope sender ``sender``."""

    def send(self, message: EmailMessage, sender: str, recipients: list[str], sensitive: bool = False) -> None:
        raise NotImplementedError


class SMTPBackend(MailBackend):
    def __init__(self, host: str, port: int, user: str = "", password: str = "", use_tls: bool = True,
                 use_ssl: bool = False, timeout: float = SMTP_TIMEOUT) -> None:
        self.host, self.port, self.user, self.password = host, port, user, password
        self.use_tls, self.use_ssl, self.timeout = use_tls, use_ssl, timeout

    def _connect(self) -> smtplib.SMTP:
        if self.use_ssl:
            return smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout, context=ssl.create_default_context())
        connection = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        if self.use_tls:
            connection.starttls(context=ssl.create_default_context())
        return connection

    def send(self, message: EmailMessage, sender: str, recipients: list[str], sensitive: bool = False) -> None:
        with self._connect() as connection:
            if self.user:
                connection.login(self.user, self.password)
            refused = connection.send_message(message, from_addr=sender, to_addrs=recipients)
        if refused:
            raise smtplib.SMTPRecipientsRefused(refused)


class FileBackend(MailBackend):
    def __init__(self, directory: str) -> None:
        self.directory = directory

    def send(self, message: EmailMessage, sender: str, recipients: list[str], sensitive: bool = False) -> None:
        os.makedirs(self.directory, exist_ok=True)
        stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
        path = os.path.join(self.directory, f"{stamp}-{uuid.uuid4().hex[:12]}.eml")
        with open(path, "wb") as handle:
            handle.write(message.as_bytes())


class ConsoleBackend(MailBackend):
    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream

    def send(self, message: EmailMessage, sender: str, recipients: list[str], sensitive: bool = False) -> None:
        stream = self.stream or sys.stdout
        if sensitive:
            headers = "".join(f"{key}: {value}\n" for key, value in message.items())
            stream.write(f"{headers}\n[body of a sensitive mail not shown]\n")
        else:
            stream.write(message.as_string())
        stream.write("\n" + "-" * 79 + "\n")
        stream.flush()


class MemoryBackend(MailBackend):
    def __init__(self) -> None:
        self.outbox: list[EmailMessage] = []

    def send(self, message: EmailMessage, sender: str, recipients: list[str], sensitive: bool = False) -> None:
        self.outbox.append(message)


def backend_from_settings(settings: dict[str, Any]) -> MailBackend:
    """The backend configured by ``ticketry.mail.*``."""
    kind = settings["ticketry.mail.backend"]
    if kind == "smtp":
        return SMTPBackend(
            settings["ticketry.mail.smtp_host"], settings["ticketry.mail.smtp_port"],
            settings["ticketry.mail.smtp_user"], settings["ticketry.mail.smtp_password"],
            use_tls=settings["ticketry.mail.smtp_tls"], use_ssl=settings["ticketry.mail.smtp_ssl"],
        )
    if kind == "file":
        return FileBackend(os.path.join(settings["ticketry.var_dir"], "mail"))
    if kind == "console":
        return ConsoleBackend()
    if kind == "memory":
        return MemoryBackend()
    raise ConfigurationError(
        f"setting 'ticketry.mail.backend' has the bad value {kind!r}: expected smtp, file, console or memory"
    )
