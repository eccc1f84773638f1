"""``mail(...)``: render a mail, store it as an :class:`~core.models.OutgoingMail`, send it after commit."""

from __future__ import annotations

import base64
import logging
from collections.abc import Iterable, Mapping
from email.utils import formataddr
from typing import Any

from sqlalchemy.orm import Session, object_session

from core.i18n import I18nString
from core.interfaces.mail import IHtmlMailRenderer
from core.mail.placeholders import Placeholders
from core.models.mail import MailStatus, OutgoingMail
from core.pluginhost import current_registry, provider_for
from core.settings import settings_for
from core.tasks import enqueue_after_commit

log = logging.getLogger("ticketry.mail")

#: Renderer used when the configured one is unknown or its plugin is inactive.
FALLBACK_RENDERER = "simple"

#: ``(filename, content, content type)`` of an attachment.
Attachment = tuple[str, bytes, str]


def _addresses(value: str | Iterable[str] | None, what: str) -> list[str]:
    if value is None:
        return []
    items = [value] if isinstance(value, str) else list(value)
    for item in items:
        if not isinstance(item, str) or "@" not in item or any(c in item for c in "\r\n"):
            raise ValueError(f"mail(): {what} must be e-mail addresses, got {item!r}")
    return items


def _text(value: str | I18nString | None, locale: str) -> str:
    if value is None:
        return ""
    return value.localize(locale) if isinstance(value, I18nString) else str(value)


def _render_html(scope: Any, settings: Any, body: str, signature: str, subject: str, **kw: Any) -> str | None:
    name = settings.get("mail_html_renderer")
    renderer = provider_for(scope, IHtmlMailRenderer, name)
    if renderer is None:
        renderer = provider_for(scope, IHtmlMailRenderer, FALLBACK_RENDERER)
    try:
        return renderer.render(body, signature, subject, **kw)
    except Exception:  # a broken design must not stop the mail: send text only
        log.exception("HTML mail renderer %r failed; sending plain text only", name)
        return None


def mail(
    to: str | Iterable[str],
    subject: str | I18nString,
    body: str | I18nString,
    context: Mapping[str, Any] | None = None,
    *,
    event: Any = None,
    organizer: Any = None,
    session: Session | None = None,
    locale: str | None = None,
    headers: Mapping[str, str] | None = None,
    sender: str | None = None,
    plain_text_only: bool = False,
    cc: Iterable[str] = (),
    bcc: Iterable[str] = (),
    sensitive: bool = False,
    attachments: Iterable[Attachment] = (),
    order_id: int | None = None,
) -> OutgoingMail:
    """Render and queue a mail; it is sent by a task once the current transaction commits.

    :param to: recipient address(es).
    :param subject: subject template (``str`` or translated :class:`~core.i18n.I18nString`).
    :param body: text template; ``{placeholders}`` are filled from ``context`` and the
        :class:`~core.interfaces.mail.IPlaceholder` providers (see :mod:`core.mail.placeholders`).
    :param context: objects the placeholders need (``event``, ``order``, ...) and literal values
        (``{"url": reset_link}``); literal ``str``/number/translated values win over providers.
    :param event: the event the mail is about; gives the scope (settings, placeholders, renderer,
        plugins) and the organizer.
    :param organizer: the organizer, when there is no event.
    :param session: the session to write with; defaults to the event's or organizer's session.
        Required for platform mails (neither event nor organizer).
    :param locale: language of the texts; default: the scope's ``locale`` setting.
    :param headers: extra message headers.
    :param sender: ``From`` address; default: ``mail_from_name <mail_from>`` of the event, organizer
        or platform settings (``ticketry.mail.from`` at the end).
    :param plain_text_only: no HTML part.
    :param cc: copy recipients. :param bcc: blind copy recipients (plus the ``mail_bcc`` setting,
        except for sensitive mails).
    :param sensitive: contains secrets (login or reset links): never logged, bodies wiped once sent,
        no ``mail_bcc``.
    :param attachments: ``(filename, bytes, content type)`` tuples; meant for small files.
    :param order_id: the order the mail is about (kept on the row).
    :returns: the new :class:`~core.models.OutgoingMail` (flushed, status ``queued``).
    """
    if event is not None:
        organizer = event.organizer
    scope = event if event is not None else organizer
    session = session or (object_session(scope) if scope is not None else None)
    if session is None:
        raise ValueError("mail(): pass session= for platform mails (no event or organizer)")
    recipients = _addresses(to, "to")
    if not recipients:
        raise ValueError("mail(): at least one recipient is required")
    registry = current_registry()
    settings = settings_for(session, scope, registry)
    locale = locale or settings.get("locale")
    full_context: dict[str, Any] = {"locale": locale}
    if event is not None:
        full_context["event"] = event
    if organizer is not None:
        full_context["organizer"] = organizer
    full_context.update(context or {})
    placeholders = Placeholders(scope, full_context, registry)

    subject_text = placeholders.render(_text(subject, locale)).replace("\r", " ").replace("\n", " ")
    prefix = settings.get("mail_prefix")
    if prefix:
        subject_text = f"[{prefix}] {subject_text}"
    body_text = placeholders.render(_text(body, locale))
    signature = placeholders.render(_text(settings.get("mail_text_signature"), locale)).strip()
    full_text = f"{body_text.rstrip()}\n\n-- \n{signature}\n" if signature else body_text
    html = None
    if not plain_text_only:
        html = _render_html(scope, settings, body_text, signature, subject_text, event=event,
                            organizer=organizer, locale=locale, context=full_context)

    if sender is None:
        sender = formataddr((settings.get("mail_from_name") or "", settings.get("mail_from")))
    blind = _addresses(bcc, "bcc")
    extra_bcc = settings.get("mail_bcc")
    if extra_bcc and not sensitive:
        blind.append(extra_bcc)
    row = OutgoingMail(
        organizer_id=organizer.id if organizer is not None else None,
        event_id=event.id if event is not None else None,
        order_id=order_id,
        status=MailStatus.QUEUED,
        sender=sender,
        to=recipients,
        cc=_addresses(cc, "cc"),
        bcc=blind,
        subject=subject_text,
        body_text=full_text,
        body_html=html,
        headers=dict(headers or {}),
        attachments=[
            {"filename": name, "content_type": ctype, "data": base64.b64encode(content).decode("ascii")}
            for name, content, ctype in attachments
        ],
        locale=locale,
        sensitive=sensitive,
    )
    session.add(row)
    session.flush()
    from core.mail.sending import send_mail

    enqueue_after_commit(session, send_mail, row.id)
    if not sensitive:
        log.info("mail %s queued to %s: %s", row.id, ", ".join(recipients), subject_text)
    return row
