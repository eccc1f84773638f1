"""Products of an event: create (with variations, add-ons and bundles), change, delete unless ordered."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, exists, select
from sqlalchemy.orm import Session

from core.logs import log_action
from core.models import CartPosition, Event, Item, ItemCategory, OrderPosition, Quota, TaxRule
from core.models.items import validate_item
from core.services.catalogue.addons import create_addon
from core.services.catalogue.bundles import create_bundle
from core.services.catalogue.meta_values import meta_data_of, set_meta_data
from core.services.catalogue.references import apply_fields, channels, log_value, one
from core.services.catalogue.variations import create_variation
from core.services.errors import CommerceError
from core.services.slugs import ValidationError

FIELDS = (
    "name", "internal_name", "active", "description", "position", "default_price", "free_price",
    "free_price_suggestion", "original_price", "admission", "personalized", "generate_tickets", "allow_waitinglist",
    "show_quota_left", "available_from", "available_from_mode", "available_until", "available_until_mode",
    "hidden_if_item_available_mode", "require_voucher", "hide_without_voucher", "require_approval",
    "require_bundling", "allow_cancel", "min_per_order", "max_per_order", "checkin_attention", "checkin_text",
    "all_sales_channels", "validity_mode", "validity_fixed_from", "validity_fixed_until",
    "validity_dynamic_duration_minutes", "validity_dynamic_duration_hours", "validity_dynamic_duration_days",
    "validity_dynamic_duration_months", "validity_dynamic_start_choice", "validity_dynamic_start_choice_day_limit",
)
#: Reference fields: value = id (or channel identifiers), resolved within the event.
REFERENCES = {"category": ItemCategory, "tax_rule": TaxRule, "hidden_if_available": Quota,
              "hidden_if_item_available": Item}
IN_USE = "This item cannot be deleted because it has already been ordered."


class PartError(ValidationError):
    """A variation, add-on or bundle sent with a new product is invalid: ``field`` is the collection
    (``variations``, ``addons``, ``bundles``), ``index`` the part's position in it, ``part_field`` its field."""

    def __init__(self, collection: str, index: int, error: ValidationError) -> None:
        super().__init__(collection, str(error))
        self.index = index
        self.part_field = error.field


def _apply(session: Session, event: Event, item: Item, values: dict[str, Any]) -> None:
    values = dict(values)
    for field, model in REFERENCES.items():
        if field in values:
            setattr(item, field, one(session, model, event, values.pop(field), field))
    if "limit_sales_channels" in values:
        item.limit_sales_channels = channels(session, event, values.pop("limit_sales_channels") or [],
                                             "limit_sales_channels")
    if "meta_data" in values:
        set_meta_data(session, event, item, values.pop("meta_data") or {})
    hide = values.pop("hide_without_voucher", None)
    apply_fields(item, values, FIELDS, "item")
    if hide is not None:
        item.hide_without_voucher = hide
    validate_item(item)


def create_item(session: Session, event: Event, values: dict[str, Any], *, variations: list[dict[str, Any]] = (),
                addons: list[dict[str, Any]] = (), bundles: list[dict[str, Any]] = (), user: Any = None,
                auth: Any = None) -> Item:
    """A new product of ``event`` with its variations, add-on slots and bundles (each a values dict).

    ``personalized`` defaults to ``admission``; references are ids of the event's rows.
    """
    values = {"personalized": bool(values.get("admission")), **values}
    item = Item(event_id=event.id, organizer_id=event.organizer_id, event=event)
    with session.no_autoflush:
        _apply(session, event, item, values)
    session.add(item)
    session.flush()
    log_action(item, "pretix.event.item.added", log_data(item), user=user, auth=auth)
    for name, parts, create in (("variations", variations, create_variation), ("addons", addons, create_addon),
                                ("bundles", bundles, create_bundle)):
        for index, values in enumerate(parts):
            try:
                create(session, event, item, values, user=user, auth=auth)
            except ValidationError as exc:
                raise PartError(name, index, exc) from exc
    return item


def update_item(session: Session, event: Event, item: Item, values: dict[str, Any], *, user: Any = None,
                auth: Any = None) -> Item:
    """Change the given fields of ``item`` (variations, add-ons and bundles have their own services)."""
    with session.no_autoflush:
        _apply(session, event, item, values)
    session.flush()
    log_action(item, "pretix.event.item.changed", log_data(item), user=user, auth=auth)
    return item


def item_in_use(session: Session, item: Item) -> bool:
    """True once a position of any order is of ``item``."""
    return bool(session.scalar(select(exists().where(OrderPosition.item_id == item.id))))


def delete_item(session: Session, item: Item, *, user: Any = None, auth: Any = None) -> None:
    """Delete ``item`` (and the carts holding it); refused (``in_use``) once it has been ordered."""
    if item_in_use(session, item):
        raise CommerceError("in_use", IN_USE)
    log_action(item, "pretix.event.item.deleted", {"id": item.id}, user=user, auth=auth)
    session.execute(delete(CartPosition).where(CartPosition.item_id == item.id))
    session.delete(item)
    session.flush()


def log_data(item: Item) -> dict[str, Any]:
    """The audit data of ``item``: its columns, references as ids, channels and meta data."""
    data = {key: log_value(getattr(item, key)) for key in FIELDS}
    data.update({key: log_value(getattr(item, key)) for key in REFERENCES})
    data["limit_sales_channels"] = log_value(item.limit_sales_channels)
    data["meta_data"] = meta_data_of(item)
    return data
