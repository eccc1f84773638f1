"""Plugin metadata: :class:`PluginInfo` and the :class:`Level` a plugin is enabled on."""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from zope.interface import implementer

from core.interfaces.plugin import IPluginInfo

#: Plugin API levels this core implements; a plugin declaring another level is INCOMPATIBLE.
SUPPORTED_API_LEVELS: frozenset[int] = frozenset({1})
#: Valid plugin (and entry point) names.
NAME_PATTERN = r"^[a-z][a-z0-9_]{1,40}$"


class Level(enum.Enum):
    """Where a plugin is switched on (pretix's plugin levels, plus PLATFORM).

    - ``EVENT``: enabled per event; active on that event only.
    - ``ORGANIZER``: enabled per organizer; active on the organizer and all its events.
    - ``HYBRID``: enabled on both; active on an event only if enabled on the event *and* its organizer.
    - ``PLATFORM``: never enabled or disabled; active everywhere once loaded.
    """

    EVENT = "event"
    ORGANIZER = "organizer"
    HYBRID = "hybrid"
    PLATFORM = "platform"


def _always(scope: Any) -> bool:
    return True


def _nothing(scope: Any) -> None:
    return None


@implementer(IPluginInfo)
@dataclass(frozen=True)
class PluginInfo:
    """The metadata object a plugin's entry point points at (see :class:`IPluginInfo` for each field).

    Example::

        plugin = PluginInfo(
            name="acme_stripe", title=_("Stripe"), description=_("Card payments"), author="ACME",
            level=Level.EVENT, compatibility=">=0.1", includeme="acme_stripe.config:includeme",
        )

    Left empty, ``version`` is filled in by the loader with the version of the distribution whose
    entry point names the object.
    """

    name: str
    title: str
    includeme: str
    description: str = ""
    author: str = ""
    version: str = ""
    category: str = "FEATURE"
    security_contact: str = ""
    level: Level = Level.EVENT
    visible: bool = True
    restricted: bool = False
    compatibility: str = ""
    api_level: int = 1
    requires: tuple[str, ...] = ()
    uses: tuple[str, ...] = ()
    settings: tuple[Any, ...] = ()
    is_available: Callable[[Any], bool] = field(default=_always, compare=False)
    installed: Callable[[Any], None] = field(default=_nothing, compare=False)
    uninstalled: Callable[[Any], None] = field(default=_nothing, compare=False)

    def __post_init__(self) -> None:
        if not isinstance(self.level, Level):
            raise TypeError(f"PluginInfo {self.name!r}: level must be a core.pluginhost.Level, not {self.level!r}")
        for attr in ("requires", "uses", "settings"):
            if not isinstance(getattr(self, attr), tuple):
                raise TypeError(f"PluginInfo {self.name!r}: {attr} must be a tuple")
