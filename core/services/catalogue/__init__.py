"""Catalogue services: create, change and delete the sellable objects of an event (audit-logged)."""

from __future__ import annotations

from pyramid.config import Configurator

#: pretix's action types of catalogue changes, with their display text.
LOG_TYPES: dict[str, str] = {
    "pretix.event.taxrule.added": "The tax rule has been added.",
    "pretix.event.taxrule.changed": "The tax rule has been changed.",
    "pretix.event.taxrule.deleted": "The tax rule has been deleted.",
    "pretix.event.item.added": "The product has been created.",
    "pretix.event.item.changed": "The product has been changed.",
    "pretix.event.item.deleted": "The product has been deleted.",
    "pretix.event.item.variation.added": "A variation has been created.",
    "pretix.event.item.variation.changed": "A variation has been changed.",
    "pretix.event.item.variation.deleted": "A variation has been deleted.",
    "pretix.event.item.addons.added": "An add-on has been added to this product.",
    "pretix.event.item.addons.changed": "An add-on has been changed on this product.",
    "pretix.event.item.addons.removed": "An add-on has been removed from this product.",
    "pretix.event.item.bundles.added": "A bundled item has been added to this product.",
    "pretix.event.item.bundles.changed": "A bundled item has been changed on this product.",
    "pretix.event.item.bundles.removed": "A bundled item has been removed from this product.",
    "pretix.event.category.added": "The category has been added.",
    "pretix.event.category.changed": "The category has been changed.",
    "pretix.event.category.deleted": "The category has been deleted.",
    "pretix.event.question.added": "The question has been added.",
    "pretix.event.question.changed": "The question has been changed.",
    "pretix.event.question.deleted": "The question has been deleted.",
    "pretix.event.question.option.added": "An answer option has been added to the question.",
    "pretix.event.question.option.changed": "An answer option of the question has been changed.",
    "pretix.event.question.option.deleted": "An answer option has been removed from the question.",
    "pretix.event.quota.added": "The quota has been added.",
    "pretix.event.quota.changed": "The quota has been changed.",
    "pretix.event.quota.deleted": "The quota has been deleted.",
    "pretix.event.discount.added": "The discount has been added.",
    "pretix.event.discount.changed": "The discount has been changed.",
    "pretix.event.discount.deleted": "The discount has been deleted.",
    "pretix.event.item_meta_property.added": "The item meta property has been added.",
    "pretix.event.item_meta_property.changed": "The item meta property has been changed.",
    "pretix.event.item_meta_property.deleted": "The item meta property has been deleted.",
    "pretix.voucher.added": "The voucher has been created.",
    "pretix.voucher.changed": "The voucher has been changed.",
    "pretix.voucher.deleted": "The voucher has been deleted.",
}


def includeme(config: Configurator) -> None:
    for action_type, display in LOG_TYPES.items():
        config.add_log_entry_type(action_type, display)
