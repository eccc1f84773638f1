"""What the loader found out about each installed plugin."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any


class PluginStatus(enum.Enum):
    """Outcome of loading one plugin. Only ``LOADED`` plugins are ever active."""

    LOADED = "loaded"
    #: Import, metadata, dependency or configuration failed (see reason and traceback).
    BROKEN = "broken"
    #: The plugin's ``compatibility`` specifier or ``api_level`` excludes this core.
    INCOMPATIBLE = "incompatible"
    #: The platform policy (``ticketry.plugins.exclude`` / ``allow``) keeps it out.
    EXCLUDED = "excluded"


@dataclass(frozen=True)
class PluginState:
    """One row of ``registry.plugin_states`` (``ticketry plugins list``, admin UI)."""

    name: str
    status: PluginStatus
    reason: str = ""
    traceback: str = ""
    info: Any = None
    distribution: str = ""

    @property
    def ok(self) -> bool:
        return self.status is PluginStatus.LOADED


class PluginLoadError(RuntimeError):
    """Raised at start-up with ``ticketry.plugins.strict = true`` when a plugin cannot be loaded."""

    def __init__(self, state: PluginState) -> None:
        self.state = state
        detail = f"\n{state.traceback}" if state.traceback else ""
        super().__init__(
            f"plugin {state.name!r} is {state.status.value}: {state.reason} "
            f"(ticketry.plugins.strict is on; fix or uninstall the plugin, or add it to ticketry.plugins.exclude)"
            f"{detail}"
        )
