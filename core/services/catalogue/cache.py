"""The catalogue objects every order reads, from the process cache of :mod:`core.config_cache`.

An order placed through the API reads its sales channel, its items with their variations, the quotas of its
products and the event's active discounts. They change rarely and are read by every order of a rush, so
:func:`cached_load` (and :func:`cached_objects`) keeps a detached copy of what a query loaded, under the
organizer's and event's ``cache_version``, and later requests get them with ``Session.merge(load=False)``: new
objects of their own session, as if loaded, with no statement (a merge costs a tenth of the query). A request
that did not load its event and organizer rows (no versions known), or whose transaction changed configuration,
queries as before.

Invalidation: every flush that adds, changes or deletes a sales channel, item, variation, quota or discount
(quota membership and discount limits included: they change the objects' collections), or a team or API token
(their lookup is cached the same way) bumps the version of the objects' organizers in the same transaction; so
does a bulk ``UPDATE``/``DELETE`` of those classes through the session (the scoped organizer, else every
organizer). Once that transaction commits, no process asks for the old entries again.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Sequence
from itertools import chain
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session

from core import config_cache
from core.db.tenancy import current_organizer_id
from core.models.channels import SalesChannel
from core.models.discounts import Discount
from core.models.items import Item
from core.models.organizer import Team, TeamAPIToken
from core.models.quotas import Quota
from core.models.variations import ItemVariation

#: The classes whose objects :func:`cached_objects` may hold: the catalogue, and the API tokens with their teams
#: (:mod:`core.security.identity` uses the same cache for the token of each request).
CACHED_CLASSES = (SalesChannel, Item, ItemVariation, Quota, Discount, Team, TeamAPIToken)


def cached_load(session: Session, kind: str, event_id: int | None, extra: Hashable,
                load: Callable[[], tuple[Any, Sequence[Any]]], *, cache_empty: bool = False) -> tuple[Any, list[Any]]:
    """``load()``'s ``(data, objects)``, from the process cache when the same ``kind`` and ``extra`` were loaded
    for the organizer (and event) at their current versions; see the module docstring.

    ``load`` runs in the caller's tenant scope and returns plain data nobody changes afterwards (ids, tuples,
    a dict it does not keep) and clean objects of ``session``; a result without objects is cached only with
    ``cache_empty`` (it is usually an error answer). The session is flushed first, as a query would autoflush
    it: a pending change of the catalogue bumps the versions and the cache is not used.
    """
    if session.autoflush:
        session.flush()
    base = config_cache.key(session, f"catalogue.{kind}", current_organizer_id(), event_id)
    if base is None:
        data, objects = load()
        return data, list(objects)
    key = (*base, extra)
    found = config_cache.get(key)
    if found is not None:
        data, copies = found
        return data, [session.merge(obj, load=False) for obj in copies]
    data, objects = load()
    if objects or cache_empty:
        config_cache.put(session, key, (data, config_cache.detached_copies(objects)))
    return data, list(objects)


def cached_objects(session: Session, kind: str, event_id: int | None, extra: Hashable,
                   load: Callable[[], Sequence[Any]], *, cache_empty: bool = False) -> list[Any]:
    """:func:`cached_load` of objects alone."""
    return cached_load(session, kind, event_id, extra, lambda: (None, load()), cache_empty=cache_empty)[1]


def _organizers(objects: Iterable[Any]) -> set[int | None]:
    return {obj.organizer_id for obj in objects if isinstance(obj, CACHED_CLASSES)}


@event.listens_for(Session, "after_flush")
def _bump_changed_catalogue(session: Session, _context: Any) -> None:
    changed = _organizers(chain(session.new, session.dirty, session.deleted))
    changed.discard(None)
    for organizer_id in sorted(changed):  # type: ignore[type-var]
        config_cache.bump(session, organizer_id)


@event.listens_for(Session, "do_orm_execute")
def _bump_on_bulk_change(state: ORMExecuteState) -> None:
    if not (state.is_update or state.is_delete):
        return
    if any(issubclass(mapper.class_, CACHED_CLASSES) for mapper in state.all_mappers):
        config_cache.bump(state.session, current_organizer_id())
