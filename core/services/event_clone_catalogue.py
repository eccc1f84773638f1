"""Copy an event's catalogue into another event: sales channel limits, tax rules, categories, items,
discounts, questions, series dates (with their per-date overrides and meta values), quotas and vouchers.

Used by :mod:`core.services.event_clone`. Every copied row gets a new id; references between copied
rows are translated through the id maps collected in :class:`CatalogueMaps`. Series dates are copied
only when the target is an event series too; otherwise rows bound to a date (quotas, vouchers) are
skipped. Copied dates, their per-date sales windows and voucher expiry dates move by ``shift``.
Copied vouchers keep their codes and start unredeemed.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import inspect, select
from sqlalchemy.orm import Session

from core.models import (
    Discount,
    EventMetaValue,
    Item,
    ItemCategory,
    ItemVariation,
    Question,
    Quota,
    SubEvent,
    TaxRule,
    Voucher,
)
from core.models.meta import ItemMetaProperty
from core.models.questions import QuestionOption
from core.models.subevent_items import SubEventItem, SubEventItemVariation

T = TypeVar("T")


@dataclass
class CatalogueMaps:
    """``{source id: new id}`` per copied object type, and the new objects by source id."""

    tax: dict[int, int] = field(default_factory=dict)
    category: dict[int, int] = field(default_factory=dict)
    item: dict[int, int] = field(default_factory=dict)
    variation: dict[int, int] = field(default_factory=dict)
    question: dict[int, int] = field(default_factory=dict)
    option: dict[int, int] = field(default_factory=dict)
    quota: dict[int, int] = field(default_factory=dict)
    item_property: dict[int, int] = field(default_factory=dict)
    discount: dict[int, int] = field(default_factory=dict)
    subevent: dict[int, int] = field(default_factory=dict)
    voucher: dict[int, int] = field(default_factory=dict)
    objects: dict[tuple[type, int], Any] = field(default_factory=dict)

    def new(self, cls: type[T], old_id: int | None) -> T | None:
        """The copy of the ``cls`` row with source id ``old_id`` (None if it was not copied)."""
        return None if old_id is None else self.objects.get((cls, old_id))


def clone_row(session: Session, obj: T, **overrides: Any) -> T:
    """A new, added row of ``type(obj)`` with every column of ``obj`` but the primary key, then ``overrides``."""
    mapper = inspect(type(obj))
    data = {
        prop.key: copy.deepcopy(getattr(obj, prop.key))
        for prop in mapper.column_attrs
        if not any(column.primary_key for column in prop.columns)
    }
    data.update(overrides)
    new = type(obj)(**data)
    session.add(new)
    return new


def _remap(mapping: dict[int, int], old_id: int | None) -> int | None:
    return None if old_id is None else mapping.get(old_id)


def _all(session: Session, cls: type[T], *where: Any) -> list[T]:
    return list(session.scalars(select(cls).where(*where).order_by(cls.id)))  # type: ignore[attr-defined]


def _record(session: Session, maps: CatalogueMaps, target: dict[int, int], pairs: list[tuple[Any, Any]]) -> None:
    session.flush()
    for old, new in pairs:
        target[old.id] = new.id
        maps.objects[(type(old), old.id)] = new


def _copy_simple(session: Session, source: Any, target: Any, maps: CatalogueMaps) -> None:
    target.all_sales_channels = source.all_sales_channels
    target.limit_sales_channels = list(source.limit_sales_channels)
    for value in _all(session, EventMetaValue, EventMetaValue.event_id == source.id):
        clone_row(session, value, event_id=target.id)
    taxes = [(t, clone_row(session, t, event_id=target.id))
             for t in _all(session, TaxRule, TaxRule.event_id == source.id)]
    _record(session, maps, maps.tax, taxes)
    cats = [(c, clone_row(session, c, event_id=target.id))
            for c in _all(session, ItemCategory, ItemCategory.event_id == source.id)]
    _record(session, maps, maps.category, cats)
    props = [(p, clone_row(session, p, event_id=target.id))
             for p in _all(session, ItemMetaProperty, ItemMetaProperty.event_id == source.id)]
    _record(session, maps, maps.item_property, props)


def _copy_items(session: Session, source: Any, target: Any, maps: CatalogueMaps) -> list[tuple[Item, Item]]:
    items = [
        (item, clone_row(session, item, event_id=target.id, category_id=_remap(maps.category, item.category_id),
                         tax_rule_id=_remap(maps.tax, item.tax_rule_id), hidden_if_available_id=None,
                         hidden_if_item_available_id=None))
        for item in _all(session, Item, Item.event_id == source.id)
    ]
    _record(session, maps, maps.item, items)
    variations = []
    for old, new in items:
        new.limit_sales_channels = list(old.limit_sales_channels)
        new.hidden_if_item_available_id = _remap(maps.item, old.hidden_if_item_available_id)
        for value in old.meta_values:
            clone_row(session, value, item_id=new.id, property_id=maps.item_property.get(value.property_id,
                                                                                         value.property_id))
        for variation in sorted(old.variations, key=lambda v: v.id):
            variations.append((variation, clone_row(session, variation, item_id=new.id)))
    _record(session, maps, maps.variation, variations)
    for old_var, new_var in variations:
        new_var.limit_sales_channels = list(old_var.limit_sales_channels)
        for value in old_var.meta_values:
            clone_row(session, value, variation_id=new_var.id,
                      property_id=maps.item_property.get(value.property_id, value.property_id))
    for old, new in items:
        for addon in sorted(old.addons, key=lambda a: a.id):
            clone_row(session, addon, base_item_id=new.id, addon_category_id=maps.category[addon.addon_category_id])
        for bundle in sorted(old.bundles, key=lambda b: b.id):
            clone_row(session, bundle, base_item_id=new.id, bundled_item_id=maps.item[bundle.bundled_item_id],
                      bundled_variation_id=_remap(maps.variation, bundle.bundled_variation_id))
    for old_cat in _all(session, ItemCategory, ItemCategory.event_id == source.id):
        new_cat = maps.new(ItemCategory, old_cat.id)
        assert new_cat is not None
        matches = old_cat.cross_selling_match_products
        new_cat.cross_selling_match_products = [maps.objects[(Item, i.id)] for i in matches]
    session.flush()
    return items


def _copy_discounts(session: Session, source: Any, target: Any, maps: CatalogueMaps) -> None:
    pairs = []
    for old in _all(session, Discount, Discount.event_id == source.id):
        new = clone_row(session, old, event_id=target.id)
        new.limit_sales_channels = list(old.limit_sales_channels)
        new.condition_limit_products = [maps.objects[(Item, i.id)] for i in old.condition_limit_products]
        new.benefit_limit_products = [maps.objects[(Item, i.id)] for i in old.benefit_limit_products]
        pairs.append((old, new))
    _record(session, maps, maps.discount, pairs)


def _copy_questions(session: Session, source: Any, target: Any, maps: CatalogueMaps) -> None:
    questions = []
    options = []
    for old in _all(session, Question, Question.event_id == source.id):
        new = clone_row(session, old, event_id=target.id, dependency_question_id=None)
        new.items = [maps.objects[(Item, i.id)] for i in old.items]
        questions.append((old, new))
    _record(session, maps, maps.question, questions)
    for old, new in questions:
        for option in sorted(old.options, key=lambda o: o.id):
            options.append((option, clone_row(session, option, question_id=new.id)))
    _record(session, maps, maps.option, options)
    for old, new in questions:
        new.dependency_question_id = _remap(maps.question, old.dependency_question_id)
        new.dependency_options = [maps.objects[(QuestionOption, o.id)] for o in old.dependency_options]
    session.flush()


def _moved(value: datetime | None, shift: timedelta) -> datetime | None:
    return None if value is None else value + shift


def _copy_dates(session: Session, source: Any, target: Any, maps: CatalogueMaps, shift: timedelta) -> None:
    if not (source.has_subevents and target.has_subevents):
        return
    dates = []
    created = datetime.now(UTC)
    for old in _all(session, SubEvent, SubEvent.event_id == source.id):
        new = clone_row(session, old, event_id=target.id, date_from=old.date_from + shift, last_modified=created,
                        **{name: _moved(getattr(old, name), shift)
                           for name in ("date_to", "date_admission", "presale_start", "presale_end")})
        dates.append((old, new))
    _record(session, maps, maps.subevent, dates)
    for old, new in dates:
        for value in sorted(old.meta_values, key=lambda v: v.id):
            clone_row(session, value, subevent_id=new.id)
    windows = ("available_from", "available_until")
    old_ids = list(maps.subevent)
    for row in _all(session, SubEventItem, SubEventItem.subevent_id.in_(old_ids)):
        clone_row(session, row, subevent_id=maps.subevent[row.subevent_id], item_id=maps.item[row.item_id],
                  **{name: _moved(getattr(row, name), shift) for name in windows})
    for var_row in _all(session, SubEventItemVariation, SubEventItemVariation.subevent_id.in_(old_ids)):
        clone_row(session, var_row, subevent_id=maps.subevent[var_row.subevent_id],
                  variation_id=maps.variation[var_row.variation_id],
                  **{name: _moved(getattr(var_row, name), shift) for name in windows})
    session.flush()


def _copy_quotas(
    session: Session, source: Any, target: Any, maps: CatalogueMaps, items: list[tuple[Item, Item]]
) -> None:
    pairs = []
    for old in _all(session, Quota, Quota.event_id == source.id):
        if old.subevent_id is not None and old.subevent_id not in maps.subevent:
            continue
        new = clone_row(session, old, event_id=target.id, subevent_id=_remap(maps.subevent, old.subevent_id))
        new.items = [maps.objects[(Item, i.id)] for i in old.items]
        new.variations = [maps.objects[(ItemVariation, v.id)] for v in old.variations]
        pairs.append((old, new))
    _record(session, maps, maps.quota, pairs)
    for old, new in items:
        new.hidden_if_available_id = _remap(maps.quota, old.hidden_if_available_id)
    session.flush()


def _copy_vouchers(session: Session, source: Any, target: Any, maps: CatalogueMaps, shift: timedelta) -> None:
    pairs = []
    created = datetime.now(UTC)
    refs = {"item_id": maps.item, "variation_id": maps.variation, "quota_id": maps.quota, "subevent_id": maps.subevent}
    for old in _all(session, Voucher, Voucher.event_id == source.id):
        remapped = {name: _remap(mapping, getattr(old, name)) for name, mapping in refs.items()}
        if any(remapped[name] is None and getattr(old, name) is not None for name in refs):
            continue
        new = clone_row(session, old, event_id=target.id, redeemed=0, created=created,
                        valid_until=_moved(old.valid_until, shift), **remapped)
        pairs.append((old, new))
    _record(session, maps, maps.voucher, pairs)


def copy_catalogue(session: Session, source: Any, target: Any, shift: timedelta = timedelta(0)) -> CatalogueMaps:
    """Copy the catalogue of ``source`` into ``target`` (same organizer, inside its tenant scope).

    ``shift`` moves the copied dates (see the module docstring).
    """
    maps = CatalogueMaps()
    _copy_simple(session, source, target, maps)
    items = _copy_items(session, source, target, maps)
    _copy_discounts(session, source, target, maps)
    _copy_questions(session, source, target, maps)
    _copy_dates(session, source, target, maps, shift)
    _copy_quotas(session, source, target, maps, items)
    _copy_vouchers(session, source, target, maps, shift)
    return maps

