"""``Setting``: the one declaration of a setting that the store, the API and the forms share.

A declaration names the key, the Python type, the default and the *scope* (the most specific level
the setting is stored on):

- ``Scope.EVENT``: stored per event; an organizer may store a value too, which is the default of all
  its events (like pretix, where event settings inherit from the organizer);
- ``Scope.ORGANIZER``: stored per organizer; an event reads its organizer's value and cannot override it;
- ``Scope.PLATFORM``: stored only platform-wide.

Every setting may also have a platform-wide value (the global table, or the deployment ini/env) that
overrides the declared default. Resolution is event -> organizer -> global table -> deployment
(environment variable over ini) -> declared default; lower levels only store overrides.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from core.settings.errors import SettingValueError
from core.settings.types import Codec, FileCodec, codec_for

KEY_PATTERN = re.compile(r"^(plugin\.[a-z][a-z0-9_]{1,40}\.)?[a-z][a-z0-9_]*$")
SECRET_MASK = "********"


class Scope(enum.Enum):
    """The most specific level a setting is stored on (see the module docstring)."""

    EVENT = "event"
    ORGANIZER = "organizer"
    PLATFORM = "platform"


#: ``write_permission`` value meaning "the default permission of the setting's scope".
SCOPE_DEFAULT = "<scope default>"

#: Permission needed to write a setting that keeps ``SCOPE_DEFAULT``. ``None``: staff only.
DEFAULT_WRITE_PERMISSION: dict[Scope, str | None] = {
    Scope.EVENT: "event.settings.general:write",
    Scope.ORGANIZER: "organizer.settings.general:write",
    Scope.PLATFORM: None,
}

Validator = Callable[[Any], None]


@dataclass(frozen=True)
class Setting:
    """One typed setting.

    :param key: ``[a-z][a-z0-9_]*``; plugin keys are declared short and stored as ``plugin.<name>.<key>``.
    :param type: ``str``, ``int``, ``bool``, ``Decimal``, ``float``, ``list``, ``dict``, ``date``,
        ``datetime`` (time-zone aware), ``time``, :class:`~core.i18n.I18nString` or
        :class:`~core.settings.files.File`.
    :param default: value when no level stores one; ``None`` means "not set". Required settings have none.
    :param scope: :class:`Scope` (``EVENT`` by default).
    :param secret: never shown in ``explain()`` (API, forms), reprs or audit logs.
    :param required: the plugin cannot work without a platform value (ini/env); checked at load time by
        :func:`core.settings.missing_required`.
    :param validate: ``callable(value)`` raising ``ValueError("what is wrong")`` for a bad (typed) value.
    :param write_permission: permission string needed to change it (API, control panel); defaults to
        ``event.settings.general:write`` / ``organizer.settings.general:write`` / staff only (platform);
        ``None`` means staff only.
    :param label: short human name (a translation string); ``doc``: help text.
    :param choices: allowed values, each a value or a ``(value, label)`` pair.
    :param deployment_key: core settings only: the ``ticketry.*`` deployment option giving the platform
        default (e.g. ``ticketry.timezone``). Plugin settings always use ``ticketry.plugin.<name>.<key>``.
    """

    key: str
    type: type = str
    default: Any = None
    scope: Scope = Scope.EVENT
    secret: bool = False
    required: bool = False
    validate: Validator | None = None
    write_permission: str | None = SCOPE_DEFAULT
    label: str = ""
    doc: str = ""
    choices: Sequence[Any] | None = None
    deployment_key: str | None = None
    #: Who declared it: ``"core"`` or the plugin name (set by ``config.add_setting``).
    owner: str = field(default="core", compare=False)

    def __post_init__(self) -> None:
        if not isinstance(self.key, str) or not KEY_PATTERN.match(self.key):
            raise ValueError(f"setting key {self.key!r} must match [a-z][a-z0-9_]*")
        if not isinstance(self.scope, Scope):
            raise ValueError(f"setting {self.key!r}: scope must be a core.settings.Scope, got {self.scope!r}")
        codec = codec_for(self.type)
        if self.choices is not None:
            pairs = tuple(c if isinstance(c, tuple) and len(c) == 2 else (c, str(c)) for c in self.choices)
            object.__setattr__(self, "choices", pairs)
        if self.write_permission == SCOPE_DEFAULT:
            object.__setattr__(self, "write_permission", DEFAULT_WRITE_PERMISSION[self.scope])
        if not self.label:
            object.__setattr__(self, "label", self.key.rpartition(".")[2].replace("_", " ").capitalize())
        if self.required and self.default is not None:
            raise ValueError(f"setting {self.key!r} is required, so it cannot have a default")
        if isinstance(codec, FileCodec) and self.default is not None:
            raise ValueError(f"file setting {self.key!r} cannot have a default")
        if self.default is not None:
            try:
                object.__setattr__(self, "default", self.clean(self.default))
            except SettingValueError as exc:
                raise ValueError(f"the default of setting {self.key!r} is invalid: {exc.problem}") from None

    @property
    def codec(self) -> Codec:
        return codec_for(self.type)

    @property
    def short_key(self) -> str:
        """The key without the ``plugin.<name>.`` prefix."""
        return self.key.rpartition(".")[2]

    def clean(self, value: Any) -> Any:
        """``value`` converted to the declared type and checked; raises :class:`SettingValueError`."""
        try:
            result = self.codec.clean(value)
            if self.choices is not None and result not in [choice for choice, _ in self.choices]:
                allowed = ", ".join(repr(choice) for choice, _ in self.choices)
                raise ValueError(f"{result!r} is not one of the allowed values {allowed}")
            if self.validate is not None:
                self.validate(result)
        except ValueError as exc:
            raise SettingValueError(self.key, str(exc)) from None
        return result

    def public_value(self, value: Any) -> Any:
        """``value`` as JSON for the API, audit logs and forms; secrets are masked."""
        if self.secret and value is not None:
            return SECRET_MASK
        return None if value is None else self.codec.to_json(value)

    def __repr__(self) -> str:
        return f"<Setting {self.key} {self.codec.name} {self.scope.name.lower()} owner={self.owner}>"
