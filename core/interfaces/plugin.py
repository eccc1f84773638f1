"""The metadata every plugin exports through its ``ticketry.plugins`` entry point."""

from __future__ import annotations

from zope.interface import Attribute, Interface


class IPluginInfo(Interface):
    """Describes one plugin: who made it, where it applies, what it needs and how to configure it.

    The entry point ``ticketry.plugins`` of a distribution points at an object providing this
    interface (normally a :class:`core.pluginhost.PluginInfo`). The loader reads it at start-up,
    before any of the plugin's configuration runs; reading it must not do I/O.

    Failure policy: an object that does not provide this interface, or whose attributes fail
    :func:`zope.interface.verify.verifyObject`, marks the plugin ``BROKEN``.
    """

    name = Attribute("Unique plugin name; equals the entry point name; ``^[a-z][a-z0-9_]{1,40}$``.")
    title = Attribute("Human-readable name (a translation string).")
    description = Attribute("What the plugin does (a translation string).")
    author = Attribute("Who wrote and maintains it.")
    version = Attribute("Version string; defaults to the version of the distribution that ships it.")
    category = Attribute("FEATURE, PAYMENT, INTEGRATION, CUSTOMIZATION, FORMAT or API (other strings allowed).")
    security_contact = Attribute("Where to report vulnerabilities (e-mail address or URL), or empty.")
    level = Attribute("A :class:`core.pluginhost.Level`: where the plugin is enabled.")
    visible = Attribute("False hides the plugin from the lists where organizers enable plugins.")
    restricted = Attribute("True: only enabling staff, or scopes whose ``allowed_restricted_plugins`` lists it.")
    compatibility = Attribute("PEP 440 specifier on the ``ticketry`` version, e.g. ``>=0.1,<0.3``; empty: any.")
    api_level = Attribute("Plugin API level the plugin was written against (int).")
    requires = Attribute("Names of plugins that must be loaded for this one to load (tuple of str).")
    uses = Attribute("Names of plugins loaded before this one when present (tuple of str).")
    settings = Attribute("Setting declarations (``core.settings.Setting``), stored as ``plugin.<name>.<key>``.")
    includeme = Attribute("Dotted name of the configuration callable, e.g. ``acme_stripe.config:includeme``.")

    def is_available(scope):
        """True if the plugin may be enabled on ``scope`` (an Organizer or Event)."""

    def installed(scope):
        """Called in the enabling transaction right after the plugin was enabled on ``scope``."""

    def uninstalled(scope):
        """Called in the disabling transaction right after the plugin was disabled on ``scope``."""
