"""Extension point of device security profiles: which API calls a device may make at all."""

from __future__ import annotations

from zope.interface import Attribute, Interface, taggedValue

from core.pluginhost.info import Level


class IDeviceSecurityProfile(Interface):
    """An allow-list of API calls for devices, chosen per device (``Device.security_profile``).

    Register with ``config.add_provider(IDeviceSecurityProfile, "<identifier>", Factory)``; the
    provider name must equal ``identifier``. The factory gets the device's organizer and returns
    the profile; it must not touch the database. The core ships ``full`` (no restriction beyond
    the device's fixed permission set, the default) and ``checkin`` (what an entry scanner needs:
    reading the event data and orders, check-in calls, no other writes).

    **When:** a profile is looked up by name when a device is created or changed (an unknown or
    inactive name is refused) and on every API request authenticated as a device, after the
    permission check (``DeviceIdentity.api_allows``). The device's own ``/device/...`` endpoints
    (update, roll, revoke, info, event selection) are always allowed and never asked about.
    **Scope:** organizer; a plugin's profile is only available where the plugin is active for the
    device's organizer. A device whose profile became unavailable is refused every other call.
    **Failure policy:** an exception in ``allows`` propagates and the request fails; a profile
    must answer from its own data only.
    """

    taggedValue("scope", Level.ORGANIZER)

    identifier = Attribute("The name stored in ``Device.security_profile`` (``[a-z0-9_]+``), e.g. ``full``.")
    verbose_name = Attribute("Human-readable name (str or I18nString) shown when choosing a device's profile.")

    def allows(method, path):
        """Whether a device with this profile may call ``method`` (upper case, e.g. ``"GET"``) on ``path``.

        ``path`` is the endpoint's path template relative to ``/api/v1`` as registered with
        ``config.add_api_view`` (e.g. ``"/organizers/{organizer}/events/{event}/orders/"``), not the
        concrete URL. Returns a bool; False answers the request with 403.
        """
