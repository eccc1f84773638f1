"""Catalogue model helpers: ``organizer_id`` of new tenant rows from their parent, and defaults at construction.

Catalogue rows hang off an event (or off an item that hangs off an event). A model names the
relationship that leads towards the organizer in ``__tenant_parent__`` (``"event"``, ``"item"``,
...); before each flush, every new row whose ``organizer_id`` is still unset copies it from that
parent, so services need not repeat ``organizer_id=event.organizer_id`` on every constructor.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session

from core.db.base import TenantMixin


def _parent_organizer_id(obj: Any) -> int | None:
    parent = getattr(obj, obj.__tenant_parent__, None)
    return None if parent is None else parent.organizer_id


def organizer_of(obj: Any) -> int | None:
    """The organizer id of ``obj``: its own ``organizer_id``, else that of the nearest parent that has one
    (following ``__tenant_parent__``), else None. Works on objects that were never flushed."""
    while obj is not None:
        organizer_id = getattr(obj, "organizer_id", None)
        if organizer_id is not None:
            return organizer_id
        parent_attr = getattr(obj, "__tenant_parent__", None)
        obj = getattr(obj, parent_attr, None) if parent_attr else None
    return None


@event.listens_for(Session, "before_flush")
def _fill_organizer_ids(session: Session, flush_context: Any, instances: Any) -> None:
    pending = [
        obj for obj in session.new
        if isinstance(obj, TenantMixin) and getattr(obj, "__tenant_parent__", None) and obj.organizer_id is None
    ]
    while pending:
        left = []
        for obj in pending:
            organizer_id = _parent_organizer_id(obj)
            if organizer_id is None:
                left.append(obj)
            else:
                obj.organizer_id = organizer_id
        if len(left) == len(pending):
            return
        pending = left


class InitDefaults:
    """Applies the Python-side column defaults at construction, not only at INSERT.

    Services validate and compute with new objects before they are flushed (``voucher.redeemed``,
    ``item.available_from_mode``, ...); with this mixin those attributes hold their defaults at once.
    Explicit constructor arguments (and attributes set by ``@validates`` hooks) are kept.
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        state = self.__dict__
        for column in self.__table__.columns:  # type: ignore[attr-defined]
            default = column.default
            if default is None or column.primary_key:
                continue
            key = self.__mapper__.get_property_by_column(column).key  # type: ignore[attr-defined]
            if key in state:
                continue
            if default.is_scalar:
                setattr(self, key, default.arg)
            elif default.is_callable:
                setattr(self, key, default.arg(None))
