"""Product categories of an event: create, change, delete (products of a deleted category keep no category)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from core.logs import log_action
from core.models import Event, Item, ItemCategory
from core.models.items import validate_category
from core.services.catalogue.references import apply_fields, log_value, many

FIELDS = ("name", "internal_name", "description", "position", "is_addon", "cross_selling_mode",
          "cross_selling_condition")


def _apply(session: Session, event: Event, category: ItemCategory, values: dict[str, Any]) -> None:
    values = dict(values)
    if "cross_selling_match_products" in values:
        category.cross_selling_match_products = many(
            session, Item, event, values.pop("cross_selling_match_products") or [], "cross_selling_match_products")
    apply_fields(category, values, FIELDS, "category")
    validate_category(category)


def create_category(session: Session, event: Event, values: dict[str, Any], *, user: Any = None,
                    auth: Any = None) -> ItemCategory:
    """A new category of ``event``; ``cross_selling_match_products`` is a list of product ids."""
    category = ItemCategory(event_id=event.id, organizer_id=event.organizer_id)
    with session.no_autoflush:
        _apply(session, event, category, values)
    session.add(category)
    session.flush()
    log_action(category, "pretix.event.category.added", _log_data(category), user=user, auth=auth)
    return category


def update_category(session: Session, event: Event, category: ItemCategory, values: dict[str, Any], *,
                    user: Any = None, auth: Any = None) -> ItemCategory:
    """Change the given fields of ``category``."""
    with session.no_autoflush:
        _apply(session, event, category, values)
    session.flush()
    log_action(category, "pretix.event.category.changed", _log_data(category), user=user, auth=auth)
    return category


def delete_category(session: Session, category: ItemCategory, *, user: Any = None, auth: Any = None) -> None:
    """Delete ``category``; its products stay, without a category (add-on slots of it go away)."""
    log_action(category, "pretix.event.category.deleted", {"id": category.id}, user=user, auth=auth)
    session.delete(category)
    session.flush()


def _log_data(category: ItemCategory) -> dict[str, Any]:
    data = {key: log_value(getattr(category, key)) for key in FIELDS}
    data["cross_selling_match_products"] = log_value(category.cross_selling_match_products)
    return data
