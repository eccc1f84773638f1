"""Extension point of sales channel types (``web``, ``api``, a plugin's box office, ...)."""

from __future__ import annotations

from zope.interface import Attribute, Interface, taggedValue

from core.pluginhost.info import Level


class ISalesChannelType(Interface):
    """A kind of sales channel an organizer can sell through.

    Register with ``config.add_provider(ISalesChannelType, "<identifier>", Factory)``; the provider
    name must equal ``identifier``. The factory gets the scope (an organizer, an event or None) and
    returns the type description; it must not touch the database. The core ships ``web`` (the
    online shop) and ``api`` (sales through the REST API), both created for every new organizer.

    **When:** :func:`core.services.channels.create_default_channels` asks every active type when an
    organizer is created (and whenever it is called again, e.g. after a plugin with a
    ``default_created`` type was enabled); channel creation and validation look a type up by name.
    **Scope:** platform; a plugin's type is only offered where the plugin is active.
    **Failure policy:** an exception in the factory propagates: organizer creation fails and
    leaves the database unchanged.
    """

    taggedValue("scope", Level.PLATFORM)

    identifier = Attribute("The type name stored in ``SalesChannel.type`` ([a-z0-9._-]+), e.g. ``web``.")
    verbose_name = Attribute("Human-readable name (str or I18nString); the label of default-created channels.")
    default_created = Attribute(
        "True if every organizer gets one channel of this type automatically; such channels cannot be deleted."
    )
    multiple_allowed = Attribute("True if an organizer may have more than one channel of this type.")
    testmode_supported = Attribute("True if orders through this channel may be placed in an event's test mode.")
