"""The OAuth consent page: ``GET/POST /api/v1/oauth/authorize`` (RFC 6749 section 4.1.1/4.1.2).

GET shows the logged-in user what the application asks for and lets them choose the organizers
it may reach; POST (with the session's CSRF token) records the consent and sends the browser back
to the application with ``code`` and ``state``, or with ``error=access_denied``. Anonymous users
are sent to the login page first. An unknown client or an unregistered ``redirect_uri`` is shown
as an error page and never redirected to (no open redirects); every later error is redirected to
the client as RFC 6749 says.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

from pyramid.config import Configurator
from pyramid.httpexceptions import HTTPFound
from pyramid.renderers import render_to_response
from pyramid.request import Request
from pyramid.response import Response
from pyramid.security import NO_PERMISSION_REQUIRED
from sqlalchemy import select

from core.db import scopes_disabled
from core.models import OAuthApplication, Organizer, Team, User
from core.models.organizer import team_members
from core.services.oauth import (
    OAuthError,
    check_pkce_request,
    create_grant,
    find_application,
    parse_scope,
    resolve_redirect_uri,
)

TEMPLATE = "core:templates/auth/oauth_authorize.pt"
PARAMS = ("client_id", "response_type", "redirect_uri", "scope", "state", "code_challenge", "code_challenge_method")
SCOPE_LABELS = {
    "read": "Read data of your organizers (events, products, orders, ...)",
    "write": "Change data of your organizers",
    "profile": "See your name, e-mail address, language and time zone",
}


def redirect_with(uri: str, **params: str | None) -> HTTPFound:
    """A redirect to ``uri`` with ``params`` (None values left out) appended to its query string."""
    parts = urlsplit(uri)
    extra = urlencode({k: v for k, v in params.items() if v is not None})
    query = f"{parts.query}&{extra}" if parts.query else extra
    return HTTPFound(location=urlunsplit((parts.scheme, parts.netloc, parts.path, query, parts.fragment)))


def choosable_organizers(session: Any, user: User) -> list[Organizer]:
    """The organizers ``user`` is a team member of, by name."""
    with scopes_disabled():
        stmt = (
            select(Organizer).join(Team, Team.organizer_id == Organizer.id)
            .join(team_members, team_members.c.team_id == Team.id)
            .where(team_members.c.user_id == user.id).distinct().order_by(Organizer.name, Organizer.id)
        )
        return list(session.scalars(stmt))


def _page(request: Request, status: int = 200, **values: Any) -> Response:
    base = {"error": None, "application": None, "scopes": [], "organizers": [], "params": {},
            "csrf_token": request.session.get_csrf_token(), "user": None}
    base.update(values)
    response = render_to_response(TEMPLATE, base, request=request)
    response.status_int = status
    return response


def authorize(request: Request) -> Response:
    """GET: the consent page; POST: allow or deny (see the module docstring)."""
    params = {key: request.params.get(key, "").strip() for key in PARAMS}
    app: OAuthApplication | None = find_application(request.dbsession, params["client_id"])
    if app is None:
        return _page(request, 400, error="This application is unknown or no longer active.")
    try:
        target = resolve_redirect_uri(app, params["redirect_uri"])
    except OAuthError:
        return _page(request, 400, error="The redirect URI is not registered for this application.")
    state = params["state"] or None
    if params["response_type"] != "code":
        return redirect_with(target, error="unsupported_response_type", state=state)
    try:
        scope = parse_scope(params["scope"])
        challenge, method = check_pkce_request(params["code_challenge"], params["code_challenge_method"])
    except OAuthError as exc:
        return redirect_with(target, error=exc.error, error_description=exc.description, state=state)
    identity = request.identity
    if identity is None or identity.kind != "user":
        query = urlencode({"next": f"{request.path}?{urlencode({k: v for k, v in params.items() if v})}"})
        return HTTPFound(location=f"{request.route_path('auth.login')}?{query}")
    user = identity.user
    organizers = choosable_organizers(request.dbsession, user)
    page = {"application": app, "user": user, "organizers": organizers, "params": params,
            "scopes": [SCOPE_LABELS[s] for s in scope.split()]}
    if request.method == "GET":
        return _page(request, **page)
    if "allow" not in request.POST:
        return redirect_with(target, error="access_denied", state=state)
    chosen_ids = set(request.POST.getall("organizer"))
    chosen = [o for o in organizers if str(o.id) in chosen_ids]
    if not chosen:
        return _page(request, 400, error="Choose at least one organizer the application may access.", **page)
    _grant, code = create_grant(
        request.dbsession, app, user, redirect_uri=params["redirect_uri"], scope=scope, organizers=chosen,
        code_challenge=challenge, code_challenge_method=method,
    )
    return redirect_with(target, code=code, state=state)


def includeme(config: Configurator) -> None:
    config.add_route("oauth.authorize", "/api/v1/oauth/authorize")
    config.add_view(authorize, route_name="oauth.authorize", request_method=("GET", "POST"),
                    permission=NO_PERMISSION_REQUIRED)
