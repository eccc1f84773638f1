"""The core's API resources, one module per resource family; each is a Pyramid include."""

from __future__ import annotations

#: Modules included by :func:`core.api.includeme`, in this order.
RESOURCE_MODULES: tuple[str, ...] = (
    "core.api.resources.meta",
    "core.api.resources.taxrules",
    "core.api.resources.organizers",
    "core.api.resources.settings",
    "core.api.resources.events",
    "core.api.resources.event_clone",
    "core.api.resources.subevents",
    "core.api.resources.saleschannels",
    "core.api.resources.event_meta",
    "core.api.resources.upload",
    "core.api.resources.items",
    "core.api.resources.items_nested",
    "core.api.resources.categories",
    "core.api.resources.questions",
    "core.api.resources.quotas",
    "core.api.resources.discounts",
    "core.api.resources.item_meta",
    "core.api.resources.devices",
    "core.api.resources.oauth",
    "core.api.resources.webhooks",
    "core.api.resources.orders",
    "core.api.resources.transactions",
    "core.api.resources.revokedsecrets",
    "core.api.resources.invoices",
    "core.api.resources.cartpositions",
    "core.api.resources.orderpositions",
    "core.api.resources.payments",
    "core.api.resources.refunds",
    "core.api.resources.organizer_lists",
    "core.api.resources.vouchers",
    "core.api.resources.teams",
)
