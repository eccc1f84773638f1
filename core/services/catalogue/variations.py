"""Variations of a product: create, change, delete (refused once ordered and for the last variation).

Changes are logged on the product (``pretix.event.item.variation.*``), as pretix does.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, exists, select
from sqlalchemy.orm import Session

from core.logs import log_action
from core.models import CartPosition, Event, Item, ItemVariation, OrderPosition
from core.models.variations import validate_variation
from core.services.catalogue.meta_values import meta_data_of, set_meta_data
from core.services.catalogue.references import apply_fields, channels, log_value
from core.services.errors import CommerceError

FIELDS = (
    "value", "active", "description", "position", "default_price", "original_price", "free_price_suggestion",
    "require_approval", "available_from", "available_from_mode", "available_until", "available_until_mode",
    "all_sales_channels", "hide_without_voucher", "checkin_attention", "checkin_text",
)
IN_USE = "This variation cannot be deleted because it has already been ordered."
LAST = ("This variation cannot be deleted because it is the only variation. Changing a product with variations "
        "to a product without variations is not allowed.")


def _apply(session: Session, event: Event, variation: ItemVariation, values: dict[str, Any]) -> None:
    values = dict(values)
    if "limit_sales_channels" in values:
        variation.limit_sales_channels = channels(session, event, values.pop("limit_sales_channels") or [],
                                                  "limit_sales_channels")
    if "meta_data" in values:
        set_meta_data(session, event, variation, values.pop("meta_data") or {})
    apply_fields(variation, values, FIELDS, "variation")
    validate_variation(variation)


def create_variation(session: Session, event: Event, item: Item, values: dict[str, Any], *, user: Any = None,
                     auth: Any = None) -> ItemVariation:
    """A new variation of ``item``."""
    variation = ItemVariation(organizer_id=event.organizer_id)
    with session.no_autoflush:
        _apply(session, event, variation, values)
    item.variations.append(variation)
    session.flush()
    log_action(item, "pretix.event.item.variation.added", _log_data(variation), user=user, auth=auth)
    return variation


def update_variation(session: Session, event: Event, variation: ItemVariation, values: dict[str, Any], *,
                     user: Any = None, auth: Any = None) -> ItemVariation:
    """Change the given fields of ``variation``."""
    with session.no_autoflush:
        _apply(session, event, variation, values)
    session.flush()
    log_action(variation.item, "pretix.event.item.variation.changed", _log_data(variation), user=user, auth=auth)
    return variation


def variation_deletable(session: Session, variation: ItemVariation) -> str | None:
    """Why ``variation`` cannot be deleted (pretix's text), or None."""
    if session.scalar(select(exists().where(OrderPosition.variation_id == variation.id))):
        return IN_USE
    if len(variation.item.variations) <= 1:
        return LAST
    return None


def delete_variation(session: Session, variation: ItemVariation, *, user: Any = None, auth: Any = None) -> None:
    """Delete ``variation`` (and the carts holding it); refused (``in_use``) as :func:`variation_deletable` says."""
    reason = variation_deletable(session, variation)
    if reason is not None:
        raise CommerceError("in_use", reason)
    item = variation.item
    log_action(item, "pretix.event.item.variation.deleted", {"id": variation.id, "value": variation.value},
               user=user, auth=auth)
    session.execute(delete(CartPosition).where(CartPosition.variation_id == variation.id))
    item.variations.remove(variation)
    session.flush()


def _log_data(variation: ItemVariation) -> dict[str, Any]:
    data = {key: log_value(getattr(variation, key)) for key in FIELDS}
    data.update(id=variation.id, limit_sales_channels=log_value(variation.limit_sales_channels),
                meta_data=meta_data_of(variation))
    return data
