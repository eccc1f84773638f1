"""Directive ``config.add_template_slot``: contribute HTML to a named place of the core templates.

Core templates call ``render_slot(request, "event.checkout.confirm", **kw)``
(:func:`core.pluginhost.render_slot`); each renderer of an active plugin is called
``render(request, **kw)`` and must accept ``**kw``. A failing renderer yields an empty string.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from pyramid.config import Configurator

from core.config.owner import owner_of
from core.configuration import ConfigurationError
from core.pluginhost.checks import accepts_kw
from core.pluginhost.registry import init_plugin_registry
from core.pluginhost.slots import SlotRecord

_SLOT = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*$")


def add_template_slot(config: Configurator, slot: str, render: Callable[..., str], priority: int = 50,
                      name: str | None = None) -> None:
    """Register ``render(request, **kw) -> str`` (HTML) for ``slot``.

    :param slot: dotted slot name, e.g. ``"event.checkout.confirm"``.
    :param priority: lower renders first; ties by plugin name, then ``name``.
    :param name: unique per slot and owner; defaults to the renderer's ``module.qualname``.
    """
    render = config.maybe_dotted(render)
    if not isinstance(slot, str) or not _SLOT.match(slot):
        raise ConfigurationError(f"add_template_slot: slot name {slot!r} must be dotted lowercase words")
    if not callable(render) or not accepts_kw(render):
        raise ConfigurationError(f"add_template_slot({slot!r}): renderer {render!r} must accept (request, **kw)")
    if not isinstance(priority, int):
        raise ConfigurationError(f"add_template_slot({slot!r}): priority must be an int, not {priority!r}")
    owner = owner_of(config)
    name = name or f"{render.__module__}.{render.__qualname__}"
    record = SlotRecord(owner, render, priority, name)
    registry = config.registry

    def register() -> None:
        records = [*registry.template_slots.get(slot, ()), record]
        registry.template_slots[slot] = sorted(records, key=lambda r: r.sort_key)

    intr = config.introspectable("template slots", (slot, owner, name), f"{slot} -> {name}", "template slot")
    intr["plugin"] = owner
    intr["slot"] = slot
    intr["priority"] = priority
    intr["render"] = render
    config.action(("template_slot", slot, owner, name), register, introspectables=(intr,))


def includeme(config: Configurator) -> None:
    init_plugin_registry(config.registry)
    config.add_directive("add_template_slot", add_template_slot)
