"""Availability of products: the worst of their quotas, bundled products counted with multiplicity."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from sqlalchemy import cast, select, union_all
from sqlalchemy.orm import Session

from core.models.addons import ItemBundle
from core.models.items import Item
from core.models.quotas import Quota, quota_items, quota_variations
from core.models.variations import ItemVariation
from core.services.catalogue.cache import cached_load
from core.services.quotas.availability import AVAILABILITY_GONE, AVAILABILITY_OK, Result, availability

ProductKey = tuple[int, int | None]

_QUOTA = Quota.__table__
_QI = quota_items
_QV = quota_variations


def product_key(product: Item | ItemVariation | tuple[Any, Any]) -> ProductKey:
    """``(item id, variation id or None)`` of an item, a variation or an ``(item, variation)`` pair."""
    if isinstance(product, tuple):
        item, variation = product
        item_id = item if isinstance(item, int) else item.id
        variation_id = variation if variation is None or isinstance(variation, int) else variation.id
        return item_id, variation_id
    if isinstance(product, ItemVariation):
        return product.item_id, product.id
    return product.id, None


def product_quotas(
    session: Session, event_id: int, keys: Iterable[ProductKey], subevent_id: int | None = None
) -> tuple[dict[ProductKey, list[int]], dict[int, Quota]]:
    """The quotas of each product on one date, in one query: ``({key: [quota ids]}, {quota id: Quota})``.

    A variation counts through ``quota_variation``, an item without variation (``(item id, None)``) through
    ``quota_item``; only quotas of ``event_id`` and of the date ``subevent_id`` are returned. Served from the
    process cache when possible (:mod:`core.services.catalogue.cache`).
    """
    keys = frozenset(keys)
    data, loaded = cached_load(session, "quotas", event_id, (keys, subevent_id),
                               lambda: _load_product_quotas(session, event_id, keys, subevent_id))
    quotas = {quota.id: quota for quota in loaded}
    return {key: list(ids) for key, ids in data.items()}, quotas


def _load_product_quotas(session: Session, event_id: int, keys: frozenset[ProductKey], subevent_id: int | None
                         ) -> tuple[dict[ProductKey, tuple[int, ...]], list[Quota]]:
    item_ids = {item_id for item_id, variation_id in keys if variation_id is None}
    variation_ids = {variation_id for _, variation_id in keys if variation_id is not None}
    parts = []
    if item_ids:
        parts.append(select(_QI.c.quota_id, _QI.c.item_id.label("item_id"), _no_variation())
                     .where(_QI.c.item_id.in_(item_ids)))
    if variation_ids:
        variation = ItemVariation.__table__
        parts.append(select(_QV.c.quota_id, variation.c.item_id, _QV.c.variation_id)
                     .join(variation, variation.c.id == _QV.c.variation_id)
                     .where(_QV.c.variation_id.in_(variation_ids)))
    mapping: dict[ProductKey, list[int]] = {key: [] for key in keys}
    if not parts:
        return {key: () for key in keys}, []
    links = (union_all(*parts) if len(parts) > 1 else parts[0]).subquery("links")
    quotas: dict[int, Quota] = {}
    rows = session.execute(
        select(Quota, links.c.item_id, links.c.variation_id).join(links, links.c.quota_id == Quota.id)
        .where(Quota.event_id == event_id, Quota.subevent_id.is_not_distinct_from(subevent_id))
        .order_by(Quota.id)
    )
    for quota, item_id, variation_id in rows:
        key = (item_id, variation_id)
        if key in mapping:
            mapping[key].append(quota.id)
            quotas[quota.id] = quota
    return {key: tuple(ids) for key, ids in mapping.items()}, list(quotas.values())


def _no_variation() -> Any:
    """A typed NULL column for the item branch of :func:`product_quotas` (no variation)."""
    return cast(None, _QV.c.variation_id.type).label("variation_id")


def _worst(pairs: Iterable[tuple[Result, int]]) -> Result:
    state, number = AVAILABILITY_OK, None
    for (quota_state, quota_number), multiplicity in pairs:
        state = min(state, quota_state)
        if quota_number is not None:
            share = quota_number // multiplicity
            number = share if number is None else min(number, share)
    return (state, 0) if state != AVAILABILITY_OK else (state, number)


def item_availability(
    session: Session,
    event: Any,
    products: Iterable[Item | ItemVariation | tuple[Any, Any]],
    *,
    subevent: Any = None,
    count_waitinglist: bool = True,
    ignore_cart_id: str | None = None,
    now: dt.datetime | None = None,
) -> dict[ProductKey, Result]:
    """``{(item id, variation id): (state, number)}``: the worst of each product's quotas on ``subevent``.

    The quotas of bundled products count with multiplicity (a ticket bundling 2 drinks needs 2 drink units per
    ticket, so the drinks quota's number is halved). A product without any quota, or bundling a product without
    one, is not for sale: ``(GONE, 0)``. A constant number of queries for any number of products.
    """
    keys = [product_key(product) for product in products]
    base_items = {item_id for item_id, _ in keys}
    bundles = list(session.scalars(select(ItemBundle).where(ItemBundle.base_item_id.in_(base_items)))) \
        if base_items else []
    bundled_keys = [(b.bundled_item_id, b.bundled_variation_id) for b in bundles]
    subevent_id = subevent if subevent is None or isinstance(subevent, int) else subevent.id
    mapping, quotas = product_quotas(session, event.id, [*keys, *bundled_keys], subevent_id)
    results = availability(session, quotas.values(), count_waitinglist=count_waitinglist,
                           ignore_cart_id=ignore_cart_id, now=now)
    out: dict[ProductKey, Result] = {}
    for key in keys:
        needs: dict[int, int] = {}
        missing = not mapping.get(key)
        for quota_id in mapping.get(key, []):
            needs[quota_id] = needs.get(quota_id, 0) + 1
        for bundle in (b for b in bundles if b.base_item_id == key[0]):
            bundled = mapping.get((bundle.bundled_item_id, bundle.bundled_variation_id), [])
            missing = missing or not bundled
            for quota_id in bundled:
                needs[quota_id] = needs.get(quota_id, 0) + bundle.count
        out[key] = (AVAILABILITY_GONE, 0) if missing else _worst(
            (results[quota_id], multiplicity) for quota_id, multiplicity in needs.items()
        )
    return out
