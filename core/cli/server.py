"""``ticketry init|serve|worker``: set up an installation, serve the web app, run the task consumer."""

from __future__ import annotations

import argparse
import secrets
import sys
from pathlib import Path
from typing import Any

from plaster import get_settings
from pyramid.paster import get_app, setup_logging

from core.cli.base import application, config_path, read_settings
from core.db import migrate

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000

#: The ini file ``ticketry init`` writes when the given one does not exist yet.
NEW_INI = """\
# Written by `ticketry init`. Every ticketry.* key can be overridden by its TICKETRY_* environment variable.

[app:main]
use = egg:ticketry
ticketry.secret_key = {secret}
ticketry.database_url = sqlite:///%(here)s/var/ticketry.sqlite
ticketry.var_dir = %(here)s/var
ticketry.site_url = http://{host}:{port}
ticketry.mail.backend = file

[server:main]
use = egg:waitress#main
listen = {host}:{port}

[loggers]
keys = root, ticketry

[handlers]
keys = console

[formatters]
keys = generic

[logger_root]
level = INFO
handlers = console

[logger_ticketry]
level = INFO
handlers =
qualname = ticketry

[handler_console]
class = StreamHandler
args = (sys.stderr,)
level = NOTSET
formatter = generic

[formatter_generic]
format = %(asctime)s %(levelname)-5.5s [%(name)s] %(message)s
"""


def init(args: argparse.Namespace) -> int:
    """Write the ini file if it does not exist, create ``var_dir`` and migrate the database."""
    path = config_path(args)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(NEW_INI.format(secret=secrets.token_urlsafe(48), host=DEFAULT_HOST, port=DEFAULT_PORT))
        print(f"wrote {path} with a new secret key")
    else:
        print(f"using {path}")
    with application(args) as registry:
        var_dir = Path(registry.settings["ticketry.var_dir"])
        var_dir.mkdir(parents=True, exist_ok=True)
        print(f"data folder {var_dir}")
        for step in migrate.upgrade_all(registry.db_engine, registry):
            print(f"migrated {step.lineage}: {', '.join(step.after) or '<base>'}")
    print(f"ready: `ticketry -c {path.name} demo` loads demo data, `ticketry -c {path.name} serve` starts the server")
    return 0


def _server_options(path: Path, args: argparse.Namespace) -> dict[str, Any]:
    """waitress options: ``[server:main]`` of the ini (without ``use``), overridden by --host/--port."""
    options = {k: v for k, v in get_settings(str(path), "server:main").items() if k != "use"}
    if args.host or args.port or "listen" not in options:
        options.pop("listen", None)
        options["host"] = args.host or options.get("host", DEFAULT_HOST)
        options["port"] = args.port or options.get("port", DEFAULT_PORT)
    return options


def serve(args: argparse.Namespace) -> int:
    import waitress

    path = config_path(args)
    read_settings(path)
    setup_logging(str(path))
    app = get_app(str(path), "main")
    try:
        pending = migrate.pending_all(app.registry.db_engine, app.registry)
        if pending:
            names = ", ".join(sorted(pending))
            print(f"warning: migrations pending for {names}; run `ticketry db upgrade`", file=sys.stderr)
        waitress.serve(app, **_server_options(path, args))
    finally:
        app.registry.db_engine.dispose()
    return 0


def worker(args: argparse.Namespace) -> int:
    from core.tasks import run_consumer

    path = config_path(args)
    read_settings(path)
    setup_logging(str(path))
    with application(args) as registry:
        run_consumer(registry, workers=args.workers)
    return 0


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "init", help="write the ini file if missing, create the data folder and migrate the database"
    )
    parser.set_defaults(func=init)

    parser = subparsers.add_parser("serve", help="serve the web application with waitress")
    parser.add_argument("--host", help=f"interface to listen on (default: the ini's [server:main] or {DEFAULT_HOST})")
    parser.add_argument("--port", type=int, help=f"port (default: the ini's [server:main] or {DEFAULT_PORT})")
    parser.set_defaults(func=serve)

    parser = subparsers.add_parser("worker", help="run the background task consumer (huey)")
    parser.add_argument("-w", "--workers", type=int, default=2, help="number of worker threads (default 2)")
    parser.set_defaults(func=worker)
