"""The scopes plugins are enabled on and providers are built for."""

from __future__ import annotations

from zope.interface import Attribute, Interface


class IOrganizer(Interface):
    """An organizer (tenant). Organizer-level providers adapt it; organizer-level plugins are enabled on it."""

    id = Attribute("Primary key.")
    slug = Attribute("URL slug, unique on the platform.")


class IEvent(Interface):
    """An event of an organizer. Event-level providers adapt it; event-level plugins are enabled on it."""

    id = Attribute("Primary key.")
    slug = Attribute("URL slug, unique within the organizer.")
    organizer_id = Attribute("Primary key of the owning organizer.")
