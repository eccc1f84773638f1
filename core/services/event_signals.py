"""The signal objects of :mod:`core.interfaces.events`, sent by the event services."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from zope.interface import implementer

from core.interfaces import events as i


@implementer(i.IEventCopied)
@dataclass(frozen=True)
class EventCopied:
    """``scope`` (the new event) was filled from ``source``; the maps translate source ids to new ids."""

    scope: Any
    source: Any
    item_map: dict[int, int] = field(default_factory=dict)
    variation_map: dict[int, int] = field(default_factory=dict)
    category_map: dict[int, int] = field(default_factory=dict)
    tax_map: dict[int, int] = field(default_factory=dict)
    question_map: dict[int, int] = field(default_factory=dict)
    quota_map: dict[int, int] = field(default_factory=dict)
    subevent_map: dict[int, int] = field(default_factory=dict)
    voucher_map: dict[int, int] = field(default_factory=dict)
