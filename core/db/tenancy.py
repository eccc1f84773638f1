"""Tenant scoping: every query of tenant data is limited to one organizer.

Use ``with scope(organizer_id):`` around work for one organizer (route factories and tasks do it
for you) and ``with scopes_disabled():`` for the rare platform-wide job (CLI, migrations,
periodic sweeps). Outside both, an ORM statement that touches a :class:`TenantMixin` table raises
:class:`TenantScopeError`, so a cross-organizer leak is a failing test rather than a bug report.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session, with_loader_criteria

from core.db.base import TenantMixin


class TenantScopeError(RuntimeError):
    """A tenant table was queried outside an organizer scope."""


@dataclass(frozen=True)
class _Scope:
    organizer_id: int | None
    disabled: bool = False


_current: ContextVar[_Scope | None] = ContextVar("ticketry_tenant_scope", default=None)


@contextmanager
def scope(organizer_id: int) -> Iterator[None]:
    """Limit every tenant query in this block to ``organizer_id``."""
    token = _current.set(_Scope(organizer_id))
    try:
        yield
    finally:
        _current.reset(token)


@contextmanager
def scopes_disabled() -> Iterator[None]:
    """Allow queries across all organizers in this block (platform jobs only)."""
    token = _current.set(_Scope(None, disabled=True))
    try:
        yield
    finally:
        _current.reset(token)


def enter(organizer_id: int) -> object:
    """Set the scope without a ``with`` block (request factories); pair with :func:`leave`."""
    return _current.set(_Scope(organizer_id))


def leave(token: object) -> None:
    _current.reset(token)  # type: ignore[arg-type]


def current_organizer_id() -> int | None:
    """The organizer of the active scope, or None (no scope or scopes disabled)."""
    current = _current.get()
    return current.organizer_id if current else None


def _touches_tenant_table(state: ORMExecuteState) -> bool:
    return any(issubclass(m.class_, TenantMixin) for m in state.all_mappers)


@event.listens_for(Session, "do_orm_execute")
def _apply_scope(state: ORMExecuteState) -> None:
    if state.is_column_load or not (state.is_select or state.is_update or state.is_delete):
        return
    current = _current.get()
    if current is None:
        if _touches_tenant_table(state):
            raise TenantScopeError(
                "query of tenant data outside an organizer scope; wrap it in core.db.tenancy.scope(organizer_id) "
                "or, for platform-wide jobs, scopes_disabled()"
            )
        return
    if current.disabled:
        return
    # The criteria only apply to tenant entities, so they are added without first finding the statement's
    # mappers (as costly as a small query's compilation).
    state.statement = state.statement.options(_criteria(current.organizer_id))


@lru_cache(maxsize=4096)
def _criteria(organizer_id: int) -> Any:
    """The loader criteria of one organizer, built once (building it is a good part of a small query's cost)."""
    return with_loader_criteria(TenantMixin, lambda cls: cls.organizer_id == organizer_id, include_aliases=True)
