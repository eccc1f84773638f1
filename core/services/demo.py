"""Demo data for a fresh installation (``ticketry demo``); running it again changes nothing but the token."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.db import scope
from core.models import Event, Organizer, Team, TeamAPIToken, User
from core.services.events import create_event
from core.services.organizers import create_organizer
from core.services.teams import create_team, create_token
from core.services.users import create_user

ORGANIZER_SLUG = "demo"
EVENT_SLUG = "democon"
ADMIN_EMAIL = "admin@example.org"
ADMIN_PASSWORD = "admin"
TEAM_NAME = "Administrators"
TOKEN_NAME = "demo"


@dataclass(frozen=True)
class Demo:
    """What :func:`load_demo` made sure exists; ``token`` is the plaintext of a fresh API token."""

    organizer: Organizer
    event: Event
    user: User
    team: Team
    token: str


def _get_or_create_user(session: Session) -> User:
    user = session.scalar(select(User).where(User.email == ADMIN_EMAIL))
    if user is None:
        user = create_user(session, ADMIN_EMAIL, password=ADMIN_PASSWORD, fullname="Demo Admin", is_staff=True)
    return user


def load_demo(session: Session, now: datetime | None = None) -> Demo:
    """Ensure the demo organizer, event, admin user and all-permissions team exist; issue a new API token.

    The admin user ``admin@example.org`` has the password ``admin``: for development installations only.
    A previous demo token is replaced, because only a token's digest is stored.
    """
    user = _get_or_create_user(session)
    organizer = session.scalar(select(Organizer).where(Organizer.slug == ORGANIZER_SLUG))
    if organizer is None:
        organizer = create_organizer(session, ORGANIZER_SLUG, "Demo Organizer", actor=user)
    with scope(organizer.id):
        event = session.scalar(select(Event).where(Event.slug == EVENT_SLUG))
        if event is None:
            start = (now or datetime.now(UTC)).replace(hour=10, minute=0, second=0, microsecond=0) + timedelta(days=60)
            event = create_event(
                session, organizer, EVENT_SLUG, {"en": "DemoCon", "de": "DemoCon"}, start, "EUR",
                date_to=start + timedelta(days=2), location={"en": "Demo City"}, actor=user,
            )
        team = session.scalar(select(Team).where(Team.name == TEAM_NAME))
        if team is None:
            team = create_team(
                session, organizer, TEAM_NAME, all_events=True, all_event_permissions=True,
                all_organizer_permissions=True, members=[user], actor=user,
            )
        for old in session.scalars(select(TeamAPIToken).where(TeamAPIToken.team_id == team.id,
                                                              TeamAPIToken.name == TOKEN_NAME)):
            session.delete(old)
        session.flush()
        _token, plaintext = create_token(session, team, TOKEN_NAME)
    return Demo(organizer, event, user, team, plaintext)


def describe(demo: Demo, site_url: str) -> list[str]:
    """Lines telling the operator what the demo contains and how to use it."""
    base = site_url.rstrip("/")
    return [
        f"organizer: {demo.organizer.slug} ({demo.organizer.name})",
        f"event:     {demo.organizer.slug}/{demo.event.slug} ({demo.event.name})",
        f"login:     {demo.user.email} / {ADMIN_PASSWORD}  (development only)",
        f"team:      {demo.team.name} (all permissions)",
        f"API token: {demo.token}",
        f"server:    {base}/healthz",
    ]
