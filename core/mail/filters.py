"""The mail filter signal (:class:`~core.interfaces.mail.IMailFilter`): last changes before sending, or withholding."""

from __future__ import annotations

from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any

from sqlalchemy.orm import Session
from zope.interface import implementer

from core.db import tenancy
from core.interfaces.mail import IMailFilter
from core.models import Event, Organizer
from core.models.mail import OutgoingMail
from core.pluginhost import send


class WithholdMail(Exception):
    """Raised by a mail filter to stop a mail; the message becomes the mail's ``error``."""


@implementer(IMailFilter)
@dataclass(frozen=True)
class MailFilter:
    scope: Any
    message: EmailMessage
    mail: OutgoingMail


def apply_filters(session: Session, mail: OutgoingMail, message: EmailMessage, registry: Any) -> EmailMessage:
    """Run the mail filters active for the mail's scope; return the final message."""
    if mail.organizer_id is None:
        result = send(MailFilter(None, message, mail), session=session, registry=registry)
    else:
        with tenancy.scope(mail.organizer_id):
            scope: Any = session.get(Event, mail.event_id) if mail.event_id is not None else None
            if scope is None:
                scope = session.get(Organizer, mail.organizer_id)
            result = send(MailFilter(scope, message, mail), session=session, registry=registry)
    if not isinstance(result, EmailMessage):
        raise TypeError(f"a mail filter returned {type(result).__name__}, not the EmailMessage it was given")
    return result
