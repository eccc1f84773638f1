"""Quota availability (pretix-behaviour.md 2.1): many quotas in a constant number of queries.

Modules: :mod:`.counting` (one aggregate statement for all sources), :mod:`.availability` (the algorithm, the
plugin signal, closing sold-out quotas, the endpoint numbers) and :mod:`.products` (products: the worst of their
quotas).
"""

from __future__ import annotations

from pyramid.config import Configurator

from core.services.quotas.availability import (
    AVAILABILITY_GONE,
    AVAILABILITY_OK,
    AVAILABILITY_ORDERED,
    AVAILABILITY_RESERVED,
    QuotaAvailability,
    QuotaDetails,
    Result,
    availability,
    evaluate,
    quota_details,
)
from core.services.quotas.counting import QuotaCounts, count_usage
from core.services.quotas.products import ProductKey, item_availability, product_key, product_quotas
from core.services.quotas.reconcile import UsageDrift, reconcile_all_events, reconcile_quota_usage

__all__ = [
    "AVAILABILITY_GONE",
    "AVAILABILITY_OK",
    "AVAILABILITY_ORDERED",
    "AVAILABILITY_RESERVED",
    "ProductKey",
    "QuotaAvailability",
    "QuotaCounts",
    "QuotaDetails",
    "Result",
    "UsageDrift",
    "availability",
    "count_usage",
    "evaluate",
    "item_availability",
    "product_key",
    "product_quotas",
    "quota_details",
    "reconcile_all_events",
    "reconcile_quota_usage",
]


def includeme(config: Configurator) -> None:
    """Register the audit action type of closing a sold-out quota."""
    config.add_log_entry_type("pretix.event.quota.closed", "The quota has closed because it is sold out.")
