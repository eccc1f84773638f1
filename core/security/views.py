"""Login, logout and staff admin mode pages of the control panel (``/control/...``).

Every form carries the session's CSRF token; Pyramid checks it on POST before the view runs
(400 when missing or wrong). A wrong e-mail and a wrong password get the same answer.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode, urlsplit

from pyramid.config import Configurator
from pyramid.httpexceptions import HTTPForbidden, HTTPFound
from pyramid.request import Request
from pyramid.security import NO_PERMISSION_REQUIRED, forget, remember

from core.security.permissions import AUTHENTICATED, STAFF
from core.security.staff import NotStaff, end_staff_session, start_staff_session
from core.services.users import authenticate

LOGIN_TEMPLATE = "core:templates/auth/login.pt"


def safe_next(request: Request, target: str | None) -> str:
    """``target`` when it is a local path on this site, else the login page (no open redirects)."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc:
            return target
    return request.route_path("auth.login")


def _page(request: Request, **extra: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "identity": request.identity,
        "csrf_token": request.session.get_csrf_token(),
        "next": request.params.get("next", ""),
        "error": None,
        "email": "",
    }
    values.update(extra)
    return values


def login_form(request: Request) -> dict[str, Any]:
    """GET: the login form, or who is logged in with logout and admin mode buttons."""
    return _page(request)


def login_submit(request: Request) -> Any:
    """POST: log in and redirect to ``next``; on failure the form again with one generic error."""
    email = request.POST.get("email", "").strip()
    user = authenticate(request.dbsession, email, request.POST.get("password", ""))
    if user is None:
        return _page(request, error="The e-mail address or the password is not correct.", email=email)
    headers = remember(request, user)
    return HTTPFound(location=safe_next(request, request.POST.get("next")), headers=headers)


def logout_view(request: Request) -> HTTPFound:
    """POST: end admin mode and the session."""
    headers = forget(request)
    return HTTPFound(location=request.route_path("auth.login"), headers=headers)


def sudo_start(request: Request) -> HTTPFound:
    """POST: enter admin mode (staff users only)."""
    identity = request.identity
    try:
        start_staff_session(request.dbsession, identity.user, identity.session_key)
    except NotStaff:
        raise HTTPForbidden("Admin mode is only available to staff members.") from None
    return HTTPFound(location=safe_next(request, request.POST.get("next")))


def sudo_stop(request: Request) -> HTTPFound:
    """POST: leave admin mode, with an optional comment on what was done."""
    identity = request.identity
    comment = request.POST.get("comment", "").strip() or None
    end_staff_session(request.dbsession, identity.staff_session, user=identity.user, comment=comment)
    return HTTPFound(location=request.route_path("auth.login"))


def forbidden(request: Request) -> Any:
    """Anonymous browsers asking for a control panel page go to the login form; everyone else gets the 403.

    Clients that prefer JSON, or authenticate by header, get pretix's ``{"detail": ...}`` body.
    """
    offers = request.accept.acceptable_offers(["text/html", "application/json"])
    wants_html = bool(offers) and offers[0][0] == "text/html"
    identity = request.identity
    if identity is None and request.method == "GET" and wants_html and request.path.startswith("/control/"):
        query = urlencode({"next": request.path_qs})
        return HTTPFound(location=f"{request.route_path('auth.login')}?{query}")
    if not wants_html or (identity is not None and identity.csrf_exempt):
        return HTTPForbidden(json_body={"detail": "You do not have permission to perform this action."})
    return request.exception


def includeme(config: Configurator) -> None:
    config.add_route("auth.login", "/control/login")
    config.add_route("auth.logout", "/control/logout")
    config.add_route("auth.sudo", "/control/sudo")
    config.add_route("auth.sudo_stop", "/control/sudo/stop")
    config.add_view(login_form, route_name="auth.login", request_method="GET", renderer=LOGIN_TEMPLATE,
                    permission=NO_PERMISSION_REQUIRED)
    config.add_view(login_submit, route_name="auth.login", request_method="POST", renderer=LOGIN_TEMPLATE,
                    permission=NO_PERMISSION_REQUIRED)
    config.add_view(logout_view, route_name="auth.logout", request_method="POST", permission=AUTHENTICATED)
    config.add_view(sudo_start, route_name="auth.sudo", request_method="POST", permission=AUTHENTICATED)
    config.add_view(sudo_stop, route_name="auth.sudo_stop", request_method="POST", permission=STAFF)
    config.add_forbidden_view(forbidden)
