"""Sphinx directives that render Ticketry's own declarations, so the docs cannot drift from the code.

``.. ticketry-interfaces:: core.interfaces.signals`` documents every zope.interface ``I*`` interface
defined in a module: its docstring, the interfaces it extends, its attributes and its methods with
their signatures. Sphinx's autodoc does not recognise interfaces (they are ``InterfaceClass``
instances, not classes), so ``automodule`` documents the rest of such a module and this directive
the interfaces; :func:`skip_interfaces` keeps autodoc from listing them twice.

``.. ticketry-api:: core.interfaces`` documents a module, or each public submodule of a package in
its own section, with ``automodule`` plus ``ticketry-interfaces``: a module added to the package shows
up in the reference without editing the docs.

``.. ticketry-cli:: core.cli:build_parser`` documents a command line from its argparse parser (an
``ArgumentParser`` or a callable returning one): one section per command with its help and usage.

``.. ticketry-fixtures:: sdk.testing`` lists the public names of the pytest plugin (fixtures and
helpers, from its ``__all__``) with their docstrings.

``.. ticketry-settings::`` renders every deployment setting of :mod:`core.configuration` (key,
environment variable, default, meaning) as a table.
"""

from __future__ import annotations

import argparse
import importlib
import os
import pkgutil
from collections.abc import Sequence
from typing import Any

from docutils import nodes
from docutils.parsers.rst import Directive
from docutils.statemachine import StringList
from sphinx import addnodes
from sphinx.application import Sphinx
from sphinx.domains.python import PyClasslike
from sphinx.util import logging
from sphinx.util.docstrings import prepare_docstring
from sphinx.util.nodes import nested_parse_with_titles
from zope.interface import Interface
from zope.interface.interface import InterfaceClass, Method

logger = logging.getLogger(__name__)


class PyInterface(PyClasslike):
    """``.. py:interface::``: a class-like entry headed "interface", indexed and cross-referenced as a class."""

    def run(self) -> list[nodes.Node]:
        self.name = "py:class"
        return super().run()

    def get_signature_prefix(self, sig: str) -> Sequence[nodes.Node]:
        return [addnodes.desc_sig_keyword("", "interface"), addnodes.desc_sig_space()]


def _indented(text: str, indent: str) -> list[str]:
    return [f"{indent}{line}" if line else "" for line in prepare_docstring(text)]


#: Tagged values shown for an interface, with their labels (signals declare their dispatch policy this way).
TAGS: tuple[tuple[str, str], ...] = (("policy", "Dispatch policy"), ("chained", "Chained argument"))


def undocumented(iface: InterfaceClass) -> list[str]:
    """Dotted names of the interface and of its own members that have no docstring."""
    missing = [] if (iface.__doc__ or "").strip() else [iface.__identifier__]
    for name, description in iface.namesAndDescriptions(all=False):
        if not (description.getDoc() or "").strip():
            missing.append(f"{iface.__identifier__}.{name}")
    return missing


def interface_rst(iface: InterfaceClass) -> list[tuple[str, str]]:
    """``(line, source)`` pairs of reST describing one interface and its own members, in definition order.

    The source names the docstring a line comes from, so a reST error points at the right place.
    """
    here = f"docstring of {iface.__identifier__}"
    lines = [f".. py:interface:: {iface.__name__}", f"   :module: {iface.__module__}", ""]
    bases = [base for base in iface.__bases__ if base is not Interface]
    if bases:
        names = ", ".join(f":class:`{base.__module__}.{base.__name__}`" for base in bases)
        lines += [f"   Extends {names}.", ""]
    lines += _indented(iface.__doc__ or "", "   ")
    lines.append("")
    for tag, label in TAGS:
        value = iface.queryDirectTaggedValue(tag)
        if value is not None:
            lines += [f"   :{label}: ``{getattr(value, 'name', value)}``", ""]
    result = [(line, here) for line in lines]
    for name, description in iface.namesAndDescriptions(all=False):
        if isinstance(description, Method):
            member = [f"   .. py:method:: {name}{description.getSignatureString()}"]
        else:
            member = [f"   .. py:attribute:: {name}"]
        member += ["", *_indented(description.getDoc() or "", "      "), ""]
        result += [(line, f"{here}.{name}") for line in member]
    return result


def module_interfaces(module_name: str) -> list[InterfaceClass]:
    """Interfaces defined (not imported) in ``module_name``, in definition order."""
    module = importlib.import_module(module_name)
    return [
        value
        for value in vars(module).values()
        if isinstance(value, InterfaceClass) and value.__module__ == module_name
    ]


class InterfacesDirective(Directive):
    """``.. ticketry-interfaces:: dotted.module``: document the module's interfaces."""

    required_arguments = 1
    has_content = False

    def run(self) -> list[nodes.Node]:
        module_name = self.arguments[0]
        try:
            interfaces = module_interfaces(module_name)
        except ImportError as exc:
            raise self.error(f"ticketry-interfaces: cannot import {module_name!r}: {exc}") from exc
        if not interfaces:
            raise self.error(f"ticketry-interfaces: {module_name!r} defines no zope.interface interface")
        content = StringList()
        for iface in interfaces:
            for name in undocumented(iface):
                logger.warning("%s has no docstring: every extension point documents itself", name,
                               location=self.state_machine.get_source_and_line(self.lineno))
            for line, source in interface_rst(iface):
                content.append(line, source)
        container = nodes.section()
        container.document = self.state.document
        nested_parse_with_titles(self.state, content, container)
        return list(container.children)


def api_modules(name: str, exclude: Sequence[str] = ()) -> list[str]:
    """``name`` itself for a module; for a package, its public submodules (recursively), sorted."""
    module = importlib.import_module(name)
    if not hasattr(module, "__path__"):
        return [name]
    found = []
    for info in pkgutil.walk_packages(module.__path__, prefix=f"{name}."):
        parts = info.name.split(".")
        if any(part.startswith("_") for part in parts) or info.name in exclude:
            continue
        if any(info.name.startswith(f"{skipped}.") for skipped in exclude):
            continue
        found.append(info.name)
    return sorted(found)


class ApiDirective(Directive):
    """``.. ticketry-api:: dotted.name``: one section per module (see the module docstring)."""

    required_arguments = 1
    has_content = False
    option_spec = {"exclude": lambda text: (text or "").split()}

    def run(self) -> list[nodes.Node]:
        name = self.arguments[0]
        try:
            modules = api_modules(name, self.options.get("exclude", ()))
        except ImportError as exc:
            raise self.error(f"ticketry-api: cannot import {name!r}: {exc}") from exc
        source = f"<api of {name}>"
        content = StringList()
        for module_name in modules:
            title = f"``{module_name}``"
            lines = [title, "~" * len(title), "", f".. automodule:: {module_name}", ""]
            if module_interfaces(module_name):
                lines += [f".. ticketry-interfaces:: {module_name}", ""]
            for line in lines:
                content.append(line, source)
        container = nodes.section()
        container.document = self.state.document
        nested_parse_with_titles(self.state, content, container)
        return list(container.children)


def _subcommands(parser: argparse.ArgumentParser) -> list[tuple[str, str, argparse.ArgumentParser]]:
    """``(name, help, parser)`` of each subcommand of ``parser``, in the order they were added."""
    found = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            helps = {choice.dest: choice.help or "" for choice in action._choices_actions}
            found += [(name, helps.get(name, ""), sub) for name, sub in action.choices.items()]
    return found


def cli_rst(parser: argparse.ArgumentParser, path: str) -> list[str]:
    """Sections for every leaf command below ``parser``; ``path`` is the command line so far."""
    lines = []
    for name, help_text, sub in _subcommands(parser):
        command = f"{path} {name}"
        if _subcommands(sub):
            lines += cli_rst(sub, command)
            continue
        title = f"``{command}``"
        lines += [title, "~" * len(title), "", help_text[:1].upper() + help_text[1:] + ".", ""]
        lines += [".. code-block:: text", ""]
        lines += [f"   {line}".rstrip() for line in sub.format_help().splitlines()]
        lines.append("")
    return lines


class CliDirective(Directive):
    """``.. ticketry-cli:: module:attribute``: the commands of an argparse command line."""

    required_arguments = 1
    has_content = False

    def run(self) -> list[nodes.Node]:
        module_name, _, attribute = self.arguments[0].partition(":")
        try:
            target = getattr(importlib.import_module(module_name), attribute)
        except (ImportError, AttributeError) as exc:
            raise self.error(f"ticketry-cli: cannot load {self.arguments[0]!r}: {exc}") from exc
        previous = os.environ.get("COLUMNS")
        os.environ["COLUMNS"] = "96"
        try:
            parser = target if isinstance(target, argparse.ArgumentParser) else target()
            lines = [".. code-block:: text", ""]
            lines += [f"   {line}".rstrip() for line in parser.format_help().splitlines()]
            lines += ["", *cli_rst(parser, parser.prog)]
        finally:
            if previous is None:
                del os.environ["COLUMNS"]
            else:
                os.environ["COLUMNS"] = previous
        content = StringList()
        for line in lines:
            content.append(line, f"<commands of {self.arguments[0]}>")
        container = nodes.section()
        container.document = self.state.document
        nested_parse_with_titles(self.state, content, container)
        return list(container.children)


def _fixture_doc(obj: Any) -> str:
    """The docstring of a fixture (pytest wraps fixture functions) or of a plain helper."""
    wrapped = getattr(obj, "_get_wrapped_function", None)
    function = wrapped() if callable(wrapped) else obj
    return function.__doc__ or ""


class FixturesDirective(Directive):
    """``.. ticketry-fixtures:: module``: a definition list of the module's public fixtures and helpers."""

    required_arguments = 1
    has_content = False

    def run(self) -> list[nodes.Node]:
        module = importlib.import_module(self.arguments[0])
        names = sorted(name for name in getattr(module, "__all__", ()) if not name.startswith("_"))
        if not names:
            raise self.error(f"ticketry-fixtures: {self.arguments[0]!r} exports nothing in __all__")
        content = StringList()
        for name in names:
            lines = [f"``{name}``", *(_indented(_fixture_doc(getattr(module, name)), "   ") or ["   \\"]), ""]
            for line in lines:
                content.append(line, f"<fixtures of {self.arguments[0]}>")
        container = nodes.section()
        container.document = self.state.document
        nested_parse_with_titles(self.state, content, container)
        return list(container.children)


def skip_interfaces(app: Sphinx, what: str, name: str, obj: Any, skip: bool, options: Any) -> bool | None:
    """autodoc-skip-member: interfaces are documented by ``ticketry-interfaces``, never by autodoc."""
    if isinstance(obj, InterfaceClass):
        return True
    return None


def _cell(text: str, literal: bool = False) -> nodes.entry:
    entry = nodes.entry()
    para = nodes.paragraph()
    para += nodes.literal(text=text) if literal and text else nodes.Text(text)
    entry += para
    return entry


def _table(header: Sequence[str], rows: Sequence[Sequence[tuple[str, bool]]], widths: Sequence[int]) -> nodes.table:
    table = nodes.table()
    group = nodes.tgroup(cols=len(header))
    table += group
    for width in widths:
        group += nodes.colspec(colwidth=width)
    head = nodes.thead()
    row = nodes.row()
    for title in header:
        row += _cell(title)
    head += row
    group += head
    body = nodes.tbody()
    for cells in rows:
        row = nodes.row()
        for text, literal in cells:
            row += _cell(text, literal)
        body += row
    group += body
    return table


def _default_text(value: Any) -> str:
    if isinstance(value, tuple):
        return " ".join(value)
    return str(value)


class SettingsTable(Directive):
    """``.. ticketry-settings::``: every deployment setting of :data:`core.configuration.OPTIONS`."""

    has_content = False

    def run(self) -> list[nodes.Node]:
        from core.configuration import OPTIONS

        rows = [
            ((option.key, True), (option.env, True), (_default_text(option.default), True), (option.doc, False))
            for option in OPTIONS
        ]
        return [_table(("Key", "Environment variable", "Default", "Meaning"), rows, (22, 22, 18, 38))]


def setup(app: Sphinx) -> dict[str, Any]:
    app.add_directive_to_domain("py", "interface", PyInterface)
    app.add_directive("ticketry-interfaces", InterfacesDirective)
    app.add_directive("ticketry-api", ApiDirective)
    app.add_directive("ticketry-cli", CliDirective)
    app.add_directive("ticketry-fixtures", FixturesDirective)
    app.add_directive("ticketry-settings", SettingsTable)
    app.connect("autodoc-skip-member", skip_interfaces)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
