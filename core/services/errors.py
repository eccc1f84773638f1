"""Domain errors of the commerce services.

Every operation the commerce engine refuses raises a :class:`CommerceError` (or one of its subclasses). The error
carries:

* ``key``: a stable snake_case identifier; where pretix has an error key for the same refusal, it is pretix's key
  (``unavailable``, ``in_part``, ``max_items``, ``voucher_redeemed``, ``price_too_low``, ``country_blocked``, ...),
  so API clients written for pretix can branch on it;
* ``message``: a readable sentence in English saying what is wrong and what to change;
* ``params``: the values the message was built from (item names, limits, amounts), for translation and for API
  responses.

Services raise these errors before they write anything (or inside a transaction that is then rolled back), so a
refused operation leaves the database as it was. HTTP views translate them into 400 responses; they never
inspect the message text, only ``key`` and ``params``.
"""

from __future__ import annotations

from typing import Any


class CommerceError(Exception):
    """A refused commerce operation: ``key`` (stable, pretix's where one exists), ``message``, ``params``."""

    def __init__(self, key: str, message: str, **params: Any) -> None:
        super().__init__(message)
        self.key = key
        self.message = message
        self.params = params

    def as_dict(self) -> dict[str, Any]:
        """The error as a JSON-serialisable mapping: ``{"key": ..., "message": ..., "params": {...}}``."""
        return {"key": self.key, "message": self.message, "params": dict(self.params)}

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.key!r}, {self.message!r})"


class CartError(CommerceError):
    """A cart operation (add, remove, extend, apply voucher) was refused."""


class OrderError(CommerceError):
    """Order placement or an order life-cycle operation (pay, cancel, change, ...) was refused."""


class PricingError(CommerceError):
    """A price could not be computed: a free price below the minimum, a blocked country, bad tax rule data, ..."""


class QuotaExceeded(OrderError):
    """Capacity (a quota, a voucher budget) no longer suffices for an order that must take it anew.

    Raised by late payments of expired orders, reactivation and similar re-checks; ``key`` is ``quota`` or
    ``voucher_budget_used``, ``params`` name the quota or voucher.
    """
