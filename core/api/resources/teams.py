"""``/organizers/{o}/teams/``: teams (CRUD) with their members (read, remove), invites (read, create, withdraw) and
API tokens (read, create, revoke). Every endpoint needs ``organizer.teams:write``.

A team is rendered with pretix's permission fields: ``all_event_permissions`` / ``limit_event_permissions`` and
``all_organizer_permissions`` / ``limit_organizer_permissions`` (``{"event.orders:read": true}`` dicts), plus the
legacy ``can_*`` booleans computed from them. The legacy booleans are also accepted as input: ``true`` grants what
the old flag stood for, ``false`` takes it away (``false`` first, so a ``true`` alias wins). A new token's secret is
in the creation answer only; deleting a token deactivates it and answers the token.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field, create_model
from pyramid.config import Configurator
from pyramid.request import Request
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from core.api.endpoints import actor
from core.api.errors import ValidationFailed
from core.api.pagination import Ordering, get_object, paginate
from core.api.schemas import ApiInput, ApiModel, partial
from core.logs import log_action
from core.models import Event, Team, TeamAPIToken, TeamInvite, User
from core.models.organizer import team_members
from core.security.permissions import EVENT, LEGACY_CHECK, LEGACY_GRANTS, ORGANIZER, UnknownPermission
from core.services.teams import (
    add_member,
    create_team,
    create_token,
    delete_team,
    invite,
    legacy_flags,
    remove_member,
    revoke_invite,
    revoke_token,
    update_team,
)
from core.services.users import find_user, normalize_email

WRITE = "organizer.teams:write"
LIST = "/organizers/{organizer}/teams/"
DETAIL = LIST + r"{id:\d+}/"
TEAM = LIST + r"{team:\d+}/"
#: pretix's legacy flags in the team JSON (``can_change_settings`` is only an input alias).
FLAGS = tuple(name for name in LEGACY_CHECK if name != "can_change_settings")


class TeamOut(ApiModel):
    id: int
    name: str
    all_events: bool
    limit_events: list[str]
    require_2fa: bool
    all_event_permissions: bool
    limit_event_permissions: dict[str, bool]
    all_organizer_permissions: bool
    limit_organizer_permissions: dict[str, bool]


_Flags = create_model("_Flags", __base__=ApiInput, **{name: (bool | None, None) for name in LEGACY_CHECK})


class TeamIn(_Flags):  # type: ignore[misc, valid-type]
    name: str = Field(min_length=1, max_length=190)
    all_events: bool = False
    limit_events: list[str] = []
    require_2fa: bool = False
    all_event_permissions: bool = False
    limit_event_permissions: dict[str, bool] = {}
    all_organizer_permissions: bool = False
    limit_organizer_permissions: dict[str, bool] = {}


TeamPatch = partial(TeamIn)


class MemberOut(ApiModel):
    id: int
    email: str
    fullname: str | None
    require_2fa: bool = False


class InviteOut(ApiModel):
    id: int | None
    email: str


class InviteIn(ApiInput):
    email: str = Field(min_length=1, max_length=254)


class TokenOut(ApiModel):
    id: int
    name: str
    active: bool


class TokenCreated(TokenOut):
    token: str


class TokenIn(ApiInput):
    name: str = Field(min_length=1, max_length=190)


def render(team: Team) -> dict[str, Any]:
    out = TeamOut(
        id=team.id, name=team.name, all_events=team.all_events,
        limit_events=sorted(event.slug for event in team.limit_events), require_2fa=team.require_2fa,
        all_event_permissions=team.all_event_permissions, limit_event_permissions=team.limit_event_permissions,
        all_organizer_permissions=team.all_organizer_permissions,
        limit_organizer_permissions=team.limit_organizer_permissions,
    ).model_dump(mode="json")
    flags = legacy_flags(team)
    return out | {name: flags[name] for name in FLAGS}


def _team(request: Request, key: str = "id") -> Team:
    return get_object(request, select(Team).where(
        Team.organizer_id == request.context.organizer.id, Team.id == int(request.matchdict[key])))


def _grants(request: Request, field: str, level: str) -> set[str]:
    grants = getattr(request.api_body, field)
    catalogue = request.registry.permission_catalogue
    for name, value in grants.items():
        if value is not True:
            raise ValidationFailed({field: [f"The permission {name} must be true (leave out what is not granted)."]})
        try:
            known = catalogue.level_of(name) == level
        except UnknownPermission:
            known = False
        if not known:
            raise ValidationFailed({field: [f"{name} is not a known {level} permission."]})
    return set(grants)


def _permissions(request: Request, team: Team | None) -> list[str] | None:
    """The granted permission names after the body (None on a PATCH that changes none of them)."""
    body = request.api_body
    sent = body.model_fields_set if request.method == "PATCH" else set(type(body).model_fields)
    flags = {name: getattr(body, name) for name in LEGACY_CHECK if getattr(body, name) is not None}
    levels = (("limit_event_permissions", EVENT), ("limit_organizer_permissions", ORGANIZER))
    if not flags and not any(field in sent for field, _level in levels):
        return None
    names: set[str] = set()
    for field, level in levels:
        if field in sent:
            names |= _grants(request, field, level)
        elif team is not None:
            names |= set(getattr(team, field))
    for name, granted in sorted(flags.items(), key=lambda item: item[1]):
        names = names | set(LEGACY_GRANTS[name]) if granted else names - set(LEGACY_GRANTS[name])
    return sorted(names)


def _events(request: Request) -> list[Event] | None:
    body = request.api_body
    if request.method == "PATCH" and "limit_events" not in body.model_fields_set:
        return None
    slugs = body.limit_events or []
    found = {event.slug: event for event in request.dbsession.scalars(select(Event).where(
        Event.organizer_id == request.context.organizer.id, Event.slug.in_(slugs)))}
    missing = [slug for slug in slugs if slug not in found]
    if missing:
        raise ValidationFailed({"limit_events": [f"Object with slug={missing[0]} does not exist."]})
    return [found[slug] for slug in dict.fromkeys(slugs)]


def _refuse_nulls(request: Request) -> None:
    body = request.api_body
    nulled = sorted(key for key in body.model_fields_set
                    if getattr(body, key) is None and key not in LEGACY_CHECK)
    if nulled:
        raise ValidationFailed({key: ["This field may not be null."] for key in nulled})


def _set_require_2fa(request: Request, team: Team) -> None:
    body = request.api_body
    if request.method == "PATCH" and "require_2fa" not in body.model_fields_set:
        return
    if team.require_2fa != body.require_2fa:
        team.require_2fa = body.require_2fa
        request.dbsession.flush()
        log_action(team, "pretix.team.changed", {"require_2fa": team.require_2fa}, **actor(request))


def list_teams(request: Request) -> dict[str, Any]:
    stmt = select(Team).where(Team.organizer_id == request.context.organizer.id).options(
        selectinload(Team.limit_events))
    return paginate(request, stmt, lambda rows: [render(t) for t in rows],
                    ordering=Ordering({"id": Team.id, "name": Team.name}, default=("id",), pk=Team.id))


def get_team(request: Request) -> dict[str, Any]:
    return render(_team(request))


def create(request: Request) -> dict[str, Any]:
    body = request.api_body
    try:
        team = create_team(
            request.dbsession, request.context.organizer, body.name, permissions=_permissions(request, None) or (),
            all_events=body.all_events, limit_events=_events(request) or (),
            all_event_permissions=body.all_event_permissions,
            all_organizer_permissions=body.all_organizer_permissions, **actor(request),
        )
    except ValueError as exc:
        raise ValidationFailed({"name": [str(exc)]}) from None
    _set_require_2fa(request, team)
    return render(team)


def change(request: Request) -> dict[str, Any]:
    team = _team(request)
    body = request.api_body
    _refuse_nulls(request)
    sent = body.model_fields_set if request.method == "PATCH" else set(type(body).model_fields)

    def value(name: str) -> Any:
        return getattr(body, name) if name in sent else None

    try:
        update_team(
            request.dbsession, team, name=value("name"), permissions=_permissions(request, team),
            all_events=value("all_events"), limit_events=_events(request),
            all_event_permissions=value("all_event_permissions"),
            all_organizer_permissions=value("all_organizer_permissions"), **actor(request),
        )
    except ValueError as exc:
        raise ValidationFailed({"name": [str(exc)]}) from None
    _set_require_2fa(request, team)
    return render(team)


def delete(request: Request) -> None:
    delete_team(request.dbsession, _team(request), **actor(request))


def _member(request: Request, team: Team) -> User:
    return get_object(request, select(User).join(team_members, team_members.c.user_id == User.id).where(
        team_members.c.team_id == team.id, User.id == int(request.matchdict["id"])))


def list_members(request: Request) -> dict[str, Any]:
    team = _team(request, "team")
    stmt = select(User).join(team_members, team_members.c.user_id == User.id).where(team_members.c.team_id == team.id)
    return paginate(request, stmt, lambda rows: [MemberOut.model_validate(u).model_dump() for u in rows],
                    ordering=Ordering({"id": User.id}, default=("id",)))


def get_member(request: Request) -> dict[str, Any]:
    return MemberOut.model_validate(_member(request, _team(request, "team"))).model_dump()


def delete_member(request: Request) -> None:
    team = _team(request, "team")
    remove_member(request.dbsession, team, _member(request, team), **actor(request))


def _invite(request: Request, team: Team) -> TeamInvite:
    return get_object(request, select(TeamInvite).where(
        TeamInvite.team_id == team.id, TeamInvite.id == int(request.matchdict["id"])))


def list_invites(request: Request) -> dict[str, Any]:
    team = _team(request, "team")
    stmt = select(TeamInvite).where(TeamInvite.team_id == team.id)
    return paginate(request, stmt, lambda rows: [InviteOut.model_validate(i).model_dump() for i in rows],
                    ordering=Ordering({"id": TeamInvite.id}, default=("id",)))


def get_invite(request: Request) -> dict[str, Any]:
    return InviteOut.model_validate(_invite(request, _team(request, "team"))).model_dump()


def create_invite(request: Request) -> dict[str, Any]:
    """Invite an address; an existing user joins at once and the answer has no invite ``id``."""
    team = _team(request, "team")
    try:
        email = normalize_email(request.api_body.email)
    except ValueError:
        raise ValidationFailed({"email": ["Enter a valid email address."]}) from None
    user = find_user(request.dbsession, email)
    if user is not None and user in team.members:
        raise ValidationFailed({"email": ["This user already has permissions for this team."]})
    if request.dbsession.scalar(select(TeamInvite.id).where(TeamInvite.team_id == team.id,
                                                            TeamInvite.email == email)) is not None:
        raise ValidationFailed({"email": ["This user already has been invited for this team."]})
    if user is not None:
        add_member(request.dbsession, team, user, **actor(request))
        return {"id": None, "email": email}
    created = invite(request.dbsession, team, email, **actor(request))
    return InviteOut.model_validate(created).model_dump()


def delete_invite(request: Request) -> None:
    team = _team(request, "team")
    revoke_invite(request.dbsession, _invite(request, team), **actor(request))


def _token(request: Request, team: Team) -> TeamAPIToken:
    return get_object(request, select(TeamAPIToken).where(
        TeamAPIToken.team_id == team.id, TeamAPIToken.id == int(request.matchdict["id"])))


def list_tokens(request: Request) -> dict[str, Any]:
    team = _team(request, "team")
    stmt = select(TeamAPIToken).where(TeamAPIToken.team_id == team.id)
    return paginate(request, stmt, lambda rows: [TokenOut.model_validate(t).model_dump() for t in rows],
                    ordering=Ordering({"id": TeamAPIToken.id}, default=("id",)))


def get_token(request: Request) -> dict[str, Any]:
    return TokenOut.model_validate(_token(request, _team(request, "team"))).model_dump()


def create_team_token(request: Request) -> dict[str, Any]:
    team = _team(request, "team")
    try:
        token, plaintext = create_token(request.dbsession, team, request.api_body.name, **actor(request))
    except ValueError as exc:
        raise ValidationFailed({"name": [str(exc)]}) from None
    return TokenCreated(id=token.id, name=token.name, active=token.active, token=plaintext).model_dump()


def revoke_team_token(request: Request) -> dict[str, Any]:
    token = _token(request, _team(request, "team"))
    revoke_token(request.dbsession, token, **actor(request))
    return TokenOut.model_validate(token).model_dump()


def includeme(config: Configurator) -> None:
    tags = ("teams",)

    def add(view: Any, path: str, method: str = "GET", **kwargs: Any) -> None:
        config.add_api_view(view, path=path, method=method, permission=WRITE, tags=tags, **kwargs)

    add(list_teams, LIST, response=TeamOut, paginated=True, summary="List the teams of an organizer")
    add(create, LIST, "POST", body=TeamIn, response=TeamOut, status=201, summary="Create a team")
    add(get_team, DETAIL, response=TeamOut, summary="Get a team")
    add(change, DETAIL, "PUT", body=TeamIn, response=TeamOut, summary="Replace a team")
    add(change, DETAIL, "PATCH", body=TeamPatch, response=TeamOut, summary="Change a team")
    add(delete, DETAIL, "DELETE", status=204, summary="Delete a team")
    add(list_members, TEAM + "members/", response=MemberOut, paginated=True, summary="List the members of a team")
    add(get_member, TEAM + r"members/{id:\d+}/", response=MemberOut, summary="Get a team member")
    add(delete_member, TEAM + r"members/{id:\d+}/", "DELETE", status=204, summary="Remove a member from a team")
    add(list_invites, TEAM + "invites/", response=InviteOut, paginated=True, summary="List the open invites")
    add(create_invite, TEAM + "invites/", "POST", body=InviteIn, response=InviteOut, status=201,
        summary="Invite someone to a team")
    add(get_invite, TEAM + r"invites/{id:\d+}/", response=InviteOut, summary="Get an invite")
    add(delete_invite, TEAM + r"invites/{id:\d+}/", "DELETE", status=204, summary="Withdraw an invite")
    add(list_tokens, TEAM + "tokens/", response=TokenOut, paginated=True, summary="List the API tokens of a team")
    add(create_team_token, TEAM + "tokens/", "POST", body=TokenIn, response=TokenCreated, status=201,
        summary="Create an API token (its secret is shown once)")
    add(get_token, TEAM + r"tokens/{id:\d+}/", response=TokenOut, summary="Get an API token")
    add(revoke_team_token, TEAM + r"tokens/{id:\d+}/", "DELETE", response=TokenOut,
        summary="Revoke an API token (it stays listed, inactive)")
