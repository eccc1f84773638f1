"""Route factories of API routes: like :mod:`core.resources`, but a missing organizer or event is noted
instead of answered at once, so an anonymous request gets 401 and a principal without access 403
(as pretix does) before anyone learns whether the slug exists.
"""

from __future__ import annotations

from pyramid.httpexceptions import HTTPNotFound
from pyramid.request import Request

from core.resources import EventResource, OrganizerResource, RootResource


class ApiRootResource(RootResource):
    """Context of platform API routes (``/me``, ``/version``, device and OAuth endpoints)."""

    missing = False


class ApiOrganizerResource(OrganizerResource):
    """Context of ``/organizers/{organizer}/...`` API routes; ``missing`` when the organizer does not exist."""

    missing = False

    def __init__(self, request: Request) -> None:
        try:
            super().__init__(request)
        except HTTPNotFound:
            RootResource.__init__(self, request)
            self.organizer = None
            self.missing = True


class ApiEventResource(EventResource):
    """Context of ``/organizers/{organizer}/events/{event}/...`` API routes; ``missing`` as above."""

    missing = False

    def __init__(self, request: Request) -> None:
        try:
            super().__init__(request)
        except HTTPNotFound:
            if getattr(self, "organizer", None) is None:
                RootResource.__init__(self, request)
                self.organizer = None
            self.event = None
            self.missing = True
