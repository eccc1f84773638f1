"""Core configuration directives: the only way plugins (and the core) register anything.

Each concern module adds its ``config.add_*`` directives; every directive tags what it registers
with its owner (see :func:`core.config.owner.owner_of`) and uses a discriminator, so two
registrations of the same thing fail at start-up naming both call sites.
"""

from __future__ import annotations

from pyramid.config import Configurator

DIRECTIVE_MODULES: tuple[str, ...] = (
    "core.config.providers",
    "core.config.signals",
    "core.config.views",
    "core.config.slots",
    "core.config.assets",
    "core.config.periodic",
    "core.config.settings",
    "core.config.permissions",
    "core.config.logs",
    "core.api.endpoints",
)


def includeme(config: Configurator) -> None:
    for name in DIRECTIVE_MODULES:
        config.include(name)
