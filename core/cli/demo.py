"""``ticketry demo``: load the demo organizer, event, admin user, team and an API token."""

from __future__ import annotations

import argparse
from typing import Any

from core.cli.base import application
from core.db import unit_of_work


def demo(args: argparse.Namespace) -> int:
    from core.services.demo import describe, load_demo

    with application(args) as registry:
        with unit_of_work(registry) as session:
            lines = describe(load_demo(session), registry.settings["ticketry.site_url"])
        print("demo data ready:")
        for line in lines:
            print(f"  {line}")
    return 0


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "demo", help="load demo data (organizer demo, event democon, admin@example.org/admin, a team, an API token)"
    )
    parser.set_defaults(func=demo)
