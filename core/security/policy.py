"""The Pyramid security policy: who is asking (authenticators) and what they may do (team grants).

* ``request.identity``: the first identity an authenticator recognises (token header before the
  session cookie), cached for the request; None when anonymous.
* ``permits(request, context, permission)``: the permission (see :mod:`core.security.permissions`)
  is evaluated on ``context.organizer`` / ``context.event`` (the route factories of
  :mod:`core.resources`). Without an organizer in the context only :data:`AUTHENTICATED` and
  :data:`STAFF` can be granted. Staff in admin mode pass every check.
* Views without a declared permission get :data:`DECLARED_PERMISSION_REQUIRED`, which is never
  granted: nothing is reachable by accident. Public views say ``NO_PERMISSION_REQUIRED``.
"""

from __future__ import annotations

from typing import Any

from pyramid.request import Request, RequestLocalCache
from pyramid.security import Allowed, Denied

from core.interfaces.security import IIdentity
from core.security.evaluation import PermissionSet
from core.security.identity import authorization_header
from core.security.permissions import AUTHENTICATED, DECLARED_PERMISSION_REQUIRED, STAFF
from core.security.sessions import login, logout


class TicketrySecurityPolicy:
    """Pyramid 2 security policy over the registered authenticators and the permission catalogue."""

    def __init__(self) -> None:
        self._identity = RequestLocalCache(self._load_identity)

    def _load_identity(self, request: Request) -> IIdentity | None:
        scheme, _credential = authorization_header(request)
        authenticators = request.registry.authenticators
        claimed = any(scheme in auth.schemes for _order, _name, auth in authenticators)
        for _order, _name, authenticator in authenticators:
            if claimed and scheme not in authenticator.schemes:
                continue
            found = authenticator.authenticate(request)
            if found is not None:
                return found
        return None

    def identity(self, request: Request) -> IIdentity | None:
        return self._identity.get_or_create(request)

    def authenticated_userid(self, request: Request) -> str | None:
        identity = self.identity(request)
        return identity.userid if identity is not None else None

    def permits(self, request: Request, context: Any, permission: Any) -> Allowed | Denied:
        request.registry.permission_catalogue.validate(permission)
        if permission == DECLARED_PERMISSION_REQUIRED:
            return Denied("the view declares no permission")
        identity = self.identity(request)
        if identity is None:
            return Denied("not authenticated")
        if permission == AUTHENTICATED:
            return Allowed("logged in") if identity.user is not None else Denied("not a logged-in user")
        if permission == STAFF:
            return Allowed("admin mode") if identity.staff else Denied("admin mode is off")
        if identity.staff:
            return Allowed("admin mode")
        organizer = getattr(context, "organizer", None)
        if organizer is None:
            return Denied(f"{permission!r} needs an organizer or event context")
        event = getattr(context, "event", None)
        permset = request.permission_set(organizer.id, event.id if event is not None else None)
        if permset.allows(permission, request.registry.permission_catalogue):
            return Allowed(f"{identity.userid} holds {permission!r}")
        return Denied(f"{identity.userid} lacks {permission!r}")

    def remember(self, request: Request, userid: Any, **kw: Any) -> list[tuple[str, str]]:
        """Log ``userid`` (a :class:`~core.models.User`) in: a fresh session; the cookie is set by the session."""
        login(request, userid)
        self._identity.clear(request)
        return []

    def forget(self, request: Request, **kw: Any) -> list[tuple[str, str]]:
        """Log out: end admin mode, clear the session."""
        logout(request)
        self._identity.clear(request)
        return []


def permission_set(request: Request, organizer_id: int, event_id: int | None = None) -> PermissionSet:
    """Request method ``request.permission_set(organizer_id, event_id)``: the identity's grants, cached per request.

    Anonymous requests get an empty set. One query per distinct (organizer, event) and request.
    """
    cache: dict[tuple[int, int | None], PermissionSet] = request.__dict__.setdefault("_ticketry_permsets", {})
    key = (organizer_id, event_id)
    if key not in cache:
        identity = request.identity
        cache[key] = (
            identity.permissions(request.dbsession, organizer_id, event_id) if identity is not None
            else PermissionSet()
        )
    return cache[key]
