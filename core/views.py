"""Core views that are not part of a feature: the health check."""

from __future__ import annotations

from pyramid.config import Configurator
from pyramid.request import Request
from pyramid.security import NO_PERMISSION_REQUIRED
from sqlalchemy import text


def healthz(request: Request) -> dict[str, str]:
    """200 ``{"status": "ok"}`` when the database answers, 503 otherwise."""
    try:
        request.dbsession.execute(text("SELECT 1"))
    except Exception as exc:  # the health check reports any database failure
        request.response.status = 503
        return {"status": "error", "database": type(exc).__name__}
    return {"status": "ok", "database": "ok"}


def includeme(config: Configurator) -> None:
    config.add_route("healthz", "/healthz")
    config.add_view(healthz, route_name="healthz", renderer="json", permission=NO_PERMISSION_REQUIRED)
