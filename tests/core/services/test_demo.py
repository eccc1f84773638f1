"""load_demo: idempotent demo organizer, event, admin user and team; a fresh API token on every run."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.db import scope
from core.models import Event, Organizer, Team, TeamAPIToken, User
from core.security.identity import token_digest
from core.security.passwords import verify_password
from core.services import demo


def test_load_demo_twice_creates_everything_once(db_session: Session) -> None:
    first = demo.load_demo(db_session)
    second = demo.load_demo(db_session)
    assert (second.organizer, second.event, second.user, second.team) == (
        first.organizer, first.event, first.user, first.team
    )
    assert db_session.scalar(select(func.count()).select_from(Organizer)) == 1
    assert db_session.scalar(select(func.count()).select_from(User)) == 1
    assert (first.organizer.slug, first.event.slug, first.user.email) == ("demo", "democon", demo.ADMIN_EMAIL)
    assert verify_password(first.user.password_hash, demo.ADMIN_PASSWORD)[0]
    assert first.user.is_staff
    with scope(first.organizer.id):
        assert db_session.scalar(select(func.count()).select_from(Event)) == 1
        team = db_session.scalar(select(Team))
        tokens = db_session.scalars(select(TeamAPIToken)).all()
    assert team.all_events and team.all_event_permissions and team.all_organizer_permissions
    assert team.members == [first.user]
    assert [t.token_hash for t in tokens] == [token_digest(second.token)]
    assert first.token != second.token


def test_describe_shows_login_and_token(db_session: Session) -> None:
    loaded = demo.load_demo(db_session)
    text = "\n".join(demo.describe(loaded, "http://127.0.0.1:8000/"))
    assert f"{demo.ADMIN_EMAIL} / {demo.ADMIN_PASSWORD}" in text
    assert loaded.token in text and "demo/democon" in text and "http://127.0.0.1:8000/healthz" in text


def test_demo_event_has_products_that_can_be_ordered(db_session: Session) -> None:
    from core.models import Item, Quota
    from core.services.quotas import item_availability

    loaded = demo.load_demo(db_session)
    demo.load_demo(db_session)
    with scope(loaded.organizer.id):
        items = db_session.scalars(select(Item).where(Item.event_id == loaded.event.id).order_by(Item.id)).all()
        quotas = db_session.scalars(select(Quota).where(Quota.event_id == loaded.event.id)).all()
        assert [str(item.name) for item in items] == ["Ticket", "Reduced ticket", "T-shirt"]
        assert sorted(q.size for q in quotas) == [100, 500]
        assert len(items[2].variations) == 4
        state = item_availability(db_session, loaded.event, [items[0]])
    assert state[(items[0].id, None)] == (Quota.AVAILABILITY_OK, 500)
