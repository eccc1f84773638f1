"""Route factories: the context (organizer, event) of a request, loaded once and tenant-scoped.

``OrganizerResource`` serves routes with an ``{organizer}`` placeholder, ``EventResource`` routes
with ``{organizer}`` and ``{event}``. Both answer 404 when the slug does not exist and enter the
organizer's tenant scope for the rest of the request. The security policy decides permissions
against these contexts.
"""

from __future__ import annotations

from typing import Any

from pyramid.httpexceptions import HTTPNotFound
from pyramid.request import Request
from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session, contains_eager

from core import config_cache
from core.db import tenancy
from core.models import Event, Organizer


class RootResource:
    """Context of platform routes (login, health, staff pages): no organizer, no event."""

    organizer: Organizer | None = None
    event: Event | None = None

    def __init__(self, request: Request) -> None:
        self.request = request

    @property
    def scope(self) -> Any:
        """The most specific scope of this context: event, organizer or None (platform)."""
        return self.event or self.organizer


class OrganizerResource(RootResource):
    """Context of ``/.../{organizer}/...`` routes."""

    def __init__(self, request: Request) -> None:
        super().__init__(request)
        self.organizer = _by_slug(request, Organizer, "organizer")
        _enter_scope(request, self.organizer)


class EventResource(OrganizerResource):
    """Context of ``/.../{organizer}/{event}/...`` routes (event and organizer read in one query)."""

    def __init__(self, request: Request) -> None:
        slugs = request.matchdict.get("organizer"), request.matchdict.get("event")
        event = event_by_slugs(request.dbsession, *slugs)
        if event is None:
            super().__init__(request)  # 404 naming the organizer when it is the one missing
            raise HTTPNotFound(f"Unknown event {slugs[1]!r}.")
        RootResource.__init__(self, request)
        self.organizer, self.event = event.organizer, event
        _enter_scope(request, event.organizer)


_EVENT, _ORGANIZER = Event.__table__, Organizer.__table__
#: The ids and cache versions of an event and its organizer by their slugs: a plain statement, built once.
_VERSIONS = (select(_EVENT.c.id, _EVENT.c.cache_version, _ORGANIZER.c.id, _ORGANIZER.c.cache_version)
             .select_from(_EVENT.join(_ORGANIZER, _ORGANIZER.c.id == _EVENT.c.organizer_id))
             .where(_ORGANIZER.c.slug == bindparam("organizer"), _EVENT.c.slug == bindparam("event")))


def event_by_slugs(session: Session, organizer_slug: str | None, event_slug: str | None) -> Event | None:
    """The event with its organizer. Their rows come from the process cache (:mod:`core.config_cache`) when
    their versions, read with one plain statement, are the cached ones: every change of an event or organizer
    moves its version."""
    row = session.execute(_VERSIONS, {"organizer": organizer_slug, "event": event_slug}).first()
    if row is None:
        return None
    key = ("event-row", session.get_bind().engine, *row)
    found = config_cache.get(key)
    if found is not None:
        return session.merge(found[0], load=False)  # the merge records the versions, as a load does
    stmt = (select(Event).join(Event.organizer).options(contains_eager(Event.organizer))
            .where(Organizer.slug == organizer_slug, Event.slug == event_slug))
    with tenancy.scopes_disabled():  # the organizer is part of the query; its scope is entered right after
        event = session.scalar(stmt)
    if event is not None and (event.id, event.cache_version, event.organizer_id,
                              event.organizer.cache_version) == tuple(row):
        config_cache.put(session, key, config_cache.detached_copies([event]))
    return event


def _enter_scope(request: Request, organizer: Organizer) -> None:
    token = tenancy.enter(organizer.id)
    request.add_finished_callback(lambda _request: tenancy.leave(token))


def _by_slug(request: Request, model: Any, placeholder: str) -> Any:
    """The ``model`` row whose slug is the route's ``{placeholder}``; 404 naming it when there is none."""
    slug = request.matchdict.get(placeholder)
    found = request.dbsession.scalar(select(model).where(model.slug == slug))
    if found is None:
        raise HTTPNotFound(f"Unknown {placeholder} {slug!r}.")
    return found
