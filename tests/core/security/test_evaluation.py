from __future__ import annotations

import pytest
from sqlalchemy import event as sa_event

from core.db import scope
from core.models import User
from core.security.evaluation import EVERYTHING, NOTHING, team_permissions, user_permissions
from core.security.permissions import PermissionCatalogue, UnknownPermission
from core.services.teams import create_team


@pytest.fixture
def catalogue():
    return PermissionCatalogue.with_core_groups()


@pytest.fixture
def bob(db_session):
    bob = User(email="bob@example.org", session_token="b" * 32)
    db_session.add(bob)
    db_session.flush()
    return bob


def _team(db_session, organizer, members, **kw):
    with scope(organizer.id):
        return create_team(db_session, organizer, kw.pop("name", "T"), members=members, **kw)


def test_user_permissions_are_the_union_of_their_teams(db_session, organizer, event, bob, catalogue):
    _team(db_session, organizer, [bob], name="orders", all_events=True, permissions=["event.orders:read"])
    _team(db_session, organizer, [bob], name="vouchers", all_events=True,
          permissions=["event.vouchers:write", "organizer.giftcards:read"])
    perms = user_permissions(db_session, bob.id, organizer.id, event.id)
    assert perms.allows("event.orders:read", catalogue)
    assert perms.allows("event.vouchers:write", catalogue)
    assert perms.allows("organizer.giftcards:read", catalogue)
    assert not perms.allows("event.orders:write", catalogue)
    assert not perms.allows("organizer.giftcards:write", catalogue)


def test_limited_team_applies_only_to_its_events(db_session, organizer, event, second_event, bob, catalogue):
    _team(db_session, organizer, [bob], limit_events=[event], permissions=["event.orders:write"])
    on_listed = user_permissions(db_session, bob.id, organizer.id, event.id)
    on_other = user_permissions(db_session, bob.id, organizer.id, second_event.id)
    assert on_listed.allows("event.orders:write", catalogue) and on_listed.allows(None, catalogue)
    assert not on_other.allows("event.orders:write", catalogue)
    assert not on_other.allows("member", catalogue)
    organizer_wide = user_permissions(db_session, bob.id, organizer.id, None)
    assert organizer_wide.allows("member", catalogue)
    assert not organizer_wide.allows("event.orders:write", catalogue)


def test_read_only_team_cannot_write(db_session, organizer, event, bob, catalogue):
    _team(db_session, organizer, [bob], all_events=True, permissions=["event.orders:read", "event.vouchers:read"])
    perms = user_permissions(db_session, bob.id, organizer.id, event.id)
    assert perms.allows(("event.orders:read",), catalogue)
    assert not perms.allows("event.orders:write", catalogue)
    assert not perms.allows("event.vouchers:write", catalogue)
    assert not perms.allows("organizer.teams:write", catalogue)


def test_all_permission_flags_grant_every_permission_of_their_level(db_session, organizer, event, bob, catalogue):
    _team(db_session, organizer, [bob], all_events=True, all_event_permissions=True)
    perms = user_permissions(db_session, bob.id, organizer.id, event.id)
    assert all(perms.allows(p, catalogue) for p in catalogue.permissions("event"))
    assert not perms.allows("organizer.events:create", catalogue)


def test_no_team_means_no_permission_at_all(db_session, organizer, event, bob, catalogue):
    perms = user_permissions(db_session, bob.id, organizer.id, event.id)
    assert perms == NOTHING
    assert not perms.allows(None, catalogue)


def test_teams_of_another_organizer_do_not_count(db_session, organizer, event, other_organizer, bob, catalogue):
    _team(db_session, other_organizer, [bob], all_events=True, all_event_permissions=True,
          all_organizer_permissions=True)
    assert user_permissions(db_session, bob.id, organizer.id, event.id) == NOTHING


def test_any_of_and_legacy_checks(db_session, organizer, event, bob, catalogue):
    _team(db_session, organizer, [bob], all_events=True,
          permissions=["event.settings.general:write", "organizer.giftcards:read"])
    perms = user_permissions(db_session, bob.id, organizer.id, event.id)
    assert perms.allows(["event.orders:read", "event.settings.general:write"], catalogue)
    assert not perms.allows(("event.orders:read", "event.items:write"), catalogue)
    assert perms.allows("can_change_event_settings", catalogue)
    assert not perms.allows("can_manage_gift_cards", catalogue)


def test_unknown_permission_raises_even_for_everything(catalogue):
    with pytest.raises(UnknownPermission):
        EVERYTHING.allows("event.order:read", catalogue)
    assert EVERYTHING.allows("organizer.teams:write", catalogue)


def test_token_team_permissions_are_limited_to_its_organizer(db_session, organizer, event, other_organizer,
                                                            catalogue):
    team = _team(db_session, organizer, [], limit_events=[event], permissions=["event.orders:read"])
    assert team_permissions(db_session, team, organizer.id, event.id).allows("event.orders:read", catalogue)
    assert team_permissions(db_session, team, other_organizer.id, None) == NOTHING


def test_user_permissions_take_one_query(db_session, organizer, event, bob):
    for index in range(5):
        _team(db_session, organizer, [bob], name=f"t{index}", limit_events=[event], permissions=["event:cancel"])
    statements = []
    engine = db_session.get_bind().engine

    def count(*_args):
        statements.append(1)

    sa_event.listen(engine, "before_cursor_execute", count)
    try:
        user_permissions(db_session, bob.id, organizer.id, event.id)
    finally:
        sa_event.remove(engine, "before_cursor_execute", count)
    assert len(statements) == 1
