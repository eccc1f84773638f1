"""What every ``ticketry`` subcommand shares: finding the ini file, building the app, reporting errors."""

from __future__ import annotations

import configparser
import os
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from pyramid.paster import get_appsettings
from pyramid.registry import Registry
from pyramid.threadlocal import manager
from sqlalchemy import select
from sqlalchemy.orm import Session

DEFAULT_CONFIG = "development.ini"
CONFIG_ENV = "TICKETRY_CONFIG"


class CLIError(Exception):
    """An expected failure of a command; ``main`` prints the message and exits with status 1."""


def config_path(args: Any) -> Path:
    """The ini file: ``--config``, else ``$TICKETRY_CONFIG``, else ``development.ini`` in the current folder."""
    return Path(args.config or os.environ.get(CONFIG_ENV) or DEFAULT_CONFIG).resolve()


def read_settings(path: Path) -> dict[str, Any]:
    """The ``[app:main]`` settings of ``path``; :class:`CLIError` if the file or the section is missing."""
    if not path.is_file():
        raise CLIError(
            f"config file {str(path)!r} not found: pass --config/-c PATH or set {CONFIG_ENV}, "
            f"or create one with `ticketry -c {path.name} init`"
        )
    try:
        return dict(get_appsettings(str(path), "main"))
    except LookupError as exc:
        raise CLIError(f"config file {str(path)!r} has no usable [app:main] section: {exc}") from None
    except configparser.Error as exc:
        raise CLIError(f"config file {str(path)!r} is not a valid ini file: {exc}") from None


@contextmanager
def application(args: Any) -> Iterator[Registry]:
    """Build the app from the ini file and make its registry current for the duration of the command."""
    from core.app import make_config

    path = config_path(args)
    config = make_config(read_settings(path), here=str(path.parent))
    registry = config.registry
    manager.push({"registry": registry, "request": None})
    try:
        yield registry
    finally:
        manager.pop()
        registry.db_engine.dispose()


@contextmanager
def bad_input() -> Iterator[None]:
    """Turn a service's ``ValueError`` (bad e-mail, empty name, ...) into a :class:`CLIError`."""
    try:
        yield
    except ValueError as exc:
        raise CLIError(str(exc)) from None


def expected_errors() -> tuple[type[BaseException], ...]:
    """Errors that mean bad input or a bad environment: reported as one line, without a traceback."""
    from sqlalchemy.exc import DBAPIError

    from core.configuration import ConfigurationError
    from core.db.lineages import MigrationError
    from core.pluginhost.activation import ActivationError
    from core.pluginhost.state import PluginLoadError
    from core.security.permissions import InvalidPermissions, UnknownPermission
    from core.services.slugs import ValidationError
    from core.settings.errors import SettingsError

    return (
        CLIError, ConfigurationError, MigrationError, PluginLoadError, ActivationError, ValidationError, SettingsError,
        UnknownPermission, InvalidPermissions, DBAPIError,
    )


def describe_error(exc: BaseException) -> str:
    """One line for ``exc``; database errors get a hint about migrations."""
    from sqlalchemy.exc import DBAPIError

    if isinstance(exc, DBAPIError):
        return (
            f"database error: {exc.orig}; is the database reachable and migrated (`ticketry db upgrade`)?"
        )
    if isinstance(exc, KeyError) and exc.args:
        return str(exc.args[0])
    return str(exc)


def print_table(rows: Sequence[Sequence[str]], headers: Sequence[str], out: Any = None) -> None:
    """Print ``rows`` as left-aligned columns under ``headers``."""
    out = out or sys.stdout
    widths = [max(len(str(cell)) for cell in column) for column in zip(headers, *rows, strict=False)]
    for row in (headers, *rows):
        print("  ".join(str(cell).ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip(), file=out)


def find_organizer(session: Session, slug: str) -> Any:
    """The organizer ``slug``; :class:`CLIError` listing the known slugs otherwise."""
    from core.models import Organizer

    organizer = session.scalar(select(Organizer).where(Organizer.slug == slug))
    if organizer is None:
        known = ", ".join(session.scalars(select(Organizer.slug).order_by(Organizer.slug))) or "none yet"
        raise CLIError(f"unknown organizer {slug!r}; organizers: {known}")
    return organizer


def find_event(session: Session, organizer: Any, slug: str) -> Any:
    """The event ``slug`` of ``organizer`` (call inside its tenant scope); :class:`CLIError` otherwise."""
    from core.models import Event

    event = session.scalar(select(Event).where(Event.organizer_id == organizer.id, Event.slug == slug))
    if event is None:
        known = ", ".join(session.scalars(select(Event.slug).order_by(Event.slug))) or "none yet"
        raise CLIError(f"unknown event {slug!r} of organizer {organizer.slug!r}; events: {known}")
    return event
