"""Teams: creation and changes, members, invites and API tokens, each audit-logged.

Permissions are given as names: catalogue strings (``event.orders:read``) or legacy ``can_*``
flags, which expand as :data:`core.security.permissions.LEGACY_GRANTS` says. Whatever path a
team takes to the database, its permission dicts are checked at flush time against the
application's permission catalogue (:func:`check_team_permissions`).
"""

from __future__ import annotations

import secrets
import string
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import event as sa_event
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.db import scopes_disabled
from core.logs import log_action
from core.models import Event, Organizer, Team, TeamAPIToken, TeamInvite, User
from core.security.identity import token_digest
from core.security.permissions import EVENT, LEGACY_CHECK, ORGANIZER, PermissionCatalogue
from core.services.users import find_user, normalize_email

_ALNUM = string.ascii_lowercase + string.digits


def _catalogue() -> PermissionCatalogue:
    from core.pluginhost.registry import current_registry

    return current_registry().permission_catalogue


def _random(length: int) -> str:
    return "".join(secrets.choice(_ALNUM) for _ in range(length))


def _describe(team: Team) -> dict[str, Any]:
    return {
        "name": team.name,
        "all_events": team.all_events,
        "limit_events": sorted(e.id for e in team.limit_events),
        "all_event_permissions": team.all_event_permissions,
        "limit_event_permissions": sorted(team.limit_event_permissions),
        "all_organizer_permissions": team.all_organizer_permissions,
        "limit_organizer_permissions": sorted(team.limit_organizer_permissions),
    }


def _events_of(organizer_id: int, events: Sequence[Event]) -> list[Event]:
    for ev in events:
        if ev.organizer_id != organizer_id:
            raise ValueError(f"event {ev.slug!r} belongs to another organizer and cannot be given to this team")
    return list(events)


def create_team(
    session: Session, organizer: Organizer, name: str, *, permissions: Iterable[str] = (),
    all_events: bool = False, limit_events: Sequence[Event] = (), all_event_permissions: bool = False,
    all_organizer_permissions: bool = False, members: Sequence[User] = (), actor: User | None = None,
    auth: Any = None,
) -> Team:
    """Create a team on ``organizer`` with ``members``.

    ``permissions`` are catalogue strings or legacy ``can_*`` names.
    """
    if not name or not name.strip():
        raise ValueError("a team needs a name")
    event_grants, organizer_grants = _catalogue().from_input(permissions)
    team = Team(
        organizer_id=organizer.id,
        name=name.strip(),
        all_events=all_events,
        limit_events=_events_of(organizer.id, limit_events),
        all_event_permissions=all_event_permissions,
        limit_event_permissions=event_grants,
        all_organizer_permissions=all_organizer_permissions,
        limit_organizer_permissions=organizer_grants,
    )
    session.add(team)
    session.flush()
    log_action(team, "pretix.team.created", _describe(team), user=actor, auth=auth)
    for member in members:
        add_member(session, team, member, actor=actor, auth=auth)
    return team


def update_team(
    session: Session, team: Team, *, name: str | None = None, permissions: Iterable[str] | None = None,
    all_events: bool | None = None, limit_events: Sequence[Event] | None = None,
    all_event_permissions: bool | None = None, all_organizer_permissions: bool | None = None,
    actor: User | None = None, auth: Any = None,
) -> Team:
    """Change the given fields (None leaves a field alone); ``permissions`` replaces all granted names."""
    before = _describe(team)
    if name is not None:
        if not name.strip():
            raise ValueError("a team needs a name")
        team.name = name.strip()
    if permissions is not None:
        team.limit_event_permissions, team.limit_organizer_permissions = _catalogue().from_input(permissions)
    if all_events is not None:
        team.all_events = all_events
    if limit_events is not None:
        team.limit_events = _events_of(team.organizer_id, limit_events)
    if all_event_permissions is not None:
        team.all_event_permissions = all_event_permissions
    if all_organizer_permissions is not None:
        team.all_organizer_permissions = all_organizer_permissions
    session.flush()
    after = _describe(team)
    changed = {key: value for key, value in after.items() if before[key] != value}
    if changed:
        log_action(team, "pretix.team.changed", changed, user=actor, auth=auth)
    return team


def delete_team(session: Session, team: Team, *, actor: User | None = None, auth: Any = None) -> None:
    """Delete a team with its tokens and invites (the log entry keeps its description)."""
    log_action(team, "pretix.team.deleted", _describe(team), user=actor, auth=auth)
    session.delete(team)
    session.flush()


def add_member(session: Session, team: Team, user: User, *, actor: User | None = None, auth: Any = None) -> None:
    """Make ``user`` a member of ``team`` (no-op when they already are)."""
    if user in team.members:
        return
    team.members.append(user)
    session.flush()
    log_action(team, "pretix.team.member.added", {"email": user.email, "user": user.id}, user=actor, auth=auth)


def remove_member(session: Session, team: Team, user: User, *, actor: User | None = None, auth: Any = None) -> None:
    """Remove ``user`` from ``team``; raises ValueError when they are not a member."""
    if user not in team.members:
        raise ValueError(f"{user.email} is not a member of team {team.name!r}")
    team.members.remove(user)
    session.flush()
    log_action(team, "pretix.team.member.removed", {"email": user.email, "user": user.id}, user=actor, auth=auth)


def create_token(
    session: Session, team: Team, name: str, *, actor: User | None = None, auth: Any = None,
) -> tuple[TeamAPIToken, str]:
    """A new active API token for ``team``; returns it with the plaintext token (shown once, stored hashed)."""
    if not name or not name.strip():
        raise ValueError("an API token needs a name")
    plaintext = _random(64)
    token = TeamAPIToken(
        organizer_id=team.organizer_id, team_id=team.id, name=name.strip(), token_hash=token_digest(plaintext),
    )
    session.add(token)
    session.flush()
    log_action(team, "pretix.team.token.created", {"id": token.id, "name": token.name}, user=actor, auth=auth)
    return token, plaintext


def revoke_token(session: Session, token: TeamAPIToken, *, actor: User | None = None, auth: Any = None) -> None:
    """Deactivate ``token``: it fails authentication from now on."""
    token.active = False
    session.flush()
    log_action(token.team, "pretix.team.token.deleted", {"id": token.id, "name": token.name}, user=actor, auth=auth)


def invite(
    session: Session, team: Team, email: str, *, actor: User | None = None, auth: Any = None,
) -> TeamInvite | None:
    """Invite ``email`` to ``team``: an existing user is added at once (returns None), else an invite is returned.

    Sending the invitation mail with the invite's ``token`` is the caller's job.
    """
    email = normalize_email(email)
    existing_user = find_user(session, email)
    if existing_user is not None:
        add_member(session, team, existing_user, actor=actor, auth=auth)
        return None
    found = session.scalar(select(TeamInvite).where(TeamInvite.team_id == team.id, TeamInvite.email == email))
    if found is not None:
        return found
    created = TeamInvite(organizer_id=team.organizer_id, team_id=team.id, email=email, token=_random(32))
    session.add(created)
    session.flush()
    log_action(team, "pretix.team.invite.created", {"email": email}, user=actor, auth=auth)
    return created


def revoke_invite(session: Session, invite_: TeamInvite, *, actor: User | None = None, auth: Any = None) -> None:
    """Withdraw an open invite."""
    log_action(invite_.team, "pretix.team.invite.deleted", {"email": invite_.email}, user=actor, auth=auth)
    session.delete(invite_)
    session.flush()


def accept_invite(session: Session, token: str, user: User) -> Team:
    """Redeem the invite with ``token`` for ``user``; raises LookupError when no such invite exists."""
    with scopes_disabled():
        found = session.scalar(select(TeamInvite).where(TeamInvite.token == token))
        if found is None:
            raise LookupError("this invitation does not exist or has already been used")
        team = found.team
        if user not in team.members:
            team.members.append(user)
        session.delete(found)
        session.flush()
    log_action(
        team, "pretix.team.member.joined", {"email": user.email, "invite_email": found.email, "user": user.id},
        user=user,
    )
    return team


def legacy_flags(team: Team) -> dict[str, bool]:
    """pretix's read-only ``can_*`` booleans of a team, computed from its grants (Team API output)."""
    event = set(team.limit_event_permissions)
    organizer = set(team.limit_organizer_permissions)
    catalogue = _catalogue()
    flags = {}
    for name, required in LEGACY_CHECK.items():
        flags[name] = all(
            (team.all_event_permissions or p in event) if catalogue.level_of(p) == EVENT
            else (team.all_organizer_permissions or p in organizer)
            for p in required
        )
    return flags


def check_team_permissions(team: Team, catalogue: PermissionCatalogue) -> None:
    """Raise :class:`~core.security.permissions.InvalidPermissions` unless both grant dicts are valid."""
    catalogue.validate_grants(team.limit_event_permissions, EVENT)
    catalogue.validate_grants(team.limit_organizer_permissions, ORGANIZER)


@sa_event.listens_for(Session, "before_flush")
def _validate_teams_on_flush(session: Session, _context: Any, _instances: Any) -> None:
    teams = [obj for obj in (*session.new, *session.dirty) if isinstance(obj, Team)]
    if teams:
        catalogue = _catalogue()
        for team in teams:
            check_team_permissions(team, catalogue)
