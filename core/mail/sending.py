"""The send task: builds the message of an :class:`~core.models.OutgoingMail` and hands it to the backend.

Delivery outcomes:

* accepted: status ``sent``, ``sent`` time set, bodies wiped if the mail is ``sensitive``;
* **transient** failure (SMTP 4xx, connection or timeout errors): the attempt and error are
  recorded and the task retries with exponential backoff (:data:`RETRY_DELAY` seconds, doubling);
  after :data:`MAX_ATTEMPTS` the mail is ``failed``;
* **permanent** failure (SMTP 5xx, all recipients refused with 5xx): status ``failed`` at once;
* a mail filter withheld it: status ``withheld``.

The row is ``inflight`` (committed) while the backend talks to the server, so a crashed worker
leaves a visible trace.
"""

from __future__ import annotations

import base64
import logging
import smtplib
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr

from sqlalchemy.orm import Session

from core.mail.filters import WithholdMail, apply_filters
from core.models.mail import MailStatus, OutgoingMail
from core.pluginhost import current_registry
from core.tasks import RetryLater, task

log = logging.getLogger("ticketry.mail")

MAX_ATTEMPTS = 6
RETRY_DELAY = 10


def build_message(mail: OutgoingMail) -> EmailMessage:
    """The MIME message of ``mail``: text, optional HTML alternative, attachments, headers."""
    message = EmailMessage()
    message["Subject"] = mail.subject
    message["From"] = mail.sender
    message["To"] = ", ".join(mail.to)
    if mail.cc:
        message["Cc"] = ", ".join(mail.cc)
    message["Date"] = formatdate(localtime=False)
    domain = parseaddr(mail.sender)[1].rpartition("@")[2] or "localhost"
    message["Message-ID"] = make_msgid(f"ticketry.{mail.id}", domain=domain)
    for key, value in (mail.headers or {}).items():
        message[key] = value
    message.set_content(mail.body_text)
    if mail.body_html:
        message.add_alternative(mail.body_html, subtype="html")
    for attachment in mail.attachments or []:
        maintype, _, subtype = attachment["content_type"].partition("/")
        message.add_attachment(base64.b64decode(attachment["data"]), maintype=maintype, subtype=subtype,
                               filename=attachment["filename"])
    return message


def is_transient(exc: BaseException) -> bool:
    """Whether a delivery error may go away by itself (retry) or is final (fail now)."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return any(400 <= code < 500 for code, _msg in exc.recipients.values())
    if isinstance(exc, smtplib.SMTPResponseException):
        return 400 <= exc.smtp_code < 500
    return isinstance(exc, OSError)


def _describe(exc: BaseException) -> str:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return "recipients refused: " + "; ".join(
            f"{address}: {code} {reply.decode(errors='replace') if isinstance(reply, bytes) else reply}"
            for address, (code, reply) in sorted(exc.recipients.items())
        )
    if isinstance(exc, smtplib.SMTPResponseException):
        reply = exc.smtp_error.decode(errors="replace") if isinstance(exc.smtp_error, bytes) else exc.smtp_error
        return f"SMTP {exc.smtp_code}: {reply}"
    return f"{type(exc).__name__}: {exc}"


def _commit_progress(session: Session, mail: OutgoingMail) -> None:
    """Commit what the task did so far and go on in a new transaction.

    zope.sqlalchemy closes the session at commit, so ``mail`` is attached again.
    """
    manager = session.info["tm"]
    manager.commit()
    manager.begin()
    session.add(mail)


@task(retries=MAX_ATTEMPTS - 1, retry_delay=RETRY_DELAY, retry_backoff=2)
def send_mail(session: Session, mail_id: int) -> None:
    """Deliver the outgoing mail ``mail_id`` (queued by :func:`core.mail.mail` after commit)."""
    mail = session.get(OutgoingMail, mail_id)
    if mail is None or mail.status not in (MailStatus.QUEUED, MailStatus.INFLIGHT):
        return
    registry = current_registry()
    message = build_message(mail)
    try:
        message = apply_filters(session, mail, message, registry)
    except WithholdMail as exc:
        mail.status, mail.error = MailStatus.WITHHELD, str(exc) or "withheld by a mail filter"
        return
    mail.status = MailStatus.INFLIGHT
    mail.attempts += 1
    _commit_progress(session, mail)
    recipients = [*mail.to, *mail.cc, *mail.bcc]
    try:
        registry.mail_backend.send(message, parseaddr(mail.sender)[1], recipients, sensitive=mail.sensitive)
    except Exception as exc:  # classified below; anything unexpected fails the mail for good
        mail.error = _describe(exc)
        if is_transient(exc) and mail.attempts < MAX_ATTEMPTS:
            mail.status = MailStatus.QUEUED
            log.warning("mail %s: attempt %s failed, will retry: %s", mail.id, mail.attempts, mail.error)
            raise RetryLater(mail.error) from exc
        mail.status = MailStatus.FAILED
        log.error("mail %s failed after %s attempt(s): %s", mail.id, mail.attempts, mail.error)
        return
    mail.status, mail.error, mail.sent = MailStatus.SENT, None, datetime.now(UTC)
    if mail.sensitive:
        mail.body_text, mail.body_html = "", None
