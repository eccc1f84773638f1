"""Plain data the payment providers work with: the checkout context, form field declarations, the error."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from core.services.errors import OrderError

FIELD_TYPES = ("text", "email", "number", "decimal", "date", "boolean", "choice", "iban", "bic")


@dataclass
class PaymentContext:
    """Who is paying, where: what the web shop or API layer knows about the buyer, without HTTP.

    :param sales_channel: identifier of the sales channel (``web``, ``api``, ...).
    :param country: ISO 3166 alpha-2 code of the invoice address, or None if unknown.
    :param unlocked: identifiers of hidden providers the buyer unlocked through their secret link.
    :param testmode: whether the order is (or will be) a test-mode order.
    :param session_data: data a provider keeps between ``checkout_prepare`` and ``execute_payment``; the
        web or API layer persists it with the checkout.
    """

    sales_channel: str = "web"
    country: str | None = None
    unlocked: frozenset[str] = frozenset()
    testmode: bool = False
    session_data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class FormField:
    """One input a provider asks the buyer for at checkout (rendered by the front end, answered as data).

    :param name: key of the answer in the ``data`` dict passed to ``checkout_prepare``.
    :param type: one of :data:`FIELD_TYPES`.
    :param label: text shown next to the input (str or I18nString).
    :param choices: ``(value, label)`` pairs for ``choice`` fields.
    """

    name: str
    type: str
    label: Any
    required: bool = True
    help_text: Any = ""
    choices: Sequence[tuple[str, Any]] = ()

    def __post_init__(self) -> None:
        if self.type not in FIELD_TYPES:
            raise ValueError(f"form field {self.name!r}: type must be one of {', '.join(FIELD_TYPES)}, "
                             f"got {self.type!r}")
        if (self.type == "choice") != bool(self.choices):
            raise ValueError(f"form field {self.name!r}: choices are required for, and only for, type 'choice'")


class PaymentError(OrderError):
    """A payment or refund operation was refused, by the core's rules or by the provider.

    Providers raise it with a message for the buyer or organizer (key ``payment_failed`` by default); the
    services raise it with the keys listed in :mod:`core.services.payments`.
    """

    def __init__(self, message: str, key: str = "payment_failed", **params: Any) -> None:
        super().__init__(key, message, **params)
