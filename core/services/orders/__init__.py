"""Orders: placement (:func:`place_order`) and the audit action types it writes.

Public API::

    from core.services.orders import PositionRequest, place_order

    order = place_order(session, event, positions=[PositionRequest(item=ticket)], email="a@example.org",
                        sales_channel="api", payment_provider="manual")
    order = place_order(session, event, cart_id=cart_id, email=..., sales_channel="web", payment_provider=...)
"""

from __future__ import annotations

from pyramid.config import Configurator

from core.services.orders.placement import place_order
from core.services.orders.placing.lines import PositionRequest
from core.services.positions import LOCK_TRUST_WINDOW, MAX_ORDER_SIZE

__all__ = ["LOCK_TRUST_WINDOW", "MAX_ORDER_SIZE", "PositionRequest", "place_order"]

#: Audit action types written by order placement (pretix's names).
LOG_ENTRY_TYPES = {
    "pretix.event.order.placed": "The order has been placed.",
    "pretix.event.order.placed.require_approval": "The order has been placed and requires approval.",
    "pretix.voucher.redeemed": "The voucher has been redeemed in order {order_code}.",
}


def includeme(config: Configurator) -> None:
    """Register the placement's audit action types."""
    for action_type, display in LOG_ENTRY_TYPES.items():
        config.add_log_entry_type(action_type, display)
