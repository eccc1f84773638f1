"""Which organizers and events the calling principal can reach, as SQL conditions for list endpoints.

A principal reaches an organizer when it belongs to one of its teams (team tokens: their team; devices:
their organizer; users and OAuth grants: their teams' organizers; staff in admin mode: all). It reaches an
event when one of those teams (or the device) covers all events or lists the event.
"""

from __future__ import annotations

from pyramid.request import Request
from sqlalchemy import ColumnElement, false, select, true

from core.api.errors import ValidationFailed
from core.db import scopes_disabled
from core.models import Event, EventMetaProperty, Organizer, Team
from core.models.devices import device_limit_events
from core.models.organizer import team_limit_events, team_members


def _teams(request: Request, organizer_id: int | None) -> list[Team]:
    identity = request.identity
    token = getattr(identity, "token", None)
    team = getattr(token, "team", None)
    if isinstance(team, Team):
        return [team] if organizer_id is None or team.organizer_id == organizer_id else []
    user = getattr(identity, "user", None)
    if user is None:
        return []
    stmt = select(Team).join(team_members, team_members.c.team_id == Team.id).where(team_members.c.user_id == user.id)
    allowed = getattr(identity, "organizer_ids", None)
    if allowed is not None:
        stmt = stmt.where(Team.organizer_id.in_(allowed))
    if organizer_id is not None:
        stmt = stmt.where(Team.organizer_id == organizer_id)
    with scopes_disabled():
        return list(request.dbsession.scalars(stmt))


def organizer_condition(request: Request) -> ColumnElement[bool]:
    """A condition on :class:`Organizer` selecting the organizers the principal reaches."""
    identity = request.identity
    if getattr(identity, "staff", False):
        return true()
    device = getattr(identity, "device", None)
    if device is not None:
        return Organizer.id == device.organizer_id
    ids = {team.organizer_id for team in _teams(request, None)}
    return Organizer.id.in_(ids) if ids else false()


def event_condition(request: Request, organizer_id: int) -> ColumnElement[bool]:
    """A condition on :class:`Event` selecting the events of ``organizer_id`` the principal reaches."""
    identity = request.identity
    if getattr(identity, "staff", False):
        return true()
    device = getattr(identity, "device", None)
    if device is not None:
        if device.organizer_id != organizer_id:
            return false()
        if device.all_events:
            return true()
        return Event.id.in_(select(device_limit_events.c.event_id).where(
            device_limit_events.c.device_id == device.id))
    teams = _teams(request, organizer_id)
    if any(team.all_events for team in teams):
        return true()
    if not teams:
        return false()
    return Event.id.in_(select(team_limit_events.c.event_id).where(
        team_limit_events.c.team_id.in_([team.id for team in teams])))



#: Largest database id; larger numbers in paths or bodies name no row and must not reach the database.
MAX_ID = 2**63 - 1

#: The permission needed to change the value of a ``protected`` event meta property.
PROTECTED_META_PERMISSION = "organizer.settings.general:write"


def check_protected_meta(request: Request, current: dict[str, str], new: dict[str, str]) -> None:
    """400 on ``meta_data`` when ``new`` changes a protected property's value and the caller lacks
    :data:`PROTECTED_META_PERMISSION` (organizer-level administrators only, as in pretix)."""
    if request.has_permission(PROTECTED_META_PERMISSION, request.context):
        return
    names = request.dbsession.scalars(select(EventMetaProperty.name).where(EventMetaProperty.protected.is_(True)))
    for name in names:
        if current.get(name) != new.get(name):
            raise ValidationFailed({"meta_data": [
                f"Meta data property '{name}' is protected and can only be changed by organizer administrators."]})
