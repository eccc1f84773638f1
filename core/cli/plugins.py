"""``ticketry plugins ...``: list, enable, disable, purge and describe the settings of plugins."""

from __future__ import annotations

import argparse
from typing import Any

from core.cli.base import CLIError, application, find_event, find_organizer, print_table
from core.db import migrate, scope, unit_of_work
from core.db.lineages import installed_plugins


def list_plugins(args: argparse.Namespace) -> int:
    with application(args) as registry:
        rows = []
        awaiting = registry.plugins_awaiting_migrations
        for state in registry.plugin_states:
            info = state.info
            level = info.level.value if info is not None else ""
            version = info.version if info is not None else ""
            status, reason = state.status.value, state.reason.splitlines()[0] if state.reason else ""
            if state.name in awaiting:
                status, reason = "inactive", f"{len(awaiting[state.name])} migration(s) pending: ticketry db upgrade"
            rows.append((state.name, version, level, status, reason))
        if not rows:
            print("no plugins installed")
            return 0
        print_table(rows, ("NAME", "VERSION", "LEVEL", "STATUS", "REASON"))
        if args.verbose:
            for state in registry.plugin_states:
                if state.traceback:
                    print(f"\n{state.name}: {state.reason}\n{state.traceback.rstrip()}")
    return 0


def _switch(args: argparse.Namespace, enable: bool) -> int:
    from core.pluginhost.activation import disable_plugin, enable_plugin

    with application(args) as registry:
        with unit_of_work(registry) as session:
            organizer = find_organizer(session, args.organizer)
            with scope(organizer.id):
                target = find_event(session, organizer, args.event) if args.event else organizer
                changed = (enable_plugin if enable else disable_plugin)(session, target, args.name)
                where = f"event {organizer.slug}/{target.slug}" if args.event else f"organizer {organizer.slug}"
    state = "enabled" if enable else "disabled"
    print(f"plugin {args.name} {state} on {where}" if changed else f"plugin {args.name} was already {state} on {where}")
    return 0


def enable(args: argparse.Namespace) -> int:
    return _switch(args, enable=True)


def disable(args: argparse.Namespace) -> int:
    return _switch(args, enable=False)


def purge(args: argparse.Namespace) -> int:
    if not args.yes:
        raise CLIError(
            f"purging deletes every table, row and setting of plugin {args.name!r} and cannot be undone; "
            f"repeat with --yes to confirm"
        )
    with application(args) as registry:
        step = migrate.purge_plugin(registry.db_engine, args.name)
    print(f"plugin {args.name} purged: migrations {', '.join(step.before) or '<base>'} -> <base>, "
          f"version table, activations and settings removed")
    return 0


def _ini_value(setting: Any) -> str:
    if setting.default is None:
        return ""
    return setting.codec.dump(setting.default)


def config_block(args: argparse.Namespace) -> int:
    from core.settings.registry import deployment_names

    with application(args) as registry:
        if args.name not in installed_plugins():
            known = ", ".join(installed_plugins()) or "none"
            raise CLIError(f"unknown plugin {args.name!r}; installed plugins: {known}")
        settings = registry.settings_schema.of_plugin(args.name)
        if not settings:
            print(f"# plugin {args.name} declares no settings")
            return 0
        print(f"# Settings of plugin {args.name}; put them in [app:main] (or the environment variable shown).")
        for setting in settings:
            ini, env = deployment_names(setting)
            notes = [setting.codec.name, f"scope {setting.scope.value}"]
            notes += ["required"] if setting.required else []
            notes += ["secret"] if setting.secret else []
            print(f"\n# {setting.label}" + (f": {setting.doc}" if setting.doc else ""))
            print(f"# ({', '.join(notes)}; env {env})")
            print(f"{'' if setting.required else '# '}{ini} = {_ini_value(setting)}")
    return 0


def register(subparsers: Any) -> None:
    plugins = subparsers.add_parser("plugins", help="installed plugins and their activation")
    commands = plugins.add_subparsers(dest="plugins_command", metavar="COMMAND", required=True)

    listing = commands.add_parser("list", help="installed plugins with version, level, status and reason")
    listing.add_argument("--verbose", "-v", action="store_true", help="print the traceback of broken plugins")
    listing.set_defaults(func=list_plugins)

    for name, func, help_text in (("enable", enable, "enable a plugin on an organizer or event"),
                                  ("disable", disable, "disable a plugin on an organizer or event")):
        parser = commands.add_parser(name, help=help_text, description=help_text)
        parser.add_argument("name", help="plugin name")
        parser.add_argument("--organizer", required=True, metavar="SLUG", help="organizer slug")
        parser.add_argument("--event", metavar="SLUG", help="event slug (event-level plugins)")
        parser.set_defaults(func=func)

    purging = commands.add_parser(
        "purge", help="downgrade a plugin to base and delete its version table, activations and settings"
    )
    purging.add_argument("name", help="plugin name")
    purging.add_argument("--yes", action="store_true", help="confirm: this cannot be undone")
    purging.set_defaults(func=purge)

    config = commands.add_parser("config", help="print a commented ini block of a plugin's settings")
    config.add_argument("name", help="plugin name")
    config.set_defaults(func=config_block)
