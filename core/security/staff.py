"""Staff admin mode: a staff user holds every permission while a :class:`StaffSession` is open.

``User.is_staff`` only makes a user eligible. Admin mode starts explicitly (``/control/sudo``),
is bound to the login's session key, ends on request, at logout, or :data:`STAFF_SESSION_LIMIT`
after it started (an outlived session is closed when the user next starts admin mode). Every
request made in admin mode is written to ``StaffSessionAuditLog`` in its own transaction after
the request, so requests that fail or are rolled back are recorded too. Start and end are in the
audit log.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from pyramid.events import ContextFound
from pyramid.request import Request
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.db.session import unit_of_work
from core.logs import log_action
from core.models import StaffSession, StaffSessionAuditLog, User

#: Admin mode ends by itself this long after it started (pretix: 12 h).
STAFF_SESSION_LIMIT = timedelta(hours=12)


class NotStaff(PermissionError):
    """The user is not eligible for admin mode (``is_staff`` is false)."""


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _expired(staff: StaffSession) -> bool:
    return datetime.now(UTC) - _aware(staff.date_start) > STAFF_SESSION_LIMIT


def _open_sessions(session: Session, user: User, session_key: str | None = None) -> list[StaffSession]:
    stmt = select(StaffSession).where(StaffSession.user_id == user.id, StaffSession.date_end.is_(None))
    if session_key is not None:
        stmt = stmt.where(StaffSession.session_key == session_key)
    return list(session.scalars(stmt.order_by(StaffSession.id.desc())))


def active_staff_session(session: Session, user: User, session_key: str) -> StaffSession | None:
    """The open, unexpired staff session of this login, or None (reads only)."""
    if not user.is_staff:
        return None
    found = _open_sessions(session, user, session_key)
    if not found or _expired(found[0]):
        return None
    return found[0]


def start_staff_session(session: Session, user: User, session_key: str) -> StaffSession:
    """Enter admin mode for this login (or return the open staff session). Raises :class:`NotStaff`."""
    if not user.is_staff:
        raise NotStaff(f"user {user.email} is not a staff member")
    existing = active_staff_session(session, user, session_key)
    if existing is not None:
        return existing
    for outlived in _open_sessions(session, user):
        if _expired(outlived):
            outlived.date_end = _aware(outlived.date_start) + STAFF_SESSION_LIMIT
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
    """Subscriber: schedule one audit row for each request made in admin mode."""
    request = event.request
    staff = getattr(request.identity, "staff_session", None)
    if staff is None:
        return
    row = {"session_id": staff.id, "datetime": datetime.now(UTC), "url": request.url[:2000],
           "method": request.method[:10]}

    def write(finished: Request) -> None:
        with unit_of_work(finished.registry) as session:
            session.add(StaffSessionAuditLog(**row))

    request.add_finished_callback(write)
