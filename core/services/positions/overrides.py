"""Per-date product overrides (``SubEventItem`` / ``SubEventItemVariation``) of positions, shared by carts and
order placement: the sales rules (``disabled``, ``available_from``/``available_until``) feed
:func:`core.services.positions.static.check_product` and the per-date ``price`` feeds the listed price.

Positions without a date cost no query; otherwise at most two (one per kind of override actually needed).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeAlias

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.models.subevent_items import SubEventItem, SubEventItemVariation
from core.services.positions.request import PositionRequest

#: ``{id(request): (SubEventItem or None, SubEventItemVariation or None)}``
Overrides: TypeAlias = dict[int, tuple[SubEventItem | None, SubEventItemVariation | None]]

NO_OVERRIDE: tuple[None, None] = (None, None)


def _load(session: Session, dated: Sequence[PositionRequest]
          ) -> tuple[dict[tuple[int, int], SubEventItem], dict[tuple[int, int], SubEventItemVariation]]:
    subevents = {r.subevent_id for r in dated}
    items = {r.item.id for r in dated}
    variations = {r.variation.id for r in dated if r.variation is not None}
    by_item = {(o.subevent_id, o.item_id): o for o in session.scalars(
        select(SubEventItem).where(SubEventItem.subevent_id.in_(subevents), SubEventItem.item_id.in_(items)))}
    by_variation: dict[tuple[int, int], SubEventItemVariation] = {}
    if variations:
        by_variation = {(o.subevent_id, o.variation_id): o for o in session.scalars(
            select(SubEventItemVariation).where(SubEventItemVariation.subevent_id.in_(subevents),
                                                SubEventItemVariation.variation_id.in_(variations)))}
    return by_item, by_variation


def overrides_for(session: Session, requests: Sequence[PositionRequest]) -> Overrides:
    """The per-date overrides of every request, keyed by ``id(request)`` (see :data:`Overrides`)."""
    dated = [r for r in requests if r.subevent is not None]
    if not dated:
        return {id(r): NO_OVERRIDE for r in requests}
    by_item, by_variation = _load(session, dated)
    out: Overrides = {}
    for r in requests:
        if r.subevent_id is None:
            out[id(r)] = NO_OVERRIDE
            continue
        out[id(r)] = (by_item.get((r.subevent_id, r.item.id)),
                      by_variation.get((r.subevent_id, r.variation.id)) if r.variation is not None else None)
    return out
