"""``/organizers/{o}/settings/`` and ``/organizers/{o}/events/{e}/settings/``: generated from the settings schema.

One declaration (:class:`core.settings.Setting`) drives validation, this API and the forms. The endpoints
list every setting storable at the level whose owner is the core or a plugin active there (plugin keys
as ``plugin.<name>.<key>``); secret settings are never returned. ``?explain=true`` answers
``{key: {value, label, help_text, readonly}}`` with ``readonly`` from the setting's ``write_permission``.
PATCH changes the given keys (unknown keys are ignored, as pretix does), needs each key's write permission
(403 otherwise), accepts ``file:<uuid>`` upload ids for file settings and ``null`` to reset a key to the
inherited value; it answers the settings as GET does. Bad values give 400 ``{key: [message]}``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from pyramid.config import Configurator
from pyramid.request import Request

from core.api.endpoints import read_json
from core.api.errors import PermissionDenied, ValidationFailed
from core.pluginhost import active_plugins
from core.services.uploads import UploadError, resolve_upload
from core.settings import FileUpload, Setting, SettingScopeError, SettingsValidationError, settings_for, update_settings
from core.settings.types import FileCodec

EVENT_SETTINGS = "/organizers/{organizer}/events/{event}/settings/"
ORGANIZER_SETTINGS = "/organizers/{organizer}/settings/"
#: Any permission to write some event settings allows reading them.
EVENT_PERMISSION = ("event.settings.general:write", "event.settings.payment:write", "event.settings.tax:write",
                    "event.settings.invoicing:write")
ORGANIZER_PERMISSION = "organizer.settings.general:write"


def _scope(request: Request) -> Any:
    return getattr(request.context, "event", None) or request.context.organizer


def visible_settings(request: Request, scope: Any) -> list[Setting]:
    """The declarations the API shows for ``scope``: storable there, not secret, core or an active plugin's."""
    proxy = settings_for(request.dbsession, scope, request.registry)
    active = active_plugins(request.dbsession, scope, request.registry)
    return [s for s in writable_settings(proxy) if not s.secret and (s.owner == "core" or s.owner in active)]


def writable_settings(proxy: Any) -> list[Setting]:
    """Every declaration ``proxy`` can store at its level."""
    result = []
    for setting in proxy.schema:
        try:
            proxy.writable(setting.key)
        except SettingScopeError:
            continue
        result.append(setting)
    return result


def can_write(request: Request) -> Callable[[str | None], bool]:
    """``can_write(permission)`` for the caller: ``None`` (staff-only settings) needs admin mode."""
    staff = bool(getattr(request.identity, "staff", False))

    def check(permission: str | None) -> bool:
        if staff:
            return True
        return permission is not None and bool(request.has_permission(permission, request.context))

    return check


def _explain(request: Request) -> bool:
    return request.GET.get("explain", "").lower() in ("true", "1", "yes")


def render_settings(request: Request, scope: Any) -> dict[str, Any]:
    """The GET answer: plain values, or ``?explain=true`` details."""
    proxy = settings_for(request.dbsession, scope, request.registry)
    settings = visible_settings(request, scope)
    if _explain(request):
        return proxy.explain(can_write=can_write(request), localizer=request.localizer,
                             keys=[s.key for s in settings])
    return {s.key: s.public_value(proxy.get(s.key)) for s in settings}


def get_settings(request: Request) -> dict[str, Any]:
    return render_settings(request, _scope(request))


def _file_value(request: Request, setting: Setting, proxy: Any, value: Any) -> Any:
    if value is None:
        return None
    current = setting.public_value(proxy.get(setting.key))
    if value == current:
        return current
    try:
        return resolve_upload(request.dbsession, request.identity, value)
    except UploadError as exc:
        raise ValidationFailed({setting.key: [str(exc)]}) from None


#: Types whose text form (``"4"``, ``"true"``, ``"2030-01-01"``) PATCH accepts like DRF's fields do.
_SCALARS = (int, float, Decimal, bool, date, datetime, time)


def _coerce(setting: Setting, value: Any) -> Any:
    """Text for a typed setting (``"4"`` for an int) is read like the ini file reads it, as DRF fields do."""
    if isinstance(value, str) and setting.type in _SCALARS:
        try:
            return setting.codec.parse_text(value)
        except ValueError:
            return value
    return value


def patch_settings(request: Request) -> dict[str, Any]:
    data = read_json(request)
    if not isinstance(data, dict):
        raise ValidationFailed({"non_field_errors": [
            f"Invalid data. Expected a dictionary, but got {type(data).__name__}."]})
    scope = _scope(request)
    proxy = settings_for(request.dbsession, scope, request.registry)
    known = {s.key: s for s in writable_settings(proxy)}
    active = active_plugins(request.dbsession, scope, request.registry)
    allowed = can_write(request)
    values: dict[str, Any] = {}
    for key, value in data.items():
        setting = known.get(key)
        if setting is None or (setting.owner != "core" and setting.owner not in active):
            continue
        if not allowed(setting.write_permission):
            raise PermissionDenied(f'You do not have permission to change the setting "{key}".')
        if isinstance(setting.codec, FileCodec):
            value = _file_value(request, setting, proxy, value)
            if isinstance(value, str):
                continue
        values[key] = value if isinstance(value, FileUpload) else _coerce(setting, value)
    try:
        update_settings(request.dbsession, scope, values, actor=request.identity, registry=request.registry)
    except SettingsValidationError as exc:
        raise ValidationFailed({key: [problem] for key, problem in sorted(exc.errors.items())}) from None
    return render_settings(request, scope)


def includeme(config: Configurator) -> None:
    tags = ("settings",)
    config.add_api_view(get_settings, path=ORGANIZER_SETTINGS, permission=ORGANIZER_PERMISSION,
                        summary="The organizer's settings (?explain=true for labels and permissions)", tags=tags)
    config.add_api_view(patch_settings, path=ORGANIZER_SETTINGS, method="PATCH", permission=ORGANIZER_PERMISSION,
                        summary="Change organizer settings", tags=tags)
    config.add_api_view(get_settings, path=EVENT_SETTINGS, permission=EVENT_PERMISSION,
                        summary="The event's settings (?explain=true for labels and permissions)", tags=tags)
    config.add_api_view(patch_settings, path=EVENT_SETTINGS, method="PATCH", permission=EVENT_PERMISSION,
                        summary="Change event settings", tags=tags)
