"""Template slots: named places in core templates where active plugins contribute HTML."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from time import perf_counter
from typing import Any

from pyramid.request import Request

from core.config.owner import CORE
from core.pluginhost.activity import active_plugins, scope_key

_UNSET: Any = object()


@dataclass(frozen=True)
class SlotRecord:
    """One ``add_template_slot`` registration."""

    plugin: str
    render: Callable[..., str]
    priority: int
    name: str

    @property
    def sort_key(self) -> tuple[int, str, str]:
        return (self.priority, self.plugin, self.name)


def render_slot(request: Request, slot: str, scope: Any = _UNSET, **kw: Any) -> str:
    """The concatenated HTML of every active renderer of ``slot``, by ``(priority, plugin, name)``.

    Renderers are called ``render(request, **kw)`` and return HTML (escaped by them). ``scope``
    defaults to the scope of ``request.context``. A renderer that raises contributes an empty string;
    the error is logged on ``ticketry.plugins.<plugin>`` with the slot and scope and counted.
    """
    records = request.registry.template_slots.get(slot)
    if not records:
        return ""
    if scope is _UNSET:
        scope = getattr(request.context, "scope", None)
    active = active_plugins(request.dbsession if scope is not None else None, scope, request.registry)
    metrics = request.registry.plugin_metrics
    parts = []
    for record in records:
        if record.plugin != CORE and record.plugin not in active:
            continue
        start = perf_counter()
        try:
            parts.append(str(record.render(request, **kw)))
        except Exception:  # a broken snippet must not break the page
            where = scope_key(scope)
            logging.getLogger(f"ticketry.plugins.{record.plugin}").exception(
                "renderer %s of template slot %s failed for %s", record.name, slot, where
            )
            metrics.failed(record.plugin, where)
        finally:
            metrics.timed(record.plugin, perf_counter() - start)
    return "".join(parts)
