"""The audit log: ``log_action`` writes a :class:`~core.models.LogEntry` in the caller's transaction.

>>> log_action(team, "pretix.team.member.added", {"email": user.email, "user": user.id}, user=actor)

* The session is the object's own (``object_session(obj)``); the entry is flushed at once, so it
  has an id, and it commits or rolls back with the action it describes.
* Organizer and event are derived from the object: an Organizer, an Event, or anything with
  ``event_id`` / ``organizer_id``.
* The actor is ``user`` (a User) and/or ``auth`` (an :class:`~core.interfaces.security.IIdentity`
  such as ``request.identity``, or a TeamAPIToken).
* ``data`` must be a dict; values under keys containing ``password``, ``secret``, ``api_key`` or
  ``token`` are replaced by ``********`` at any depth; it is stored as JSON with sorted keys.
* The action type must be registered (``config.add_log_entry_type``), else :class:`UnknownLogEntryType`.
* Once the transaction commits, every log listener (``config.add_log_listener``) gets the ids of
  the entries it wrote, in one batch per transaction.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from pyramid.config import Configurator
from sqlalchemy import inspect
from sqlalchemy.orm import Session, object_session
from zope.interface import implementer

from core.config.owner import owner_of
from core.db import scopes_disabled
from core.db.direct_insert import insert_new
from core.i18n import I18nString
from core.interfaces.logs import ILogEntryType
from core.interfaces.security import IIdentity
from core.models import Event, LogEntry, Organizer, TeamAPIToken, User

logger = logging.getLogger("ticketry.logs")

MASK = "********"
SENSITIVE_KEY_PARTS = ("password", "secret", "api_key", "token")
ACTION_TYPE_RE = re.compile(r"^[a-z0-9_]+(\.[a-z0-9_]+)+$")


class UnknownLogEntryType(KeyError):
    """``log_action`` was called with an action type nobody registered."""

    def __str__(self) -> str:
        return str(self.args[0])


class _Defaulting(dict):  # type: ignore[type-arg]
    def __missing__(self, key: str) -> str:
        return ""


@implementer(ILogEntryType)
@dataclass(frozen=True)
class LogEntryType:
    """An action type with its display: a ``str.format`` text over the entry's data, or a callable."""

    action_type: str
    text: str | Callable[[LogEntry, dict[str, Any]], str]
    plugin: str = "core"

    def display(self, entry: LogEntry, data: dict[str, Any]) -> str:
        if callable(self.text):
            return self.text(entry, data)
        return self.text.format_map(_Defaulting(data))


def _current_registry() -> Any:
    # imported on use: the plugin host logs through this module, so a module-level import would be circular
    from core.pluginhost.registry import current_registry

    return current_registry()


def mask_secrets(value: Any) -> Any:
    """A copy of ``value`` with every value under a secret-looking key replaced by ``********``."""
    if isinstance(value, Mapping):
        return {
            k: MASK if any(part in str(k).lower() for part in SENSITIVE_KEY_PARTS) else mask_secrets(v)
            for k, v in value.items()
        }
    if isinstance(value, list | tuple):
        return [mask_secrets(v) for v in value]
    return value


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, I18nString):
        return value.to_json()
    if isinstance(value, set | frozenset):
        return sorted(value)
    raise TypeError(f"log data value {value!r} of type {type(value).__name__} cannot be stored as JSON")


def _scope_of(session: Session, obj: Any) -> tuple[int | None, int | None]:
    if isinstance(obj, Organizer):
        return obj.id, None
    if isinstance(obj, Event):
        return obj.organizer_id, obj.id
    event_id = getattr(obj, "event_id", None)
    organizer_id = getattr(obj, "organizer_id", None)
    if event_id is not None and organizer_id is None:
        with scopes_disabled():
            event = session.get(Event, event_id)
        organizer_id = event.organizer_id if event is not None else None
    return organizer_id, event_id


def _actor_fields(user: User | None, auth: Any) -> dict[str, int]:
    fields: dict[str, int] = {}
    if auth is not None:
        if isinstance(auth, TeamAPIToken):
            fields["api_token_id"] = auth.id
        elif IIdentity.providedBy(auth):
            fields.update(auth.log_fields())
        else:
            raise TypeError(f"log_action(auth=...) must be an identity or a TeamAPIToken, got {auth!r}")
    if user is not None:
        if not isinstance(user, User):
            raise TypeError(f"log_action(user=...) must be a User, got {user!r}")
        fields["user_id"] = user.id
    return fields


def log_action(
    obj: Any, action_type: str, data: dict[str, Any] | None = None, *, user: User | None = None, auth: Any = None,
) -> LogEntry:
    """Write an audit entry for ``obj`` in its session's transaction and return it (flushed)."""
    registry = _current_registry()
    if action_type not in registry.log_entry_types:
        raise UnknownLogEntryType(
            f"log action type {action_type!r} is not registered; declare it with config.add_log_entry_type()"
        )
    if data is not None and not isinstance(data, dict):
        raise TypeError(f"log data must be a dict, got {type(data).__name__}")
    session = object_session(obj)
    if session is None:
        raise ValueError(f"cannot log {action_type!r} for {obj!r}: the object is not in a database session")
    state = inspect(obj)
    if state.identity is None:
        session.flush()
    identity = state.identity or ()
    organizer_id, event_id = _scope_of(session, obj)
    entry = LogEntry(
        organizer_id=organizer_id,
        event_id=event_id,
        object_type=state.mapper.local_table.name,
        object_id=identity[0] if len(identity) == 1 and isinstance(identity[0], int) else None,
        action_type=action_type,
        data=json.dumps(mask_secrets(data or {}), sort_keys=True, default=_json_default),
        datetime=datetime.now(UTC),
        **_actor_fields(user, auth),
    )
    if session.new or session.dirty or session.deleted:
        session.add(entry)
        session.flush()
    else:  # only the entry to write: a direct insert costs a fraction of a flush
        insert_new(session, [entry])
    _remember_for_listeners(session, entry, registry)
    return entry


@dataclass
class _Batch:
    """Entries written in one transaction, waiting for the commit."""

    registry: Any
    entries: list[LogEntry] = field(default_factory=list)
    committed: list[int] = field(default_factory=list)


_BATCH_KEY = object()


def _remember_for_listeners(session: Session, entry: LogEntry, registry: Any) -> None:
    manager = session.info.get("tm")
    if manager is None:
        raise RuntimeError(
            "log_action needs a session joined to a transaction (core.db.session.tm_session / request.dbsession)"
        )
    txn = manager.get()
    try:
        batch: _Batch = txn.data(_BATCH_KEY)
    except KeyError:
        batch = _Batch(registry)
        txn.set_data(_BATCH_KEY, batch)
        txn.addBeforeCommitHook(_keep_surviving, (batch,))
        txn.addAfterCommitHook(_notify_listeners, (batch,))
    batch.entries.append(entry)


def _keep_surviving(batch: _Batch) -> None:
    """Before commit: keep the entries still persistent (a rolled-back savepoint expunges the rows it removed)."""
    batch.committed.extend(entry.id for entry in batch.entries if inspect(entry).persistent)


def _notify_listeners(status: bool, batch: _Batch) -> None:
    if not status or not batch.committed:
        return
    ids = tuple(batch.committed)
    for _key, owner, listener in batch.registry.log_listeners:
        try:
            listener(ids, batch.registry)
        except Exception:  # one listener's failure must not stop the others
            logger.exception("log listener %r of %s failed for log entries %s", listener, owner, ids)


def add_log_listener(config: Configurator, callback: Callable[[tuple[int, ...], Any], None], name: str = "") -> None:
    """Directive ``config.add_log_listener(callback, name="")``: see :class:`~core.interfaces.logs.ILogListener`.

    Listeners run core first, then by plugin and name. ``name`` defaults to the callback's
    qualified name; a second listener with the same owner and name is a configuration conflict.
    """
    if not callable(callback):
        raise TypeError(f"add_log_listener() needs a callable, got {callback!r}")
    owner = owner_of(config)
    name = name or f"{callback.__module__}.{callback.__qualname__}"
    registry = config.registry

    def register() -> None:
        key = (owner != "core", owner, name)
        registry.log_listeners = sorted([*registry.log_listeners, (key, owner, callback)], key=lambda e: e[0])

    config.action(("log-listener", owner, name), register)


def display(entry: LogEntry, registry: Any = None) -> str:
    """The display text of ``entry`` (its action type itself when the type is no longer registered)."""
    registry = registry or _current_registry()
    entry_type = registry.log_entry_types.get(entry.action_type)
    if entry_type is None:
        return entry.action_type
    return entry_type.display(entry, entry.parsed_data)


#: Core action types of this concern and the foundation services (pretix's names). The plugin host
#: registers its own ``pretix.*.plugins.enabled/disabled`` types next to the activation service.
CORE_LOG_ENTRY_TYPES: dict[str, str] = {
    "pretix.organizer.created": "The organizer has been created.",
    "pretix.organizer.settings": "The organizer settings have been changed.",
    "pretix.event.added": "The event has been created.",
    "pretix.event.settings": "The event settings have been changed.",
    "pretix.team.created": "The team has been created.",
    "pretix.team.changed": "The team settings have been changed.",
    "pretix.team.deleted": "The team has been deleted.",
    "pretix.team.member.added": "{email} has been added to the team.",
    "pretix.team.member.removed": "{email} has been removed from the team.",
    "pretix.team.member.joined": "{email} has joined the team using the invite sent to {invite_email}.",
    "pretix.team.invite.created": "{email} has been invited to the team.",
    "pretix.team.invite.deleted": "The invite for {email} has been revoked.",
    "pretix.team.token.created": 'The API token "{name}" has been created.',
    "pretix.team.token.deleted": 'The API token "{name}" has been revoked.',
    "pretix.user.created": "The user account has been created.",
    "pretix.user.settings.changed": "The account settings have been changed.",
    "pretix.user.password.changed": "The password has been changed.",
    "pretix.user.sessions.ended": "All sessions of the user have been ended.",
    "pretix.control.staff.session.started": "Admin mode has been started.",
    "pretix.control.staff.session.ended": "Admin mode has been ended.",
}


def includeme(config: Configurator) -> None:
    for action_type, text in CORE_LOG_ENTRY_TYPES.items():
        config.add_log_entry_type(action_type, text)
