"""Event cloning: copy every object, setting and plugin of an event into a new event of the same organizer.

``clone_event`` creates the event (via :func:`core.services.events.create_event`) and fills it;
``copy_event_data`` fills an existing new event. What is copied: the event's sales channel limits,
event meta values, tax rules, categories, item meta properties, items (variations, add-ons, bundles,
meta values, sales channel limits, availability references), discounts, questions (options,
dependencies, item links), the dates of a series (per-date item and variation overrides, meta
values), quotas, vouchers (codes kept, redemptions reset to 0), every event-level setting but the
signed-ticket key pair (a new event must get its own keys; stored files are duplicated), and the
enabled event plugins (rows written without calling ``installed`` hooks: the plugins' data is copied
by their :class:`~core.interfaces.events.IEventCopied` handlers, not set up anew). Dates and objects
bound to them are copied only into an event series. The source is left unchanged.

Audit log on the new event: ``pretix.event.cloned`` (what the core copied) and one
``pretix.event.plugin_data_copied`` per plugin whose ``IEventCopied`` handler reported copied rows.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from pyramid.config import Configurator
from sqlalchemy.orm import Session

from core.db.tenancy import scope
from core.i18n import I18nString
from core.logs import log_action
from core.models import Event
from core.models.auth import User
from core.models.plugins import EventPlugin
from core.pluginhost import send
from core.pluginhost.activation import enabled_names
from core.pluginhost.activity import invalidate
from core.services.event_clone_catalogue import CatalogueMaps, copy_catalogue
from core.services.event_signals import EventCopied
from core.services.events import create_event
from core.services.secrets.keys import PRIVATE_KEY, PUBLIC_KEY
from core.services.slugs import ValidationError
from core.settings import FileUpload, StoredFile, settings_for

#: Audit log action type written on the new event after it was filled from another event.
EVENT_CLONED = "pretix.event.cloned"
#: Audit log action type written on the new event for each plugin that reported copying its rows.
PLUGIN_DATA_COPIED = "pretix.event.plugin_data_copied"
#: Settings never copied: each event has its own signed-ticket key pair.
NOT_COPIED_SETTINGS = frozenset({PRIVATE_KEY, PUBLIC_KEY})


def copy_settings(session: Session, source: Event, target: Event) -> list[str]:
    """Copy the settings stored on ``source`` itself to ``target`` (files duplicated); returns the keys."""
    src = settings_for(session, source)
    dst = settings_for(session, target)
    copied = []
    for setting in src.schema:
        key = setting.key
        if key in NOT_COPIED_SETTINGS or not src.is_overridden(key):
            continue
        value = src.get(key)
        if isinstance(value, StoredFile):
            value = FileUpload(value.name, value.path.read_bytes())
        dst.set(key, value)
        copied.append(key)
    return copied


def copy_plugins(session: Session, source: Event, target: Event) -> list[str]:
    """Enable on ``target`` the plugins enabled on ``source``, without calling their ``installed`` hooks.

    The activation service has no "skip hooks" flag, so the rows are written here (the plugins'
    data is copied by their ``IEventCopied`` handlers instead). Returns the names added.
    """
    names = sorted(enabled_names(session, source) - enabled_names(session, target))
    with scope(target.organizer_id):
        for name in names:
            session.add(EventPlugin(event_id=target.id, organizer_id=target.organizer_id, plugin=name))
        session.flush()
    invalidate(session)
    return names


def copy_event_data(
    session: Session, source: Event, target: Event, *, actor: Any = None, shift: timedelta = timedelta(0)
) -> CatalogueMaps:
    """Copy catalogue, settings and plugins of ``source`` into the new event ``target``, then send ``IEventCopied``.

    Both events must belong to the same organizer and differ (:class:`ValidationError` otherwise).
    ``shift`` moves the copied series dates, per-date sales windows and voucher expiry dates.
    Returns the id maps. Logs ``pretix.event.cloned`` on ``target``, then
    ``pretix.event.plugin_data_copied`` for each plugin whose handler returned a summary.
    """
    if source.organizer_id != target.organizer_id:
        raise ValidationError("source", "events can only be copied within the same organizer")
    if source.id == target.id:
        raise ValidationError("source", "an event cannot be copied into itself")
    with scope(source.organizer_id):
        maps = copy_catalogue(session, source, target, shift)
        settings = copy_settings(session, source, target)
        plugins = copy_plugins(session, source, target)
        user = actor if isinstance(actor, User) else None
        who = {"user": user, "auth": None if user else actor}
        log_action(target, EVENT_CLONED, {"source": source.id, "source_slug": source.slug, "settings": settings,
                                          "plugins": plugins, "subevents": len(maps.subevent),
                                          "vouchers": len(maps.voucher)}, **who)
        results = send(EventCopied(
            scope=target, source=source, item_map=dict(maps.item), variation_map=dict(maps.variation),
            category_map=dict(maps.category), tax_map=dict(maps.tax), question_map=dict(maps.question),
            quota_map=dict(maps.quota), subevent_map=dict(maps.subevent), voucher_map=dict(maps.voucher),
        ), session=session)
        for plugin, summary in results:
            if isinstance(summary, Mapping) and summary:
                log_action(target, PLUGIN_DATA_COPIED, {"plugin": plugin, "source": source.id,
                                                        "copied": dict(summary)}, **who)
    return maps


def clone_event(
    session: Session,
    source: Event,
    *,
    slug: str,
    name: I18nString | dict[str, str] | str | None = None,
    date_from: datetime | None = None,
    actor: Any = None,
) -> Event:
    """Create event ``slug`` in ``source``'s organizer like ``source`` and copy everything into it.

    ``name`` and ``date_from`` default to the source's; currency, time zone, location, public flag,
    test mode and series mode are taken over. The other dates are shifted along with ``date_from``.
    """
    start = date_from or source.date_from
    shift = start - source.date_from

    def moved(value: datetime | None) -> datetime | None:
        return None if value is None else value + shift

    target = create_event(
        session, source.organizer, slug, name if name is not None else source.name, start, source.currency,
        date_to=moved(source.date_to), date_admission=moved(source.date_admission),
        presale_start=moved(source.presale_start), presale_end=moved(source.presale_end),
        location=source.location, timezone=source.timezone, is_public=source.is_public, testmode=source.testmode,
        has_subevents=source.has_subevents, actor=actor,
    )
    copy_event_data(session, source, target, actor=actor, shift=shift)
    return target


def includeme(config: Configurator) -> None:
    """Register the audit log types of event cloning."""
    config.add_log_entry_type(EVENT_CLONED, "The event has been copied from another event.")
    config.add_log_entry_type(PLUGIN_DATA_COPIED, "The data of plugin {plugin} has been copied from another event.")
