"""``ticketry user|organizer|team|token create``: the first accounts of an installation."""

from __future__ import annotations

import argparse
import getpass
import sys
from typing import Any

from sqlalchemy import select

from core.cli.base import CLIError, application, bad_input, find_organizer
from core.db import scope, unit_of_work


def _password(args: argparse.Namespace) -> str | None:
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    elif args.password is not None:
        password = args.password
    elif args.prompt:
        password = getpass.getpass("Password: ")
        if getpass.getpass("Repeat: ") != password:
            raise CLIError("the passwords differ")
    else:
        return None
    if not password:
        raise CLIError("the password must not be empty")
    return password


def create_user(args: argparse.Namespace) -> int:
    from core.services.users import create_user as create

    password = _password(args)
    with application(args) as registry, unit_of_work(registry) as session, bad_input():
        user = create(session, args.email, password=password, fullname=args.name, is_staff=args.staff)
        print(f"user {user.email} created{' (staff)' if user.is_staff else ''}"
              f"{'' if password else '; it has no password yet and cannot log in'}")
    return 0


def create_organizer(args: argparse.Namespace) -> int:
    from core.services.organizers import create_organizer as create

    with application(args) as registry, unit_of_work(registry) as session:
        organizer = create(session, args.slug, args.name)
        print(f"organizer {organizer.slug} created")
    return 0


def _members(session: Any, emails: list[str]) -> list[Any]:
    from core.models import User

    users = []
    for email in emails:
        user = session.scalar(select(User).where(User.email == email))
        if user is None:
            raise CLIError(f"unknown user {email!r}; create it first with `ticketry user create {email}`")
        users.append(user)
    return users


def create_team(args: argparse.Namespace) -> int:
    from core.services.teams import create_team as create

    with application(args) as registry, unit_of_work(registry) as session:
        organizer = find_organizer(session, args.organizer)
        members = _members(session, args.member)
        with scope(organizer.id), bad_input():
            team = create(
                session, organizer, args.name, permissions=args.permission, all_events=args.all_events,
                all_event_permissions=args.all_event_permissions,
                all_organizer_permissions=args.all_organizer_permissions, members=members,
            )
            print(f"team {team.name!r} created in organizer {organizer.slug} with {len(members)} member(s)")
    return 0


def create_token(args: argparse.Namespace) -> int:
    from core.models import Team
    from core.services.teams import create_token as create

    with application(args) as registry, unit_of_work(registry) as session:
        organizer = find_organizer(session, args.organizer)
        with scope(organizer.id):
            team = session.scalar(select(Team).where(Team.organizer_id == organizer.id, Team.name == args.team))
            if team is None:
                known = ", ".join(repr(n) for n in session.scalars(select(Team.name).order_by(Team.name))) or "none"
                raise CLIError(f"unknown team {args.team!r} in organizer {organizer.slug!r}; teams: {known}")
            with bad_input():
                _token, plaintext = create(session, team, args.token_name)
    print(plaintext)
    print(f"(API token {args.token_name!r} of team {args.team!r}; it is shown only now)", file=sys.stderr)
    return 0


def register(subparsers: Any) -> None:
    user = subparsers.add_parser("user", help="platform users").add_subparsers(
        dest="user_command", metavar="COMMAND", required=True
    )
    create = user.add_parser("create", help="create a user")
    create.add_argument("email")
    create.add_argument("--name", default=None, help="full name")
    pw = create.add_mutually_exclusive_group()
    pw.add_argument("--password", help="the password (visible in the process list; prefer --password-stdin)")
    pw.add_argument("--password-stdin", action="store_true", help="read the password from the first line of stdin")
    pw.add_argument("--prompt", action="store_true", help="ask for the password on the terminal")
    create.add_argument("--staff", action="store_true", help="may enter admin mode (all permissions, audited)")
    create.set_defaults(func=create_user)

    organizer = subparsers.add_parser("organizer", help="organizers").add_subparsers(
        dest="organizer_command", metavar="COMMAND", required=True
    )
    create = organizer.add_parser("create", help="create an organizer (enables the default organizer plugins)")
    create.add_argument("slug", help="URL name: 2+ letters, digits, '.' or '-'; cannot change later")
    create.add_argument("name", help="display name")
    create.set_defaults(func=create_organizer)

    team = subparsers.add_parser("team", help="teams of an organizer").add_subparsers(
        dest="team_command", metavar="COMMAND", required=True
    )
    create = team.add_parser("create", help="create a team")
    create.add_argument("name", help="team name")
    create.add_argument("--organizer", required=True, metavar="SLUG")
    create.add_argument("--permission", action="append", default=[], metavar="P",
                        help="a permission such as event.orders:read (repeatable)")
    create.add_argument("--all-events", action="store_true", help="the team sees every event")
    create.add_argument("--all-event-permissions", action="store_true", help="every event permission")
    create.add_argument("--all-organizer-permissions", action="store_true", help="every organizer permission")
    create.add_argument("--member", action="append", default=[], metavar="EMAIL", help="add a user (repeatable)")
    create.set_defaults(func=create_team)

    token = subparsers.add_parser("token", help="team API tokens").add_subparsers(
        dest="token_command", metavar="COMMAND", required=True
    )
    create = token.add_parser("create", help="create an API token and print it once")
    create.add_argument("token_name", metavar="TOKENNAME")
    create.add_argument("--organizer", required=True, metavar="SLUG")
    create.add_argument("--team", required=True, metavar="NAME")
    create.set_defaults(func=create_token)
