"""Staff admin mode: a staff user holds every permission while a :class:`StaffSession` is open.

``User.is_staff`` only makes a user eligible. Admin mode starts explicitly (``/control/sudo``),
is bound to the login's session key, ends on request, at logout, or :data:`STAFF_SESSION_LIMIT`
after it started. Every request made in admin mode is written to ``StaffSessionAuditLog`` (in the
request's transaction), and start and end are in the audit log.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from pyramid.events import ContextFound
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.logs import log_action
from core.models import StaffSession, StaffSessionAuditLog, User

#: Admin mode ends by itself this long after it started (pretix: 12 h).
STAFF_SESSION_LIMIT = timedelta(hours=12)


class NotStaff(PermissionError):
    """The user is not eligible for admin mode (``is_staff`` is false)."""


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def active_staff_session(session: Session, user: User, session_key: str) -> StaffSession | None:
    """The open staff session of this login, or None; one that outlived the limit is closed here."""
    if not user.is_staff:
        return None
    staff = session.scalar(
        select(StaffSession)
        .where(
            StaffSession.user_id == user.id,
            StaffSession.session_key == session_key,
            StaffSession.date_end.is_(None),
        )
        .order_by(StaffSession.id.desc())
        .limit(1)
    )
    if staff is None:
        return None
    if datetime.now(UTC) - _aware(staff.date_start) > STAFF_SESSION_LIMIT:
        staff.date_end = _aware(staff.date_start) + STAFF_SESSION_LIMIT
        return None
    return staff


def start_staff_session(session: Session, user: User, session_key: str) -> StaffSession:
    """Enter admin mode for this login (or return the open staff session). Raises :class:`NotStaff`."""
    if not user.is_staff:
        raise NotStaff(f"user {user.email} is not a staff member")
    existing = active_staff_session(session, user, session_key)
    if existing is not None:
        return existing
    staff = StaffSession(user_id=user.id, session_key=session_key, date_start=datetime.now(UTC))
    session.add(staff)
    session.flush()
    log_action(user, "pretix.control.staff.session.started", {"staff_session": staff.id}, user=user)
    return staff


def end_staff_session(session: Session, staff: StaffSession, *, user: User, comment: str | None = None) -> None:
    """Leave admin mode, keeping an optional comment on what was done."""
    staff.date_end = datetime.now(UTC)
    if comment:
        staff.comment = comment
    session.flush()
    log_action(user, "pretix.control.staff.session.ended", {"staff_session": staff.id}, user=user)


def audit_request(event: ContextFound) -> None:
    """Subscriber: write one audit row for each request made in admin mode."""
    request = event.request
    identity = request.identity
    staff = getattr(identity, "staff_session", None)
    if staff is None:
        return
    request.dbsession.add(
        StaffSessionAuditLog(
            session_id=staff.id, datetime=datetime.now(UTC), url=request.url[:2000], method=request.method[:10]
        )
    )
