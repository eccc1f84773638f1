"""Copy an event's catalogue (tax rules, categories, items, discounts, questions, quotas) into another event.

Used by :mod:`core.services.event_clone`. Every copied row gets a new id; references between copied
rows are translated through the id maps collected in :class:`CatalogueMaps`. Rows bound to a series
date (quotas with a subevent) are skipped, and so are references to them.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
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
    TaxRule,
)
from core.models.meta import ItemMetaProperty
from core.models.questions import QuestionOption

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


def _copy_quotas(
    session: Session, source: Any, target: Any, maps: CatalogueMaps, items: list[tuple[Item, Item]]
) -> None:
    pairs = []
    for old in _all(session, Quota, Quota.event_id == source.id, Quota.subevent_id.is_(None)):
        new = clone_row(session, old, event_id=target.id)
        new.items = [maps.objects[(Item, i.id)] for i in old.items]
        new.variations = [maps.objects[(ItemVariation, v.id)] for v in old.variations]
        pairs.append((old, new))
    _record(session, maps, maps.quota, pairs)
    for old, new in items:
        new.hidden_if_available_id = _remap(maps.quota, old.hidden_if_available_id)
    session.flush()


def copy_catalogue(session: Session, source: Any, target: Any) -> CatalogueMaps:
    """Copy the catalogue of ``source`` into ``target`` (same organizer, inside its tenant scope)."""
    maps = CatalogueMaps()
    _copy_simple(session, source, target, maps)
    items = _copy_items(session, source, target, maps)
    _copy_discounts(session, source, target, maps)
    _copy_questions(session, source, target, maps)
    _copy_quotas(session, source, target, maps, items)
    return maps

