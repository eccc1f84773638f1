"""Audit log extension points: log entry types (display) and after-commit log listeners."""

from __future__ import annotations

from zope.interface import Attribute, Interface


class ILogEntryType(Interface):
    """A registered audit action type, e.g. ``pretix.event.order.paid``, with how to show it.

    Registered with ``config.add_log_entry_type(action_type, display)``; :func:`core.logs.log_action`
    refuses action types nobody registered. Core types keep pretix's names for API compatibility;
    a plugin's types must start with ``<plugin>.`` or ``pretix.plugins.<plugin>.``.
    """

    action_type = Attribute("The dotted, lower-case action type this entry type describes.")
    plugin = Attribute("'core' or the name of the plugin that registered it.")

    def display(entry, data):
        """A short human-readable sentence for ``entry`` (a LogEntry); ``data`` is its decoded data dict.

        Called when logs are shown (control panel, API); must not query the database for more
        than the entry's own object and must not raise for missing keys in old entries.
        """


class ILogListener(Interface):
    """Told about audit log entries once their transaction has committed (``config.add_log_listener``).

    Notifications and webhooks hang on this. A listener is called once per committed transaction
    that wrote log entries, with the ids of those entries (in creation order) and the registry.
    It runs after the commit, outside any transaction: queue work (a huey task taking the ids),
    don't do it inline. It is never called when the transaction aborts, and entries rolled back
    by a savepoint are not in the list. An exception is logged (logger ``ticketry.logs``, naming
    the listener) and the other listeners still run. Listeners see every entry, whatever plugins
    are active; a plugin's listener checks its own activation for each entry's scope.
    """

    def __call__(entry_ids, registry):
        """Handle the committed entries ``entry_ids`` (tuple of int)."""
