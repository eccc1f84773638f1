"""Add-on slots of a product (choose add-ons from a category): create, change, remove.

Changes are logged on the product (``pretix.event.item.addons.*``), as pretix does.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from core.logs import log_action
from core.models import Event, Item, ItemAddOn, ItemCategory
from core.models.addons import validate_addon
from core.services.catalogue.references import apply_fields, one
from core.services.slugs import ValidationError

FIELDS = ("min_count", "max_count", "price_included", "multi_allowed", "position")


def _apply(session: Session, event: Event, item: Item, addon: ItemAddOn, values: dict[str, Any]) -> None:
    values = dict(values)
    if "addon_category" in values:
        category = one(session, ItemCategory, event, values.pop("addon_category"), "addon_category")
        if any(other.addon_category is category for other in item.addons if other is not addon):
            raise ValidationError("addon_category", "The item already has an add-on of this category.")
        addon.addon_category = category
    apply_fields(addon, values, FIELDS, "add-on")
    addon.base_item = item
    validate_addon(addon)


def create_addon(session: Session, event: Event, item: Item, values: dict[str, Any], *, user: Any = None,
                 auth: Any = None) -> ItemAddOn:
    """A new add-on slot of ``item``; ``addon_category`` is a category id of the event."""
    addon = ItemAddOn(organizer_id=event.organizer_id)
    with session.no_autoflush:
        _apply(session, event, item, addon, values)
    session.add(addon)
    session.flush()
    log_action(item, "pretix.event.item.addons.added", _log_data(addon), user=user, auth=auth)
    return addon


def update_addon(session: Session, event: Event, addon: ItemAddOn, values: dict[str, Any], *, user: Any = None,
                 auth: Any = None) -> ItemAddOn:
    """Change the given fields of ``addon``."""
    with session.no_autoflush:
        _apply(session, event, addon.base_item, addon, values)
    session.flush()
    log_action(addon.base_item, "pretix.event.item.addons.changed", _log_data(addon), user=user, auth=auth)
    return addon


def delete_addon(session: Session, addon: ItemAddOn, *, user: Any = None, auth: Any = None) -> None:
    """Remove the add-on slot ``addon``."""
    item = addon.base_item
    log_action(item, "pretix.event.item.addons.removed", {"id": addon.id}, user=user, auth=auth)
    item.addons.remove(addon)
    session.flush()


def _log_data(addon: ItemAddOn) -> dict[str, Any]:
    return {"id": addon.id, "addon_category": addon.addon_category.id} | {k: getattr(addon, k) for k in FIELDS}
