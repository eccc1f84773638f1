"""Signal of the quota service: plugins may rewrite computed quota availability."""

from __future__ import annotations

from zope.interface import Attribute, taggedValue

from core.interfaces.signals import IScopedSignal, Policy


class IQuotaAvailability(IScopedSignal):
    """Sent once per event each time :func:`core.services.quotas.availability` has computed results.

    **When:** after the core counted paid and pending orders, blocking vouchers, carts and the waiting
    list, before ``close_when_sold_out`` closes quotas. Order placement, cart operations and the API all
    go through it, so a rewrite is honoured everywhere.

    **Attributes:** ``scope`` (the event), ``quotas`` (the ``Quota`` rows of that event being computed),
    ``count_waitinglist`` (bool), ``results`` (dict ``quota id -> (state, number or None)`` with the
    states ``Quota.AVAILABILITY_*``).

    **Returns:** the (possibly changed) ``results`` dict; each handler receives the previous handler's
    dict as the keyword argument ``results``. A handler may only lower availability safely: raising it
    lets the shop sell more than the core would.

    **Failure policy:** CHAINED: an exception propagates and aborts the operation that asked (nothing is
    written). **Scope:** event.

    .. versionadded:: 0.1
    """

    taggedValue("policy", Policy.CHAINED)
    taggedValue("chained", "results")
    quotas = Attribute("The Quota rows of the event whose availability was computed.")
    count_waitinglist = Attribute("Whether waiting list entries were subtracted.")
    results = Attribute("dict quota id -> (state, number or None).")
