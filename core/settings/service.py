"""``update_settings``: the one service that changes settings on behalf of a person or token, with audit."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pyramid.threadlocal import get_current_registry
from sqlalchemy.orm import Session

from core.interfaces.scopes import IEvent
from core.settings import store
from core.settings.errors import SettingsError, SettingsValidationError, SettingValueError, UnknownSetting
from core.settings.files import FileUpload, on_commit
from core.settings.proxy import settings_for
from core.settings.types import FILE_PREFIX

EVENT_ACTION = "pretix.event.settings"
ORGANIZER_ACTION = "pretix.organizer.settings"


def update_settings(
    session: Session,
    scope: Any,
    values: Mapping[str, Any],
    actor: Any = None,
    *,
    registry: Any = None,
) -> dict[str, Any]:
    """Validate every value of ``values`` first, then store them and write one audit log entry.

    ``values`` maps keys to new values; ``None`` removes this level's override (the inherited value
    applies again). If any key is unknown, not storable at this level or has a bad value, nothing is
    written and :class:`SettingsValidationError` lists every problem. ``actor`` is the
    :class:`~core.models.User` or the API token/device acting. The log entry
    (``pretix.event.settings`` or ``pretix.organizer.settings``) holds the changed keys with their new
    public values, secrets masked; platform changes have no object to log on and are not logged.
    Returns that data (the keys that really changed). Permission checks are the caller's job; see
    ``Setting.write_permission``.
    """
    proxy = settings_for(session, scope, registry)
    errors: dict[str, str] = {}
    cleaned: dict[str, Any] = {}
    for key, value in values.items():
        try:
            setting = proxy.writable(key)
            cleaned[key] = None if value is None else setting.clean(value)
        except UnknownSetting as exc:
            errors[key] = exc.message
        except SettingValueError as exc:
            errors[key] = exc.problem
        except SettingsError as exc:
            errors[key] = str(exc)
    if errors:
        raise SettingsValidationError(errors)

    changed: dict[str, Any] = {}
    for key, value in cleaned.items():
        setting = proxy.declaration(key)
        overridden = proxy.is_overridden(key)
        if value is None:
            if overridden:
                proxy.delete(key)
                changed[key] = None
            continue
        if overridden and not isinstance(value, FileUpload) and proxy.get(key) == value:
            continue
        proxy.set(key, value)
        changed[key] = setting.public_value(proxy.get(key))
    if changed and scope is not None:
        _log(scope, changed, actor)
    return changed


def delete_plugin_settings(session: Session, plugin: str, registry: Any = None) -> int:
    """Delete every stored value of ``plugin`` on all levels and organizers (``ticketry plugins purge``).

    Files of its file settings are deleted after the transaction commits. Returns the number of rows.
    """
    registry = registry if registry is not None else get_current_registry()
    files = registry.settings_schema.files
    names = [text[len(FILE_PREFIX):] for _key, text in store.plugin_rows(session, plugin)
             if text.startswith(FILE_PREFIX)]
    if names:
        on_commit(session, lambda: [files.delete(name) for name in names])
    return store.delete_plugin_rows(session, plugin)


def _log(scope: Any, data: dict[str, Any], actor: Any) -> None:
    from core.logs import log_action
    from core.models import User

    action = EVENT_ACTION if IEvent.providedBy(scope) else ORGANIZER_ACTION
    if isinstance(actor, User):
        log_action(scope, action, data, user=actor)
    else:
        log_action(scope, action, data, auth=actor)
