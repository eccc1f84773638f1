"""Demo data for a fresh installation (``ticketry demo``); running it again changes nothing but the token."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.db import scope
from core.i18n import I18nString
from core.models import Event, Item, Organizer, Team, TeamAPIToken, User
from core.services.catalogue.items import create_item
from core.services.catalogue.quotas import create_quota
from core.services.catalogue.taxrules import create_tax_rule
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
    """Ensure the demo organizer, event (with products and quotas), admin user and all-permissions team exist.

    A new API token is issued each time.

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
        if session.scalar(select(Item.id).where(Item.event_id == event.id).limit(1)) is None:
            _create_catalogue(session, event, user)
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


def _create_catalogue(session: Session, event: Event, user: User) -> None:
    """A tax rule, a ticket, a reduced ticket and a T-shirt in sizes, with quotas, for a fresh demo event."""
    vat = create_tax_rule(session, event, {"name": I18nString({"en": "VAT", "de": "MwSt."}), "rate": Decimal("19")},
                          user=user)

    def product(en: str, de: str, price: str, **values: Any) -> dict[str, Any]:
        return {"name": I18nString({"en": en, "de": de}), "default_price": Decimal(price), "tax_rule": vat.id,
                **values}

    ticket = create_item(session, event, product("Ticket", "Ticket", "49.00", admission=True), user=user)
    reduced = create_item(session, event, product("Reduced ticket", "Ermäßigtes Ticket", "29.00", admission=True),
                          user=user)
    shirt = create_item(session, event, product("T-shirt", "T-Shirt", "20.00"), user=user,
                        variations=[{"value": I18nString({"en": size})} for size in ("S", "M", "L", "XL")])
    create_quota(session, event, {"name": "Admission", "size": 500, "items": [ticket.id, reduced.id]}, user=user)
    create_quota(session, event, {"name": "T-shirts", "size": 100, "items": [shirt.id],
                                  "variations": [variation.id for variation in shirt.variations]}, user=user)


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
