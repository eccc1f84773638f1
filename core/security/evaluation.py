"""What a principal may do on one organizer or event: the union of its teams' grants.

:class:`PermissionSet` is the computed answer for one (principal, organizer, event) triple; the
query helpers build it in one SQL statement. The security policy caches the sets on the request,
so a request costs at most one permission query per distinct (organizer, event).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import exists, select, true
from sqlalchemy.orm import Session

from core.db import tenancy
from core.models import Team
from core.models.organizer import team_limit_events, team_members
from core.security.permissions import (
    AUTHENTICATED,
    DECLARED_PERMISSION_REQUIRED,
    EVENT,
    LEGACY_CHECK,
    MEMBER,
    STAFF,
    PermissionCatalogue,
)


@dataclass(frozen=True)
class PermissionSet:
    """Grants of one principal on one organizer (and, if given, one event).

    ``member``: the principal is in a team that applies (any team of the organizer; for an event, a
    team covering the event). ``event_all``/``event``: event-level grants on the event, or, without
    an event, the grants of teams covering *all* events. ``organizer_all``/``organizer``:
    organizer-level grants. ``everything``: staff admin mode, every check passes.
    """

    member: bool = False
    event_all: bool = False
    event: frozenset[str] = frozenset()
    organizer_all: bool = False
    organizer: frozenset[str] = frozenset()
    everything: bool = False

    def allows(self, permission: Any, catalogue: PermissionCatalogue) -> bool:
        """Whether ``permission`` (see :mod:`core.security.permissions`) is granted.

        Raises :class:`~core.security.permissions.UnknownPermission` for unknown strings, even
        when the set holds everything.
        """
        catalogue.validate(permission)
        return self._allows(permission, catalogue)

    def _allows(self, permission: Any, catalogue: PermissionCatalogue) -> bool:
        if permission == DECLARED_PERMISSION_REQUIRED:
            return False
        if self.everything:
            return True
        if permission is None or permission == MEMBER:
            return self.member
        if permission in (AUTHENTICATED, STAFF):
            return False
        if isinstance(permission, tuple | list):
            return any(self._allows(p, catalogue) for p in permission)
        if permission in LEGACY_CHECK:
            return all(self._allows(p, catalogue) for p in LEGACY_CHECK[permission])
        if catalogue.level_of(permission) == EVENT:
            return self.event_all or permission in self.event
        return self.organizer_all or permission in self.organizer


NOTHING = PermissionSet()
EVERYTHING = PermissionSet(True, True, frozenset(), True, frozenset(), everything=True)


def union(rows: Iterable[tuple[Team, bool]], event_id: int | None) -> PermissionSet:
    """Combine teams into one set; each row is ``(team, covers_event)``.

    With ``event_id``, event grants and membership come from teams that cover the event (all events
    or listed); without it, membership is any team, event grants only from all-events teams.
    """
    member = event_all = organizer_all = False
    event: set[str] = set()
    organizer: set[str] = set()
    for team, covers_event in rows:
        organizer_all = organizer_all or team.all_organizer_permissions
        organizer.update(k for k, v in (team.limit_organizer_permissions or {}).items() if v is True)
        applies = (team.all_events or covers_event) if event_id is not None else team.all_events
        member = member or event_id is None or applies
        if applies:
            event_all = event_all or team.all_event_permissions
            event.update(k for k, v in (team.limit_event_permissions or {}).items() if v is True)
    return PermissionSet(member, event_all, frozenset(event), organizer_all, frozenset(organizer))


def _covers(event_id: int | None) -> Any:
    if event_id is None:
        return true()
    return exists().where(team_limit_events.c.team_id == Team.id, team_limit_events.c.event_id == event_id)


def user_permissions(session: Session, user_id: int, organizer_id: int, event_id: int | None) -> PermissionSet:
    """The union over the user's teams of ``organizer_id`` (one query)."""
    stmt = (
        select(Team, _covers(event_id))
        .join(team_members, team_members.c.team_id == Team.id)
        .where(team_members.c.user_id == user_id, Team.organizer_id == organizer_id)
    )
    with tenancy.scope(organizer_id):
        rows = [(team, bool(covers)) for team, covers in session.execute(stmt)]
    return union(rows, event_id)


def team_permissions(session: Session, team: Team, organizer_id: int, event_id: int | None) -> PermissionSet:
    """The permissions of ``team`` alone (API tokens): nothing at all outside the team's organizer."""
    if team.organizer_id != organizer_id:
        return NOTHING
    covers = False
    if event_id is not None and not team.all_events:
        with tenancy.scope(organizer_id):
            covers = bool(session.scalar(select(_covers(event_id))))
    return union([(team, covers)], event_id)
