from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from core.db import scope
from core.models import LogEntry, Team, TeamAPIToken, TeamInvite, User
from core.security.identity import token_digest
from core.security.permissions import InvalidPermissions, UnknownPermission
from core.services import teams


def _log(db_session, action_type):
    return [json.loads(e.data) for e in db_session.scalars(
        select(LogEntry).where(LogEntry.action_type == action_type).order_by(LogEntry.id))]


def test_create_team_stores_grants_and_logs(db_session, organizer, event, user):
    with scope(organizer.id):
        team = teams.create_team(
            db_session, organizer, " Box office ", permissions=["event.orders:read", "can_checkin_orders",
                                                                 "organizer.giftcards:read"],
            limit_events=[event], members=[user], actor=user,
        )
    assert team.name == "Box office"
    assert team.limit_event_permissions == {"event.orders:read": True, "event.orders:checkin": True}
    assert team.limit_organizer_permissions == {"organizer.giftcards:read": True}
    assert team.members == [user]
    (created,) = _log(db_session, "pretix.team.created")
    assert created["limit_events"] == [event.id]
    assert _log(db_session, "pretix.team.member.added") == [{"email": user.email, "user": user.id}]


def test_unknown_permission_names_are_refused(db_session, organizer):
    with scope(organizer.id), pytest.raises(UnknownPermission):
        teams.create_team(db_session, organizer, "x", permissions=["event.orders:delete"])


def test_permission_dicts_are_validated_on_flush(db_session, organizer):
    with scope(organizer.id):
        db_session.add(Team(organizer_id=organizer.id, name="raw", limit_event_permissions={"event.orders:read": 1},
                            limit_organizer_permissions={}))
        with pytest.raises(InvalidPermissions, match="must map to true"):
            db_session.flush()
        db_session.rollback()


def test_team_changed_on_flush_is_validated(db_session, organizer, team):
    with scope(organizer.id):
        team.limit_organizer_permissions = {"event.orders:read": True}
        with pytest.raises(InvalidPermissions, match="not a known organizer permission"):
            db_session.flush()
        db_session.rollback()


def test_update_team_logs_only_changes(db_session, organizer, event, team):
    with scope(organizer.id):
        teams.update_team(db_session, team, name="Admins", all_event_permissions=False,
                          permissions=["can_view_orders"], limit_events=[event])
        teams.update_team(db_session, team, name="Admins")
    (changed,) = _log(db_session, "pretix.team.changed")
    assert changed == {"all_event_permissions": False, "limit_event_permissions": ["event.orders:read"],
                       "limit_events": [event.id], "name": "Admins"}
    assert team.limit_event_permissions == {"event.orders:read": True}


def test_events_of_another_organizer_cannot_be_given(db_session, organizer, other_event):
    with scope(organizer.id), pytest.raises(ValueError, match="another organizer"):
        teams.create_team(db_session, organizer, "x", limit_events=[other_event])


def test_members_are_added_and_removed(db_session, organizer, team, user):
    bob = User(email="bob@example.org", session_token="b" * 32)
    db_session.add(bob)
    with scope(organizer.id):
        teams.add_member(db_session, team, bob)
        teams.add_member(db_session, team, bob)
        teams.remove_member(db_session, team, bob)
        with pytest.raises(ValueError, match="not a member"):
            teams.remove_member(db_session, team, bob)
    assert len(_log(db_session, "pretix.team.member.added")) == 2  # alice by the fixture, bob once
    assert _log(db_session, "pretix.team.member.removed") == [{"email": "bob@example.org", "user": bob.id}]


def test_tokens_are_stored_hashed_and_revocable(db_session, organizer, team):
    with scope(organizer.id):
        token, plaintext = teams.create_token(db_session, team, "pos")
        assert len(plaintext) == 64 and plaintext.isalnum() and plaintext.islower()
        stored = db_session.scalar(select(TeamAPIToken).where(TeamAPIToken.id == token.id))
        assert stored.token_hash == token_digest(plaintext) != plaintext
        teams.revoke_token(db_session, token)
    assert not token.active
    assert _log(db_session, "pretix.team.token.created") == [{"id": token.id, "name": "pos"}]
    assert _log(db_session, "pretix.team.token.deleted") == [{"id": token.id, "name": "pos"}]


def test_invite_existing_user_adds_them_at_once(db_session, organizer, team):
    bob = User(email="bob@example.org", session_token="b" * 32)
    db_session.add(bob)
    with scope(organizer.id):
        assert teams.invite(db_session, team, "Bob@Example.org") is None
    assert bob in team.members


def test_invite_new_address_and_accept(db_session, organizer, team):
    with scope(organizer.id):
        created = teams.invite(db_session, team, "carol@example.org")
        assert teams.invite(db_session, team, "carol@example.org") is created
    assert len(created.token) == 32
    carol = User(email="carol.private@example.org", session_token="c" * 32)
    db_session.add(carol)
    db_session.flush()
    assert teams.accept_invite(db_session, created.token, carol) is team
    assert carol in team.members
    with scope(organizer.id):
        assert db_session.scalars(select(TeamInvite)).all() == []
    with pytest.raises(LookupError):
        teams.accept_invite(db_session, created.token, carol)
    assert _log(db_session, "pretix.team.member.joined")[0]["invite_email"] == "carol@example.org"


def test_revoke_invite_and_delete_team(db_session, organizer, team):
    with scope(organizer.id):
        created = teams.invite(db_session, team, "dave@example.org")
        teams.revoke_invite(db_session, created)
        teams.delete_team(db_session, team)
        assert db_session.scalars(select(Team)).all() == []
    assert _log(db_session, "pretix.team.invite.deleted") == [{"email": "dave@example.org"}]
    assert _log(db_session, "pretix.team.deleted")[0]["name"] == "Administrators"


def test_legacy_flags_of_a_team(db_session, organizer):
    with scope(organizer.id):
        team = teams.create_team(db_session, organizer, "x", permissions=["can_change_orders",
                                                                         "organizer.giftcards:read"])
    flags = teams.legacy_flags(team)
    assert flags["can_change_orders"] and not flags["can_view_orders"]
    assert not flags["can_manage_gift_cards"]
    assert set(flags) >= {"can_change_event_settings", "can_create_events", "can_manage_reusable_media"}


@pytest.fixture
def other_event(db_session):
    from datetime import UTC, datetime

    from core.i18n import I18nString
    from core.models import Event, Organizer

    other = Organizer(slug="other", name="Other")
    db_session.add(other)
    db_session.flush()
    with scope(other.id):
        ev = Event(organizer_id=other.id, slug="x", name=I18nString({"en": "X"}),
                   date_from=datetime(2030, 1, 1, tzinfo=UTC))
        db_session.add(ev)
        db_session.flush()
    return ev
