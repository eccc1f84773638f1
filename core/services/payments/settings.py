"""Setting declarations of payment providers: pretix's generic ``payment_<identifier>__*`` keys plus their own.

Core providers' keys are plain (``payment_manual__enabled``); a plugin's provider declares them inside the
plugin's configuration, so they are stored as ``plugin.<plugin>.payment_<identifier>_<key>``.
:meth:`core.services.payments.BasePaymentProvider.setting` resolves either.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from typing import Any

from core.i18n import I18nString, _
from core.settings.declaration import Setting

PAYMENT_WRITE = "event.settings.payment:write"
IDENTIFIER = re.compile(r"^[a-z][a-z0-9_]*$")
COUNTRY = re.compile(r"^[A-Z]{2}$")


def _not_negative(value: Any) -> None:
    if value < 0:
        raise ValueError(f"must not be negative, got {value}")


def _percentage(value: Any) -> None:
    if not 0 <= value < 100:
        raise ValueError(f"must be at least 0 and below 100, got {value}")


def _countries(value: list[Any]) -> None:
    bad = [v for v in value if not isinstance(v, str) or not COUNTRY.match(v)]
    if bad:
        raise ValueError(f"countries must be ISO 3166 alpha-2 codes in upper case such as 'DE', got {bad!r}")


def _strings(value: list[Any]) -> None:
    bad = [v for v in value if not isinstance(v, str) or not v]
    if bad:
        raise ValueError(f"sales channels must be identifiers such as 'web', got {bad!r}")


def check_identifier(identifier: Any) -> str:
    """``identifier`` if it is a valid provider identifier, else ValueError naming the rule."""
    if not isinstance(identifier, str) or not IDENTIFIER.match(identifier):
        raise ValueError(f"payment provider identifier must match [a-z][a-z0-9_]*, got {identifier!r}")
    return identifier


def setting_key(identifier: str, key: str) -> str:
    """The stored (core) key of a provider setting: ``payment_<identifier>_<key>``."""
    return f"payment_{identifier}_{key}"


def generic_settings(identifier: str, *, enabled_default: bool = False) -> list[Setting]:
    """The generic settings every provider has, with short sub-keys starting with ``_`` (pretix's names)."""
    check_identifier(identifier)

    def declare(key: str, *args: Any, **kwargs: Any) -> Setting:
        return Setting(setting_key(identifier, key), *args, write_permission=PAYMENT_WRITE, **kwargs)

    return [
        declare("_enabled", bool, enabled_default, label=_("Enable payment method")),
        declare("_fee_abs", Decimal, Decimal("0"), validate=_not_negative, label=_("Additional fee"),
                doc=_("Absolute value")),
        declare("_fee_percent", Decimal, Decimal("0"), validate=_percentage, label=_("Additional fee"),
                doc=_("Percentage of the order total")),
        declare("_fee_reverse_calc", bool, True, label=_("Calculate the fee from the total value including the fee"),
                doc=_("The fee is chosen so that you receive the full amount after the provider's percentage.")),
        declare("_availability_start", date, None, label=_("Available from")),
        declare("_availability_date", date, None, label=_("Available until"),
                doc=_("The payment method is available until the end of this day (event time zone).")),
        declare("_total_min", Decimal, None, validate=_not_negative, label=_("Minimum order total")),
        declare("_total_max", Decimal, None, validate=_not_negative, label=_("Maximum order total")),
        declare("_invoice_text", I18nString, None, label=_("Text on invoices")),
        declare("_restricted_countries", list, [], validate=_countries, label=_("Restrict to countries"),
                doc=_("Only buyers whose invoice address is in one of these countries can use it (empty: all).")),
        declare("_restrict_to_sales_channels", list, ["web"], validate=_strings,
                label=_("Restrict to sales channels")),
        declare("_hidden", bool, False, label=_("Hide payment method"),
                doc=_("Only buyers who open the secret link can use it.")),
        declare("_hidden_seed", str, None, secret=True, label=_("Secret of the hidden link")),
        declare("_prevent_reminder_mail", bool, False, label=_("Do not send payment reminders")),
    ]


def named(identifier: str, setting: Setting) -> Setting:
    """``setting`` (short key) declared under the provider's key with the payment write permission."""
    return dataclasses.replace(setting, key=setting_key(identifier, setting.key), write_permission=PAYMENT_WRITE)


def provider_settings(identifier: str, own: Iterable[Setting] = (), *, enabled_default: bool = False) -> list[Setting]:
    """Every declaration of provider ``identifier``: the generic ones and ``own`` (short keys)."""
    return [*generic_settings(identifier, enabled_default=enabled_default), *(named(identifier, s) for s in own)]
