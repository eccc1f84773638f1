"""The WSGI application: ``main(global_config, **settings)`` wires the core, then the plugins."""

from __future__ import annotations

import gc
from typing import Any

from pyramid.config import Configurator
from pyramid.router import Router

from core import configuration

#: Core modules included, in order, before any plugin. Each has an ``includeme``.
CORE_INCLUDES: tuple[str, ...] = (
    "pyramid_chameleon",
    "core.db.session",
    "core.config",
    "core.i18n",
    "core.settings",
    "core.security",
    "core.logs",
    "core.timemachine",
    "core.tasks",
    "core.mail",
    "core.channels",
    "core.services.payments",
    "core.services.secrets",
    "core.services.invoices",
    "core.services.placeholders",
    "core.services.ordermails",
    "core.services.orders.lifecycle",
    "core.services.orders",
    "core.services.quotas",
    "core.services.cart",
    "core.services.event_clone",
    "core.services.admin_logs",
    "core.webhooks",
    "core.services.catalogue",
    "core.api",
    "core.pluginhost",
    "core.views",
)


def make_config(settings: dict[str, Any], here: str = ".") -> Configurator:
    """Validate ``settings``, build the configurator with the core and every loadable plugin, commit it."""
    settings = configuration.load(settings, here=here)
    settings.setdefault("tm.manager_hook", "pyramid_tm.explicit_manager")
    settings.setdefault("pyramid.reload_templates", settings["ticketry.debug"])
    config = Configurator(settings=settings)
    for name in CORE_INCLUDES:
        config.include(name)
    config.commit()
    from core.pluginhost.loader import load_plugins
    from core.pluginhost.pending import hold_back_unmigrated

    load_plugins(config)
    config.commit()
    hold_back_unmigrated(config.registry)
    return config


def main(global_config: dict[str, Any] | None, **settings: Any) -> Router:
    """Paste entry point (``ticketry serve``, any WSGI server).

    The configured application (registry, mappers, compiled templates: a few hundred thousand objects) lives as
    long as the process, so it is moved out of the garbage collector's reach (``gc.freeze``): a full collection
    would otherwise scan it again and again, a pause of a tenth of a second in the middle of some request.
    """
    here = (global_config or {}).get("here", ".")
    app = make_config(settings, here=here).make_wsgi_app()
    gc.collect()
    gc.freeze()
    return app
