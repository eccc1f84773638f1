"""Sphinx configuration of the Ticketry documentation (``make docs`` builds it with warnings as errors)."""

from __future__ import annotations

import sys
import warnings
from importlib.metadata import version as dist_version
from pathlib import Path

# Pyramid still imports pkg_resources; the warning says nothing about the docs.
warnings.filterwarnings("ignore", message="pkg_resources is deprecated", category=UserWarning)

DOCS = Path(__file__).resolve().parent
sys.path.insert(0, str(DOCS / "_ext"))
sys.path.insert(0, str(DOCS.parent))

project = "Ticketry"
author = "The Ticketry developers"
copyright = "the Ticketry developers, Apache-2.0"
release = dist_version("ticketry")
version = ".".join(release.split(".")[:2])

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.viewcode",
    "ticketry_docs",
]

exclude_patterns = ["_build"]
templates_path: list[str] = []
html_static_path: list[str] = []
html_theme = "alabaster"
html_title = f"Ticketry {release}"

nitpicky = False
# Option names such as --plugin stay as typed.
smartquotes = False
autodoc_member_order = "bysource"
autodoc_typehints = "description"
autodoc_default_options = {"members": True, "show-inheritance": True}
autoclass_content = "class"
# Overrides without a docstring of their own (SQLAlchemy type hooks, ...) stay out of the reference.
autodoc_inherit_docstrings = False
