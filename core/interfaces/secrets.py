"""Extension point of ticket codes: the generator of the secret printed in a ticket's barcode."""

from __future__ import annotations

from zope.interface import Attribute, Interface, taggedValue

from core.pluginhost.info import Level


class ITicketSecretGenerator(Interface):
    """Makes the secret (the barcode content) of each ticket, i.e. of each order position.

    Register with ``config.add_provider(ITicketSecretGenerator, "<identifier>", Factory)``. The
    factory gets the **event** and returns the generator for it. The event setting
    ``ticket_secret_generator`` names the generator an event uses (``random`` by default); the core
    ships ``random`` (random characters) and ``signed`` (Ed25519-signed codes that scanners can
    verify offline, see ``docs/tickets/signed-secrets.rst``).

    **When:** whenever a position needs a secret: when an order is placed or imported, when a
    position changes (product, variation, date, validity) and when secrets are regenerated. The core
    calls it through :func:`core.services.secrets.assign_ticket_secrets`, which also checks that the
    result is unique within the organizer (asking again with ``force_invalidate=True`` on a
    collision) and fills the revocation list.

    **With what:** ``position`` is an order position or anything with the same attributes:
    ``id`` (None before the first flush), ``item_id``, ``variation_id``, ``subevent_id`` (None when
    not applicable), ``valid_from`` and ``valid_until`` (time-zone aware datetimes or None).

    **Returns:** the secret, a string of at most 255 characters that a barcode can carry.

    **Failure policy:** exceptions propagate; the order operation that asked for the secret fails
    and its transaction is rolled back. If the configured generator is unknown or its plugin is
    inactive, the core falls back to ``random``.

    **Scope:** event. The instance may cache per-event data (keys) for its own lifetime.
    """

    taggedValue("scope", Level.EVENT)

    identifier = Attribute("Name stored in the ``ticket_secret_generator`` setting, e.g. ``random``.")
    verbose_name = Attribute("Human-readable name shown when choosing a generator.")
    use_revocation_list = Attribute(
        "True if a secret stays verifiable after it was replaced (signed codes): the core then writes every "
        "replaced secret that :meth:`parse_secret` recognises to ``RevokedTicketSecret`` so that scanners can "
        "refuse it."
    )

    def parse_secret(secret):  # type: ignore[no-untyped-def]
        """Return what ``secret`` says about its ticket, or None if this generator cannot read it.

        Generators whose secrets carry data (signed codes) return a
        :class:`~core.services.secrets.TicketPayload` after checking the secret belongs to the event;
        opaque generators (``random``) always return None. Must not raise for malformed input.
        """

    def generate_secret(position, *, current_secret=None, force_invalidate=False):  # type: ignore[no-untyped-def]
        """Return the secret ``position`` should have.

        :param position: the position (see the class docstring for the attributes read).
        :param current_secret: the secret the position has now, or None for a new position.
        :param force_invalidate: True to demand a new secret that differs from ``current_secret``
            (regeneration after a leak, or a collision).

        Return ``current_secret`` unchanged when it is set, ``force_invalidate`` is false and nothing
        the secret depends on has changed; otherwise return a new secret. Never return a secret that
        was valid before for another position.
        """
