"""Carts (pretix-behaviour.md 2.2): reserve products for a limited time before the order is placed.

Public API::

    from core.services.cart import add_to_cart, remove_from_cart, clear_cart, extend_cart, ...

    positions = add_to_cart(session, event, cart_id, [{"item": ticket, "count": 2}], sales_channel="web")
    extend_cart(session, event, cart_id, sales_channel="web")
    apply_voucher_to_cart(session, event, cart_id, "SUMMER24")

A valid (unexpired) cart position holds quota; an expired one releases it and is re-validated (capacity under
locks) when the cart is extended or added to. Cart ids of API carts end in ``@api`` (:func:`new_api_cart_id`).
The periodic task :func:`cleanup_carts` deletes positions 14 days after their expiry.
"""

from __future__ import annotations

from pyramid.config import Configurator

from core.services.cart.add import MAX_EXTEND_FACTOR, add_to_cart
from core.services.cart.cleanup import cleanup_carts, delete_old_carts
from core.services.cart.load import cart_positions, new_api_cart_id
from core.services.cart.manage import (
    apply_voucher_to_cart,
    clear_cart,
    extend_cart,
    remove_from_cart,
    set_cart_addons,
)

__all__ = [
    "MAX_EXTEND_FACTOR", "add_to_cart", "apply_voucher_to_cart", "cart_positions", "cleanup_carts", "clear_cart",
    "delete_old_carts", "extend_cart", "new_api_cart_id", "remove_from_cart", "set_cart_addons",
]


def includeme(config: Configurator) -> None:
    """Nothing to configure: importing the package registers the periodic clean-up task with huey."""
