"""A second application with test-only routes, sharing the test connection of the ``app`` fixture."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import webtest
from pyramid.config import Configurator
from pyramid.request import Request
from pyramid.security import NO_PERMISSION_REQUIRED
from sqlalchemy import Connection
from sqlalchemy.orm import Session

from core.app import make_config
from core.db import scope
from core.i18n import I18nString
from core.models import Event, Organizer
from core.resources import EventResource, OrganizerResource
from core.security.permissions import MEMBER


def _scope_view(request: Request) -> dict[str, Any]:
    context = request.context
    return {
        "organizer": context.organizer.slug,
        "event": context.event.slug if context.event is not None else None,
        "data": "confidential",
    }


def _checks(request: Request) -> dict[str, bool]:
    """Answers ``request.has_permission`` for every ``perm`` query parameter on the route's context."""
    return {perm: bool(request.has_permission(perm)) for perm in request.GET.getall("perm")}


def _undeclared(request: Request) -> dict[str, str]:
    return {"data": "confidential"}


def _public(request: Request) -> dict[str, Any]:
    identity = request.identity
    return {"identity": identity.userid if identity is not None else None}


#: (route name, pattern, factory, request method, permission) of the test routes.
TEST_ROUTES: tuple[tuple[str, str, Any, str, Any], ...] = (
    ("t.orders", "/t/{organizer}/{event}/orders", EventResource, "GET", "event.orders:read"),
    ("t.orders_write", "/t/{organizer}/{event}/orders", EventResource, "POST", "event.orders:write"),
    ("t.legacy", "/t/{organizer}/{event}/legacy", EventResource, "GET", "can_change_event_settings"),
    ("t.any_of", "/t/{organizer}/{event}/any", EventResource, "GET", ("event.vouchers:write", "event.orders:checkin")),
    ("t.event_member", "/t/{organizer}/{event}/member", EventResource, "GET", MEMBER),
    ("t.teams", "/t/{organizer}/teams", OrganizerResource, "GET", "organizer.teams:write"),
    ("t.org_member", "/t/{organizer}/member", OrganizerResource, "GET", MEMBER),
    ("t.org_orders", "/t/{organizer}/orders", OrganizerResource, "GET", "event.orders:read"),
    ("t.control", "/control/t/{organizer}", OrganizerResource, "GET", MEMBER),
)


@pytest.fixture(scope="session")
def secured_config(ticketry_settings: dict[str, Any], config: Configurator) -> Iterator[Configurator]:
    """The full application plus the routes of :data:`TEST_ROUTES`, ``/t/undeclared`` and ``/t/public``."""
    configurator = make_config(dict(ticketry_settings))
    for name, pattern, factory, method, permission in TEST_ROUTES:
        configurator.add_route(name, pattern, factory=factory, request_method=method)
        configurator.add_view(_scope_view, route_name=name, renderer="json", permission=permission)
    configurator.add_route("t.checks", "/t/{organizer}/{event}/checks", factory=EventResource)
    configurator.add_view(_checks, route_name="t.checks", renderer="json", permission=MEMBER)
    configurator.add_route("t.undeclared", "/t/undeclared")
    configurator.add_view(_undeclared, route_name="t.undeclared", renderer="json")
    configurator.add_route("t.public", "/t/public")
    configurator.add_view(_public, route_name="t.public", renderer="json", permission=NO_PERMISSION_REQUIRED)
    configurator.commit()
    yield configurator
    configurator.registry.db_engine.dispose()


@pytest.fixture
def secured_app(secured_config: Configurator, registry: Any, connection: Connection) -> Iterator[webtest.TestApp]:
    """A webtest client of :func:`secured_config` on the test connection."""
    own = secured_config.registry
    original = own.dbsession_factory
    own.dbsession_factory = registry.dbsession_factory
    try:
        yield webtest.TestApp(secured_config.make_wsgi_app(), extra_environ={"HTTP_HOST": "localhost"})
    finally:
        own.dbsession_factory = original


@pytest.fixture
def second_event(db_session: Session, organizer: Organizer, event: Event) -> Event:
    """Another event of the test organizer."""
    with scope(organizer.id):
        ev = Event(organizer_id=organizer.id, slug="fest", name=I18nString({"en": "Festival"}),
                   date_from=event.date_from)
        db_session.add(ev)
        db_session.flush()
    return ev
