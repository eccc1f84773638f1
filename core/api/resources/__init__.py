"""The core's API resources, one module per resource family; each is a Pyramid include."""

from __future__ import annotations

#: Modules included by :func:`core.api.includeme`, in this order.
RESOURCE_MODULES: tuple[str, ...] = (
    "core.api.resources.meta",
    "core.api.resources.taxrules",
    "core.api.resources.webhooks",
)
