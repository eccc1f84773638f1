"""The README's claims that can drift from the code: its first commands and its configuration table."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

from core.cli import build_parser
from core.configuration import OPTIONS

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text()


def _table_rows() -> dict[str, tuple[str, str]]:
    rows = {}
    for match in re.finditer(r"^\| `(ticketry\.[a-z_.]+)` \| `([A-Z_]+)` \| ([^|]*) \|", README, re.MULTILINE):
        rows[match.group(1)] = (match.group(2), match.group(3).strip())
    return rows


def test_readme_starts_with_the_run_and_test_commands() -> None:
    commands = re.search(r"```sh\n(.*?)```", README, re.DOTALL)
    assert commands is not None and README.index("```sh") < README.index("\n## ")
    lines = [line.split("#")[0].strip() for line in commands.group(1).splitlines()]
    assert lines == ["make run", "make test"]
    makefile = (ROOT / "Makefile").read_text()
    assert re.search(r"^run: ", makefile, re.MULTILINE) and re.search(r"^test: ", makefile, re.MULTILINE)


def test_configuration_table_lists_every_setting_with_its_environment_variable() -> None:
    rows = _table_rows()
    assert sorted(rows) == sorted(option.key for option in OPTIONS)
    for option in OPTIONS:
        env, default = rows[option.key]
        assert env == option.env
        text = " ".join(option.default) if isinstance(option.default, tuple) else str(option.default)
        assert default == (f"`{text}`" if text else ""), option.key


def _commands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def test_command_list_matches_the_cli() -> None:
    sentence = README[README.index("lists the operator commands:"):]
    sentence = sentence[: sentence.index(".\n")]
    listed = {}
    for item in re.findall(r"`([a-z][a-z |-]*)`", sentence):
        name, _, subcommands = item.partition(" ")
        listed[name] = set(subcommands.split("|")) if subcommands else set()
    commands = _commands(build_parser())
    assert listed == {name: set(_commands(sub)) for name, sub in commands.items()}
