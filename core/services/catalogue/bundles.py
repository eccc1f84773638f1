"""Bundles of a product (products sold inside it): create, change, remove.

Changes are logged on the product (``pretix.event.item.bundles.*``), as pretix does.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from core.logs import log_action
from core.models import Event, Item, ItemBundle, ItemVariation
from core.models.addons import validate_bundle
from core.services.catalogue.references import apply_fields, one

FIELDS = ("count", "designated_price")


def _apply(session: Session, event: Event, item: Item, bundle: ItemBundle, values: dict[str, Any]) -> None:
    values = dict(values)
    if "bundled_item" in values:
        bundle.bundled_item = one(session, Item, event, values.pop("bundled_item"), "bundled_item")
    if "bundled_variation" in values:
        bundle.bundled_variation = one(session, ItemVariation, event, values.pop("bundled_variation"),
                                       "bundled_variation")
    apply_fields(bundle, values, FIELDS, "bundle")
    bundle.base_item = item
    validate_bundle(bundle)


def create_bundle(session: Session, event: Event, item: Item, values: dict[str, Any], *, user: Any = None,
                  auth: Any = None) -> ItemBundle:
    """A new bundle of ``item``; ``bundled_item`` / ``bundled_variation`` are ids of the event's rows."""
    bundle = ItemBundle(organizer_id=event.organizer_id)
    with session.no_autoflush:
        _apply(session, event, item, bundle, values)
    session.add(bundle)
    session.flush()
    log_action(item, "pretix.event.item.bundles.added", _log_data(bundle), user=user, auth=auth)
    return bundle


def update_bundle(session: Session, event: Event, bundle: ItemBundle, values: dict[str, Any], *,
                  user: Any = None, auth: Any = None) -> ItemBundle:
    """Change the given fields of ``bundle``."""
    with session.no_autoflush:
        _apply(session, event, bundle.base_item, bundle, values)
    session.flush()
    log_action(bundle.base_item, "pretix.event.item.bundles.changed", _log_data(bundle), user=user, auth=auth)
    return bundle


def delete_bundle(session: Session, bundle: ItemBundle, *, user: Any = None, auth: Any = None) -> None:
    """Remove ``bundle`` from its product."""
    item = bundle.base_item
    log_action(item, "pretix.event.item.bundles.removed", {"id": bundle.id}, user=user, auth=auth)
    item.bundles.remove(bundle)
    session.flush()


def _log_data(bundle: ItemBundle) -> dict[str, Any]:
    return {"id": bundle.id, "bundled_item": bundle.bundled_item_id or bundle.bundled_item.id,
            "bundled_variation": bundle.bundled_variation.id if bundle.bundled_variation else None,
            "count": bundle.count, "designated_price": bundle.designated_price}
