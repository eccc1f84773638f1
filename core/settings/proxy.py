"""``settings_for(session, scope)``: typed, strict, cached access to the settings of one scope.

>>> settings = settings_for(session, event)
>>> settings["reservation_time"]            # event -> organizer -> platform -> ini/env -> default
30
>>> settings.set("max_items_per_order", 5)  # stored on the event, visible at once in this session
>>> settings.plugin("acme_stripe")["api_key"]  # the plugin's own keys without the prefix
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from pyramid.threadlocal import get_current_registry
from sqlalchemy.orm import Session

from core.interfaces.scopes import IEvent, IOrganizer
from core.settings import store
from core.settings.declaration import Scope, Setting
from core.settings.errors import SettingScopeError, UnknownSetting
from core.settings.files import FileUpload, StoredFile, on_abort, on_commit
from core.settings.registry import SettingsSchema
from core.settings.types import FileCodec

#: Which declared scopes each level may store.
_WRITABLE = {
    store.EVENT: (Scope.EVENT,),
    store.ORGANIZER: (Scope.EVENT, Scope.ORGANIZER),
    store.PLATFORM: (Scope.EVENT, Scope.ORGANIZER, Scope.PLATFORM),
}
#: Which stored levels a setting of each scope is read from, most specific first.
_READ_FROM = {
    Scope.EVENT: (store.EVENT, store.ORGANIZER, store.PLATFORM),
    Scope.ORGANIZER: (store.ORGANIZER, store.PLATFORM),
    Scope.PLATFORM: (store.PLATFORM,),
}


def settings_for(session: Session, scope: Any, registry: Any = None) -> SettingsProxy:
    """The settings of ``scope``: an event, an organizer, or ``None`` for the platform.

    ``registry`` defaults to the current (thread-local) registry, which requests, tasks, CLI units of
    work and the test fixtures push.
    """
    registry = registry if registry is not None else get_current_registry()
    schema = getattr(registry, "settings_schema", None)
    if schema is None:
        raise RuntimeError("no settings schema on the current registry: include core.settings (core.app does)")
    if scope is None:
        levels = [store.Level(store.PLATFORM)]
    elif IEvent.providedBy(scope):
        levels = [
            store.Level(store.EVENT, scope.id, scope.organizer_id),
            store.Level(store.ORGANIZER, scope.organizer_id),
            store.Level(store.PLATFORM),
        ]
    elif IOrganizer.providedBy(scope):
        levels = [store.Level(store.ORGANIZER, scope.id), store.Level(store.PLATFORM)]
    else:
        raise TypeError(f"settings scope must be an event, an organizer or None, got {scope!r}")
    return SettingsProxy(session, schema, levels)


class SettingsProxy:
    """Settings of one event, organizer or the platform. Every key must be declared."""

    def __init__(self, session: Session, schema: SettingsSchema, levels: list[store.Level]) -> None:
        self.session = session
        self.schema = schema
        self.levels = levels
        self.level = levels[0]

    # reading

    def declaration(self, key: str) -> Setting:
        """The declaration of ``key``; raises :class:`UnknownSetting` with close matches."""
        return self.schema[key]

    def get(self, key: str) -> Any:
        """The effective value of ``key`` (see the resolution order in :mod:`core.settings.declaration`)."""
        setting = self.schema[key]
        stored = dict(zip((lv.kind for lv in self.levels), store.load(self.session, self.levels), strict=True))
        for kind in _READ_FROM[setting.scope]:
            text = stored.get(kind, {}).get(key)
            if text is not None:
                return self._load(setting, text)
        if self.schema.has_deployment_value(key):
            return copy.deepcopy(self.schema.deployment_value(key))
        return copy.deepcopy(setting.default)

    __getitem__ = get

    def freeze(self) -> dict[str, Any]:
        """Every declared key with its effective value (secrets included: this is for code, not people)."""
        return {setting.key: self.get(setting.key) for setting in self.schema}

    def explain(
        self,
        can_write: Callable[[str | None], bool] | None = None,
        localizer: Any = None,
        keys: list[str] | None = None,
    ) -> dict[str, dict[str, Any]]:
        """``{key: {value, label, help_text, readonly}}`` of the settings storable at this level.

        This is the ``?explain=true`` answer of the settings API and the input of settings forms.
        Secret settings are left out. ``can_write(permission)`` decides ``readonly`` (``None`` is a
        staff-only permission); without it nothing is read-only. ``localizer`` translates labels.
        """
        translate = localizer.translate if localizer is not None else str
        result = {}
        for setting in self._storable(keys):
            if setting.secret:
                continue
            result[setting.key] = {
                "value": setting.public_value(self.get(setting.key)),
                "label": translate(setting.label),
                "help_text": translate(setting.doc),
                "readonly": bool(can_write is not None and not can_write(setting.write_permission)),
            }
        return result

    def _storable(self, keys: list[str] | None) -> list[Setting]:
        allowed = _WRITABLE[self.level.kind]
        selected = [self.schema[key] for key in keys] if keys is not None else list(self.schema)
        return [setting for setting in selected if setting.scope in allowed]

    def _load(self, setting: Setting, text: str) -> Any:
        value = setting.codec.load(text)
        return self.schema.files.get(value) if isinstance(setting.codec, FileCodec) else value

    # writing

    def set(self, key: str, value: Any) -> None:
        """Store ``value`` for ``key`` on this level; ``None`` deletes the override.

        Raises :class:`~core.settings.errors.SettingValueError` for a bad value and
        :class:`~core.settings.errors.SettingScopeError` if the key cannot be stored at this level.
        """
        if value is None:
            self.delete(key)
            return
        setting = self.writable(key)
        cleaned = setting.clean(value)
        if isinstance(cleaned, FileUpload):
            cleaned = self.schema.files.save(cleaned)
            on_abort(self.session, lambda name=cleaned.name: self.schema.files.delete(name))
        old = self._stored_file(setting)
        if old is not None and old != cleaned:
            on_commit(self.session, lambda: self.schema.files.delete(old.name))
        store.write(self.session, self.level, key, setting.codec.dump(cleaned))

    __setitem__ = set

    def delete(self, key: str) -> None:
        """Remove this level's override of ``key`` (a stored file is deleted after commit)."""
        setting = self.writable(key)
        old = self._stored_file(setting)
        if old is not None:
            on_commit(self.session, lambda: self.schema.files.delete(old.name))
        store.write(self.session, self.level, key, None)

    __delitem__ = delete

    def is_overridden(self, key: str) -> bool:
        """Whether this level stores its own value of ``key``."""
        self.declaration(key)
        (stored,) = store.load(self.session, [self.level])
        return key in stored

    def writable(self, key: str) -> Setting:
        """The declaration of ``key`` if it can be stored at this level, else :class:`SettingScopeError`."""
        setting = self.schema[key]
        if setting.scope not in _WRITABLE[self.level.kind]:
            raise SettingScopeError(
                f"setting {key!r} is a {setting.scope.value} setting and cannot be stored on the "
                f"{self.level.kind}; set it on the {setting.scope.value}"
            )
        return setting

    def _stored_file(self, setting: Setting) -> StoredFile | None:
        if not isinstance(setting.codec, FileCodec):
            return None
        (stored,) = store.load(self.session, [self.level])
        text = stored.get(setting.key)
        return None if text is None else self._load(setting, text)

    def plugin(self, name: str) -> PluginSettings:
        """The settings of plugin ``name`` with short keys (``api_key`` for ``plugin.<name>.api_key``)."""
        return PluginSettings(self, name)

    def __repr__(self) -> str:
        suffix = "" if self.level.object_id is None else f" {self.level.object_id}"
        return f"<SettingsProxy {self.level.kind}{suffix}>"


class PluginSettings:
    """A plugin's view of a :class:`SettingsProxy`: the same methods, keys without ``plugin.<name>.``."""

    def __init__(self, proxy: SettingsProxy, plugin: str) -> None:
        self.proxy = proxy
        self.name = plugin
        self.prefix = f"plugin.{plugin}."

    def _key(self, key: str) -> str:
        full = self.prefix + key
        if full not in self.proxy.schema:
            raise UnknownSetting(full, [s.key for s in self.proxy.schema.of_plugin(self.name)])
        return full

    def get(self, key: str) -> Any:
        return self.proxy.get(self._key(key))

    __getitem__ = get

    def set(self, key: str, value: Any) -> None:
        self.proxy.set(self._key(key), value)

    __setitem__ = set

    def delete(self, key: str) -> None:
        self.proxy.delete(self._key(key))

    __delitem__ = delete

    def freeze(self) -> dict[str, Any]:
        return {s.short_key: self.proxy.get(s.key) for s in self.proxy.schema.of_plugin(self.name)}

    def explain(self, **kw: Any) -> dict[str, dict[str, Any]]:
        keys = [s.key for s in self.proxy.schema.of_plugin(self.name)]
        explained = self.proxy.explain(keys=keys, **kw)
        return {key[len(self.prefix):]: value for key, value in explained.items()}

    def __repr__(self) -> str:
        return f"<PluginSettings {self.name} of {self.proxy!r}>"
