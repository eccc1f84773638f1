"""``ticketry check``: a self-check of configuration, database, migrations, plugins and required settings."""

from __future__ import annotations

import argparse
from typing import Any

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from core.cli.base import application
from core.db import migrate


def _database(registry: Any) -> list[str]:
    try:
        with registry.db_engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except DBAPIError as exc:
        return [f"database {registry.db_engine.url.render_as_string()} is not reachable: {exc.orig}"]
    return []


def _migrations(registry: Any) -> list[str]:
    return [
        f"{lineage}: {len(revs)} migration(s) pending ({', '.join(revs)}); run `ticketry db upgrade`"
        for lineage, revs in migrate.pending_all(registry.db_engine, registry).items()
    ]


def _plugins(registry: Any) -> list[str]:
    return [
        f"plugin {state.name} is {state.status.value}: {state.reason}"
        for state in registry.plugin_states
        if state.status.value in ("broken", "incompatible")
    ]


def _settings(registry: Any) -> list[str]:
    from core.settings.registry import missing_required

    schema = registry.settings_schema
    return missing_required(schema, registry.settings) + schema.unknown_deployment_keys()


def check(args: argparse.Namespace) -> int:
    """Print one line per check and a summary; exit status 1 if anything is wrong."""
    problems: list[str] = []
    with application(args) as registry:
        print("configuration: ok")
        for name, probe in (("database", _database), ("migrations", _migrations), ("plugins", _plugins),
                            ("settings", _settings)):
            found = probe(registry)
            print(f"{name}: {'ok' if not found else f'{len(found)} problem(s)'}")
            for line in found:
                print(f"  - {line}")
            problems += found
            if name == "database" and found:
                break
    if problems:
        print(f"check failed: {len(problems)} problem(s)")
        return 1
    print("check passed")
    return 0


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("check", help="check configuration, database, migrations, plugins and settings")
    parser.set_defaults(func=check)
