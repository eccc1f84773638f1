"""Signals about whole events: sent when an event's data was copied from another event.

The implementing dataclass lives in :mod:`core.services.event_signals`; the clone service in
:mod:`core.services.event_clone` sends it with :func:`core.pluginhost.send`.
"""

from __future__ import annotations

from zope.interface import Attribute, taggedValue

from core.interfaces.signals import IScopedSignal, Policy


class IEventCopied(IScopedSignal):
    """Sent after the core copied an event's catalogue, settings and plugins into a new event.

    Plugins copy their own rows of ``source`` into ``scope`` here, translating references to core
    objects through the id maps (``{source id: new id}``). Series dates and the objects bound to
    them are copied only when both events are series; objects not copied are absent from the maps.
    Only handlers of plugins active on the new event run (the plugins enabled on ``source`` were
    copied before the signal is sent, without calling their ``installed`` hooks). Returns: None, or
    a JSON-able dict summarising what the plugin copied (e.g. ``{"rules": 3}``); any other return
    value is ignored. For every non-empty summary the core writes one
    ``pretix.event.plugin_data_copied`` audit entry on the new event naming the plugin. Policy:
    ROBUST (a failing handler's writes are rolled back and logged, and no entry is written for it;
    the clone stands).

    .. versionadded:: 0.1
    """

    taggedValue("policy", Policy.ROBUST)
    source = Attribute("The Event that was copied from (unchanged).")
    item_map = Attribute("dict[int, int]: source Item id -> new Item id.")
    variation_map = Attribute("dict[int, int]: source ItemVariation id -> new ItemVariation id.")
    category_map = Attribute("dict[int, int]: source ItemCategory id -> new ItemCategory id.")
    tax_map = Attribute("dict[int, int]: source TaxRule id -> new TaxRule id.")
    question_map = Attribute("dict[int, int]: source Question id -> new Question id.")
    quota_map = Attribute("dict[int, int]: source Quota id -> new Quota id.")
    subevent_map = Attribute("dict[int, int]: source SubEvent id -> new SubEvent id (empty unless both are series).")
    voucher_map = Attribute("dict[int, int]: source Voucher id -> new Voucher id.")
