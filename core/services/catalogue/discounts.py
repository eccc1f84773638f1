"""Automatic discounts of an event: create, change, delete (refused once a position used the discount)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from core.logs import log_action
from core.models import Discount, Event, Item, OrderPosition
from core.models.discounts import validate_discount
from core.services.catalogue.references import apply_fields, channels, log_value, many
from core.services.errors import CommerceError

FIELDS = (
    "active", "internal_name", "position", "all_sales_channels", "available_from", "available_until",
    "subevent_mode", "subevent_date_from", "subevent_date_until", "condition_all_products",
    "condition_apply_to_addons", "condition_ignore_voucher_discounted", "condition_min_count", "condition_min_value",
    "benefit_same_products", "benefit_discount_matching_percent", "benefit_only_apply_to_cheapest_n_matches",
    "benefit_apply_to_addons", "benefit_ignore_voucher_discounted",
)
PRODUCT_LISTS = ("condition_limit_products", "benefit_limit_products")
IN_USE = "This discount can not be deleted as it has already been used."


def _apply(session: Session, event: Event, discount: Discount, values: dict[str, Any]) -> None:
    values = dict(values)
    for field in PRODUCT_LISTS:
        if field in values:
            setattr(discount, field, many(session, Item, event, values.pop(field) or [], field))
    if "limit_sales_channels" in values:
        discount.limit_sales_channels = channels(session, event, values.pop("limit_sales_channels") or [],
                                                 "limit_sales_channels")
    apply_fields(discount, values, FIELDS, "discount")
    validate_discount(discount)


def create_discount(session: Session, event: Event, values: dict[str, Any], *, user: Any = None,
                    auth: Any = None) -> Discount:
    """A new discount of ``event``; product lists are ids, ``limit_sales_channels`` channel identifiers."""
    discount = Discount(event_id=event.id, organizer_id=event.organizer_id)
    with session.no_autoflush:
        _apply(session, event, discount, values)
    session.add(discount)
    session.flush()
    log_action(discount, "pretix.event.discount.added", _log_data(discount), user=user, auth=auth)
    return discount


def update_discount(session: Session, event: Event, discount: Discount, values: dict[str, Any], *,
                    user: Any = None, auth: Any = None) -> Discount:
    """Change the given fields of ``discount``."""
    with session.no_autoflush:
        _apply(session, event, discount, values)
    session.flush()
    log_action(discount, "pretix.event.discount.changed", _log_data(discount), user=user, auth=auth)
    return discount


def discount_in_use(session: Session, discount: Discount) -> bool:
    """True once an order position was priced with ``discount``."""
    return bool(session.scalar(select(exists().where(OrderPosition.discount_id == discount.id))))


def delete_discount(session: Session, discount: Discount, *, user: Any = None, auth: Any = None) -> None:
    """Delete ``discount``; refused (``in_use``) once it has been used."""
    if discount_in_use(session, discount):
        raise CommerceError("in_use", IN_USE)
    log_action(discount, "pretix.event.discount.deleted", {"id": discount.id}, user=user, auth=auth)
    session.delete(discount)
    session.flush()


def _log_data(discount: Discount) -> dict[str, Any]:
    data = {key: log_value(getattr(discount, key)) for key in FIELDS}
    data.update({field: log_value(getattr(discount, field)) for field in PRODUCT_LISTS})
    data["limit_sales_channels"] = log_value(discount.limit_sales_channels)
    return data
