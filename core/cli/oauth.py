"""``ticketry oauth create-app``: register an OAuth application and print its client id and secret once."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from sqlalchemy import select

from core.cli.base import CLIError, application, bad_input
from core.db import unit_of_work


def create_app(args: argparse.Namespace) -> int:
    from core.models import User
    from core.services.oauth import create_application

    with application(args) as registry, unit_of_work(registry) as session:
        owner = None
        if args.owner:
            owner = session.scalar(select(User).where(User.email == args.owner))
            if owner is None:
                raise CLIError(f"unknown user {args.owner!r}; create it first with `ticketry user create {args.owner}`")
        with bad_input():
            app, secret = create_application(session, args.name, args.redirect_uri, owner=owner)
        print(f"client_id: {app.client_id}")
        print(f"client_secret: {secret}")
    print(f"(OAuth application {args.name!r}; the client secret is shown only now)", file=sys.stderr)
    return 0


def register(subparsers: Any) -> None:
    oauth = subparsers.add_parser("oauth", help="OAuth applications").add_subparsers(
        dest="oauth_command", metavar="COMMAND", required=True
    )
    create = oauth.add_parser("create-app", help="register an OAuth application and print its credentials once")
    create.add_argument("name", help="the name users see on the consent page")
    create.add_argument("--redirect-uri", action="append", default=[], required=True, metavar="URL",
                        help="an absolute URL users are sent back to (repeatable; the first is the default)")
    create.add_argument("--owner", metavar="EMAIL", help="the user responsible for the application")
    create.set_defaults(func=create_app)
