"""Small checks the directives share."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any


def accepts_kw(func: Callable[..., Any]) -> bool:
    """True if ``func`` takes ``**kw`` (handlers and renderers must, for forward compatibility)."""
    try:
        params = inspect.signature(func).parameters.values()
    except (TypeError, ValueError):
        return False
    return any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params)
