"""``ticketry db ...``: migrations of the core and of each plugin lineage."""

from __future__ import annotations

import argparse
from typing import Any

from core.cli.base import application
from core.db import migrate
from core.db.lineages import CORE, Lineage, core_lineage, loaded_lineages, plugin_lineage


def _short(revisions: tuple[str, ...]) -> str:
    return ", ".join(revisions) or "<base>"


def _lineages(registry: Any, plugin: str | None) -> list[Lineage]:
    """The lineage named by ``--plugin`` or, without it, the core and every loaded plugin."""
    if plugin is None:
        return loaded_lineages(registry)
    if plugin == CORE:
        return [core_lineage()]
    return [plugin_lineage(plugin, getattr(registry, "plugin_packages", {}).get(plugin))]


def _print_steps(steps: list[migrate.Step]) -> None:
    for step in steps:
        change = "up to date" if step.before == step.after else f"{_short(step.before)} -> {_short(step.after)}"
        print(f"{step.lineage}: {change}")


def upgrade(args: argparse.Namespace) -> int:
    with application(args) as registry:
        if args.plugin is None and args.revision == "heads":
            steps = migrate.upgrade_all(registry.db_engine, registry)
        else:
            engine = registry.db_engine
            steps = [migrate.upgrade(engine, lin, args.revision) for lin in _lineages(registry, args.plugin)]
        _print_steps(steps)
    return 0


def downgrade(args: argparse.Namespace) -> int:
    with application(args) as registry:
        (lineage,) = _lineages(registry, args.plugin or CORE)
        _print_steps([migrate.downgrade(registry.db_engine, lineage, args.revision)])
    return 0


def current(args: argparse.Namespace) -> int:
    with application(args) as registry:
        for lineage in _lineages(registry, args.plugin):
            revs = migrate.current(registry.db_engine, lineage)
            state = "head" if revs == migrate.heads(lineage) else "behind"
            print(f"{lineage.name}: {_short(revs)} ({state})")
    return 0


def history(args: argparse.Namespace) -> int:
    with application(args) as registry:
        for lineage in _lineages(registry, args.plugin):
            print(f"{lineage.name}:")
            for line in migrate.history(lineage) or ["(no revisions)"]:
                print(f"  {line}")
    return 0


def pending(args: argparse.Namespace) -> int:
    with application(args) as registry:
        for lineage in _lineages(registry, args.plugin):
            todo = migrate.pending(registry.db_engine, lineage)
            print(f"{lineage.name}: {', '.join(todo) if todo else 'nothing pending'}")
    return 0


def check(args: argparse.Namespace) -> int:
    """Exit 1 if any lineage's models differ from the database (or the database is behind)."""
    status = 0
    with application(args) as registry:
        for lineage in _lineages(registry, args.plugin):
            diffs = migrate.check(registry.db_engine, lineage)
            if diffs:
                status = 1
                print(f"{lineage.name}: the models differ from the database; create a revision:")
                for diff in diffs:
                    print(f"  {diff}")
            else:
                print(f"{lineage.name}: no difference")
    return status


def revision(args: argparse.Namespace) -> int:
    with application(args) as registry:
        (lineage,) = _lineages(registry, args.plugin or CORE)
        path = migrate.revision(registry.db_engine, lineage, args.message, autogenerate=not args.empty)
        print(f"{lineage.name}: wrote {path}")
    return 0


def register(subparsers: Any) -> None:
    db = subparsers.add_parser("db", help="database migrations of the core and the plugins")
    commands = db.add_subparsers(dest="db_command", metavar="COMMAND", required=True)

    def add(name: str, func: Any, help_text: str, plugin_help: str) -> argparse.ArgumentParser:
        parser = commands.add_parser(name, help=help_text, description=help_text)
        parser.add_argument("--plugin", metavar="NAME", help=plugin_help)
        parser.set_defaults(func=func)
        return parser

    every = "only this plugin's lineage ('core' for the core); default: the core, then every loaded plugin"
    add("upgrade", upgrade, "upgrade the core, then every loadable plugin, to their heads", every).add_argument(
        "--revision", default="heads", help="target revision (default: heads)"
    )
    add("downgrade", downgrade, "downgrade one lineage (the core unless --plugin)", "the plugin to downgrade"
        ).add_argument("revision", help="target revision: an id, -1 for one step, base to remove everything")
    add("current", current, "show the revision the database is at", every)
    add("history", history, "list the revisions, newest first", every)
    add("pending", pending, "list revisions not applied yet", every)
    add("check", check, "compare the models with the database (exit 1 on a difference)", every)
    rev = add("revision", revision, "write a new revision (autogenerated from the models)",
              "write it into this plugin's migrations/versions (default: the core)")
    rev.add_argument("-m", "--message", required=True, help="short description, used in the file name")
    rev.add_argument("--empty", action="store_true", help="write an empty revision instead of autogenerating")
