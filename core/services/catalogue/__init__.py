"""Catalogue services: create, change and delete the sellable objects of an event (audit-logged)."""

from __future__ import annotations

from pyramid.config import Configurator

#: pretix's action types of catalogue changes, with their display text.
LOG_TYPES: dict[str, str] = {
    "pretix.event.taxrule.added": "The tax rule has been added.",
    "pretix.event.taxrule.changed": "The tax rule has been changed.",
    "pretix.event.taxrule.deleted": "The tax rule has been deleted.",
}


def includeme(config: Configurator) -> None:
    for action_type, display in LOG_TYPES.items():
        config.add_log_entry_type(action_type, display)
