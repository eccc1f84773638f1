"""Scoped signals: "tell or ask every plugin that is active for this event or organizer".

A signal is an interface deriving from :class:`IScopedSignal`; a frozen dataclass implements it
and carries the arguments. The interface docstring is the plugin API documentation: when the
signal is sent, its attributes, what handlers return and the dispatch policy. The policy is
declared inside the interface body::

    class IOrderPaid(IScopedSignal):
        \"\"\"Sent after an order became paid. Handlers' return values are ignored. Policy: ROBUST.\"\"\"

        taggedValue("policy", Policy.ROBUST)
        order = Attribute("The paid order.")

CHAINED signals also name the attribute whose value travels from handler to handler with
``taggedValue("chained", "<attribute>")``. Plugins subscribe with
``config.add_signal_handler(func, IOrderPaid, order=100)``; the core sends with
:func:`core.pluginhost.send`.
"""

from __future__ import annotations

import enum

from zope.interface import Attribute, Interface


class Policy(enum.Enum):
    """How :func:`core.pluginhost.send` runs the handlers of a signal and what it returns."""

    #: Every handler runs; any exception (declared domain error or bug) propagates to the sender.
    #: Returns ``[(plugin, value)]``.
    STRICT = "strict"
    #: Every handler runs; exceptions propagate. Returns ``[(plugin, value)]`` in dispatch order.
    COLLECT = "collect"
    #: Handlers run until one returns something other than None; returns that value (or None).
    FIRST = "first"
    #: Each handler gets the previous handler's return value in the keyword argument named by the
    #: interface's ``chained`` tagged value (the first gets the signal's attribute of that name);
    #: returns the last value.
    CHAINED = "chained"
    #: Each handler runs in a savepoint; a failing handler's writes are rolled back, the failure is
    #: logged as ``ticketry.plugins.<plugin>`` and counted, and the other handlers go on.
    #: Returns ``[(plugin, value)]`` of the handlers that succeeded.
    ROBUST = "robust"
    #: Nothing runs now. When the sending transaction commits, one huey task per handler is queued;
    #: the task rebuilds the signal from ids, re-checks that the plugin is still active and calls the
    #: handler. Nothing is queued when the transaction aborts. Returns None. The signal class must
    #: implement :class:`IAfterCommitSignal`.
    AFTER_COMMIT = "after_commit"


class IScopedSignal(Interface):
    """Base of every signal. Handlers only run for plugins active on ``scope``.

    Handlers are called as ``handler(signal, **kw)`` and must accept ``**kw``: the core passes the
    chained value of CHAINED signals that way and may add keyword arguments in later versions.
    They run in the order core first, then ascending ``order``, plugin name and handler name.
    """

    scope = Attribute("The Event or Organizer the signal is about, or None for platform-wide signals.")


class IAfterCommitSignal(IScopedSignal):
    """A signal that can travel to a task as ids (required for the AFTER_COMMIT policy)."""

    def payload():
        """A JSON-serialisable dict of ids (never ORM objects) that :meth:`restore` turns back into the signal."""

    def restore(session, payload):
        """Class method: rebuild the signal in ``session`` from :meth:`payload`'s dict; None if it is gone."""


class ISignalHandler(Interface):
    """Marker of the handler records that ``add_signal_handler`` registers as subscription adapters."""

    plugin = Attribute("Owner: plugin name or ``core``.")
    func = Attribute("The handler callable.")
    order = Attribute("Sort key within the owner group (int; lower runs first).")
    name = Attribute("Handler name, unique per signal and owner; used by after-commit tasks.")
