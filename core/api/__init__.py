"""The REST API v1 on pretix's contract (``/api/v1/``).

The ``add_api_view`` directive (:mod:`core.api.endpoints`) is installed with the other directives by
:mod:`core.config`; ``config.include("core.api")`` adds the JSON exception views
(:mod:`core.api.errors`, :mod:`core.api.errorviews`), the OpenAPI document and the
core resources listed in :data:`core.api.resources.RESOURCE_MODULES`. Plugins add endpoints with the
same directive from their own ``includeme``.
"""

from __future__ import annotations

from pyramid.config import Configurator

from core.api.endpoints import API_PREFIX, Endpoint

__all__ = ["API_PREFIX", "Endpoint", "includeme"]


def includeme(config: Configurator) -> None:
    from core.api.resources import RESOURCE_MODULES

    config.include("core.api.errorviews")
    config.include("core.api.openapi")
    config.include("core.api.idempotency")
    config.include("core.api.ratelimit")
    for module in RESOURCE_MODULES:
        config.include(module)
