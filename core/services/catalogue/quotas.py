"""Quotas of an event: create, change (products, variations, size, date), delete.

The usage counters are kept per product, not per quota, so changing what a quota holds needs no counter update.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from core.logs import log_action
from core.models import Event, Item, ItemVariation, Quota, SubEvent
from core.models.quotas import validate_quota
from core.services.catalogue.references import apply_fields, log_value, many, one

FIELDS = ("name", "size", "closed", "close_when_sold_out", "release_after_exit", "ignore_for_event_availability")


def _apply(session: Session, event: Event, quota: Quota, values: dict[str, Any]) -> None:
    values = dict(values)
    if "items" in values:
        quota.items = many(session, Item, event, values.pop("items") or [], "items")
    if "variations" in values:
        quota.variations = many(session, ItemVariation, event, values.pop("variations") or [], "variations")
    if "subevent" in values:
        quota.subevent = one(session, SubEvent, event, values.pop("subevent"), "subevent")
    apply_fields(quota, values, FIELDS, "quota")
    validate_quota(quota, event)


def create_quota(session: Session, event: Event, values: dict[str, Any], *, user: Any = None,
                 auth: Any = None) -> Quota:
    """A new quota of ``event``; ``items``, ``variations`` and ``subevent`` are ids of the event's rows."""
    quota = Quota(event_id=event.id, organizer_id=event.organizer_id)
    with session.no_autoflush:
        _apply(session, event, quota, values)
    session.add(quota)
    session.flush()
    log_action(quota, "pretix.event.quota.added", _log_data(quota), user=user, auth=auth)
    return quota


def update_quota(session: Session, event: Event, quota: Quota, values: dict[str, Any], *, user: Any = None,
                 auth: Any = None) -> Quota:
    """Change the given fields of ``quota``."""
    with session.no_autoflush:
        _apply(session, event, quota, values)
    session.flush()
    log_action(quota, "pretix.event.quota.changed", _log_data(quota), user=user, auth=auth)
    return quota


def delete_quota(session: Session, quota: Quota, *, user: Any = None, auth: Any = None) -> None:
    """Delete ``quota`` (its products become unavailable unless another quota holds them)."""
    log_action(quota, "pretix.event.quota.deleted", {"id": quota.id, "name": quota.name}, user=user, auth=auth)
    session.delete(quota)
    session.flush()


def _log_data(quota: Quota) -> dict[str, Any]:
    data = {key: getattr(quota, key) for key in FIELDS}
    data.update(items=log_value(quota.items), variations=log_value(quota.variations),
                subevent=log_value(quota.subevent))
    return data
