"""``/me`` (who is calling) and ``/version`` (what is serving)."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version
from typing import Any

from pyramid.config import Configurator
from pyramid.request import Request
from pyramid.security import NO_PERMISSION_REQUIRED

from core.api.endpoints import ANY_PRINCIPAL


def ticketry_version() -> str:
    try:
        return version("ticketry")
    except PackageNotFoundError:
        return "0.0.0"


def me(request: Request) -> dict[str, Any]:
    identity = request.identity
    user = getattr(identity, "user", None)
    if user is not None:
        return {"email": user.email, "fullname": user.fullname, "locale": user.locale,
                "is_staff": bool(user.is_staff), "timezone": user.timezone}
    describe = getattr(identity, "api_profile", None)
    if describe is not None:
        return describe()
    token = getattr(identity, "token", None)
    team = getattr(token, "team", None)
    return {"kind": identity.kind, "team": team.name if team is not None else None,
            "organizer": team.organizer.slug if team is not None else None}


def version_view(request: Request) -> dict[str, Any]:
    plugins = {state.name: (state.info.version if state.info is not None else None)
               for state in getattr(request.registry, "plugin_states", []) if state.info is not None}
    return {"ticketry": ticketry_version(), "api": "v1", "plugins": dict(sorted(plugins.items()))}


def includeme(config: Configurator) -> None:
    config.add_api_view(me, path="/me/", permission=ANY_PRINCIPAL, summary="The calling principal",
                        tags=("meta",))
    config.add_api_view(version_view, path="/version/", permission=NO_PERMISSION_REQUIRED,
                        summary="Server and plugin versions", tags=("meta",))
