"""Errors of the settings store; every message names the key and what to fix."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping


class SettingsError(Exception):
    """Base class of all settings errors."""


class UnknownSetting(SettingsError, KeyError):
    """A key was read or written that no ``Setting`` declares (the store is strict)."""

    def __init__(self, key: str, known: Iterable[str]) -> None:
        self.key = key
        matches = difflib.get_close_matches(key, list(known), n=3, cutoff=0.6)
        hint = f"; did you mean {', '.join(repr(m) for m in matches)}?" if matches else ""
        self.message = (
            f"unknown setting {key!r}: declare it with core.settings.Setting (plugins: in PluginInfo.settings, "
            f"read as plugin.<name>.<key>){hint}"
        )
        super().__init__(self.message)

    def __str__(self) -> str:
        return self.message


class SettingValueError(SettingsError, ValueError):
    """A value does not fit the declared type, choices or validator of its setting."""

    def __init__(self, key: str, problem: str) -> None:
        self.key = key
        self.problem = problem
        super().__init__(f"setting {key!r}: {problem}")


class SettingScopeError(SettingsError):
    """A setting was written at a level it cannot be stored on (e.g. an organizer setting on an event)."""


class SettingsValidationError(SettingsError):
    """Several values of one update were rejected; ``errors`` maps each bad key to its problem."""

    def __init__(self, errors: Mapping[str, str]) -> None:
        self.errors = dict(errors)
        details = "; ".join(f"{key}: {problem}" for key, problem in sorted(self.errors.items()))
        super().__init__(f"settings not saved, fix these values first: {details}")
