"""The ``ticketry`` command: ``main(argv)`` parses the arguments and runs one subcommand.

Exit status: 0 on success, 1 when a command fails for an expected reason (bad configuration,
unknown organizer, pending migrations, ...; one line on stderr, no traceback), 2 for bad usage.
"""

from __future__ import annotations

import argparse
import sys
import warnings
from collections.abc import Sequence

# Pyramid imports pkg_resources, whose deprecation warning means nothing to an operator.
warnings.filterwarnings("ignore", message="pkg_resources is deprecated", category=UserWarning)

from core.cli import admin, check, db, demo, oauth, plugins, server  # noqa: E402
from core.cli.base import CONFIG_ENV, DEFAULT_CONFIG, describe_error, expected_errors  # noqa: E402

COMMAND_MODULES = (server, db, plugins, admin, demo, check, oauth)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ticketry", description="Run and manage a Ticketry installation."
    )
    parser.add_argument(
        "-c", "--config", metavar="INI",
        help=f"the ini file (default: ${CONFIG_ENV}, else {DEFAULT_CONFIG} in the current folder)",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module in COMMAND_MODULES:
        module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``ticketry`` with ``argv`` (default: the process arguments) and return the exit status."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else 2
    try:
        return args.func(args)
    except expected_errors() as exc:
        print(f"ticketry {args.command}: error: {describe_error(exc)}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
