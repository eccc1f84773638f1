"""Extension points of the REST API: extra data that plugins add to the objects the API renders."""

from __future__ import annotations

from zope.interface import Interface, taggedValue

from core.pluginhost.info import Level


class IOrderApiData(Interface):
    """Adds a plugin's data to the ``plugin_data`` object of orders and order positions in the API.

    Register with ``config.add_provider(IOrderApiData, "<plugin>", Factory)``. The factory gets the
    scope (the event of the orders being rendered) and returns the provider; it is used only where its
    plugin is active.

    **When:** every time the API renders orders or positions (order list and detail, the responses of
    order actions and order creation, position lists, webhook-style payloads built by the API renderers),
    once per event per rendered page, never once per row.
    **With:** all orders (or positions) of the page that belong to the provider's event, already loaded.
    Load what you need for the whole batch in a constant number of queries (``WHERE id IN (...)``).
    **Returns:** a mapping ``{order.id: {...}}`` (or ``{position.id: {...}}``) of JSON-serialisable
    dicts; rows left out get nothing. The dicts of all providers are merged into ``plugin_data``, so
    use keys named after your plugin (``{"myplugin_seat_label": "A12"}``). A later provider (by
    name, core first) wins on key clashes.
    **Failure policy:** ROBUST: an exception in a provider is logged with its name and the provider is
    skipped for this page; the API still answers with the other providers' data. Providers must
    only read: never write to the database.
    **Scope:** event (``taggedValue("scope", Level.EVENT)``).
    """

    taggedValue("scope", Level.EVENT)

    def order_data(orders):  # type: ignore[no-untyped-def]
        """Return ``{order_id: dict}`` with the plugin's data of each of ``orders`` (a list of Order)."""

    def position_data(positions):  # type: ignore[no-untyped-def]
        """Return ``{position_id: dict}`` with the plugin's data of each of ``positions`` (OrderPosition)."""
