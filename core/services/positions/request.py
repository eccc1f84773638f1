"""The position about to be created: what the static checks, the limits and the capacity plan look at."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from core.models.addons import ItemBundle
from core.models.event import SubEvent
from core.models.items import Item
from core.models.variations import ItemVariation
from core.models.vouchers import Voucher


@dataclass(eq=False)
class PositionRequest:
    """One position to create, with its rows already loaded (nothing here touches the database).

    ``addon_to`` is the parent: another :class:`PositionRequest` of the same operation or an existing position
    (``CartPosition``); ``is_bundled`` marks positions created by a bundle of the parent (``bundle``).
    ``custom_price`` is the buyer's free-price input (net if ``custom_price_is_net``). ``meta`` carries anything
    else the caller wants on the created position (attendee data, ``requested_valid_from`` ...).
    """

    item: Item
    variation: ItemVariation | None = None
    subevent: SubEvent | None = None
    voucher: Voucher | None = None
    addon_to: Any = None
    is_bundled: bool = False
    bundle: ItemBundle | None = None
    custom_price: Decimal | str | None = None
    custom_price_is_net: bool = False
    requested_valid_from: dt.datetime | None = None
    meta: dict[str, Any] = field(default_factory=dict)
    bundled: list[PositionRequest] = field(default_factory=list)

    @property
    def product(self) -> tuple[int, int | None]:
        return self.item.id, self.variation.id if self.variation is not None else None

    @property
    def subevent_id(self) -> int | None:
        return self.subevent.id if self.subevent is not None else None

    @property
    def is_addon(self) -> bool:
        return self.addon_to is not None and not self.is_bundled

    @property
    def is_top_level(self) -> bool:
        return self.addon_to is None

    @property
    def name(self) -> str:
        label = str(self.item.name)
        return f"{label} - {self.variation.value}" if self.variation is not None else label


def expand_bundles(request: PositionRequest) -> list[PositionRequest]:
    """Create the bundled children of ``request`` (one per unit, ``count`` per bundle) and return them.

    The children are stored in ``request.bundled`` too; they share the parent's date and have no voucher.
    """
    request.bundled = [
        PositionRequest(item=bundle.bundled_item, variation=bundle.bundled_variation, subevent=request.subevent,
                        addon_to=request, is_bundled=True, bundle=bundle)
        for bundle in request.item.bundles for _ in range(bundle.count)
    ]
    return request.bundled
