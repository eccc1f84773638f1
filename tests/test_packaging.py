"""The distribution is installed the way the README and plugin authors rely on."""

from __future__ import annotations

from importlib.metadata import distribution, entry_points
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_console_script_points_at_the_cli() -> None:
    (script,) = entry_points(group="console_scripts", name="ticketry")
    assert script.value == "core.cli:main"
    assert callable(script.load())


def test_pytest_plugin_is_registered() -> None:
    (plugin,) = entry_points(group="pytest11", name="ticketry")
    assert plugin.value == "sdk.testing"
    assert plugin.dist is not None and plugin.dist.name == "ticketry"


def test_paste_app_factory_is_the_core_app() -> None:
    (factory,) = entry_points(group="paste.app_factory", name="main")
    assert factory.value == "core.app:main"


def test_license_is_apache_2() -> None:
    assert (ROOT / "LICENSE").read_text().lstrip().startswith("Apache License")
    assert "Version 2.0, January 2004" in (ROOT / "LICENSE").read_text()
    metadata = distribution("ticketry").metadata
    assert (metadata["License-Expression"] or metadata["License"]) == "Apache-2.0"


def test_python_requirement_is_3_11_or_newer() -> None:
    assert distribution("ticketry").metadata["Requires-Python"] == ">=3.11"
