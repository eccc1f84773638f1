"""Audit log action types of organizer and event administration (pretix's names, also webhook triggers).

Included from :data:`core.app.CORE_INCLUDES`; it also imports :mod:`core.services.uploads` so the
periodic clean-up of expired API uploads is scheduled.
"""

from __future__ import annotations

from pyramid.config import Configurator

#: Action type -> display text.
ADMIN_LOG_TYPES: dict[str, str] = {
    "pretix.organizer.changed": "The organizer has been changed.",
    "pretix.event.changed": "The event details have been changed.",
    "pretix.event.deleted": "The event {slug} has been deleted.",
    "pretix.event.live.activated": "The shop has been taken live.",
    "pretix.event.live.deactivated": "The shop has been taken offline.",
    "pretix.event.testmode.activated": "The shop has been taken into test mode.",
    "pretix.event.testmode.deactivated": "The test mode has been disabled.",
    "pretix.subevent.added": "The event date has been created.",
    "pretix.subevent.changed": "The event date has been changed.",
    "pretix.subevent.deleted": "The event date has been deleted.",
    "pretix.property.added": "The event meta property {name} has been added.",
    "pretix.property.changed": "The event meta property {name} has been changed.",
    "pretix.property.deleted": "The event meta property {name} has been deleted.",
    "pretix.saleschannel.created": "The sales channel {identifier} has been created.",
    "pretix.saleschannel.changed": "The sales channel {identifier} has been changed.",
    "pretix.saleschannel.deleted": "The sales channel {identifier} has been deleted.",
}


def includeme(config: Configurator) -> None:
    import core.services.uploads  # noqa: F401  (schedules the periodic clean-up of expired uploads)

    for action_type, display in ADMIN_LOG_TYPES.items():
        config.add_log_entry_type(action_type, display)
