"""``BasePaymentProvider``: the generic settings and availability rules every provider shares."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
import zoneinfo
from decimal import Decimal
from typing import Any, ClassVar

from sqlalchemy.orm import object_session
from zope.interface import implementer

from core.config.owner import CORE
from core.interfaces.payment import IPaymentProvider
from core.pluginhost.registry import current_registry
from core.services.payments.context import FormField, PaymentContext, PaymentError
from core.services.payments.fees import payment_fee
from core.services.payments.settings import setting_key
from core.services.payments.sums import pending_sum
from core.settings import Setting, settings_for
from core.timemachine import now


@implementer(IPaymentProvider)
class BasePaymentProvider:
    """Defaults for every :class:`~core.interfaces.payment.IPaymentProvider` member.

    Subclasses set ``identifier`` and ``verbose_name`` and override what they do differently. Settings are read
    with :meth:`setting` using the short key (``"_fee_abs"``, or an own key such as ``"bank_details"``).
    """

    identifier: ClassVar[str]
    verbose_name: ClassVar[Any]
    #: Default of the ``__enabled`` setting.
    enabled_default: ClassVar[bool] = False
    settings_fields: ClassVar[tuple[Setting, ...]] = ()
    payment_form_fields: ClassVar[tuple[FormField, ...]] = ()
    execute_payment_needs_user: ClassVar[bool] = True
    multi_use_supported: ClassVar[bool] = False
    requires_invoice_immediately: ClassVar[bool] = False

    def __init__(self, event: Any) -> None:
        self.event = event

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.identifier} event={getattr(self.event, 'slug', None)}>"

    # settings

    @property
    def public_name(self) -> Any:
        return self.verbose_name

    def _full_key(self, key: str) -> str:
        full = setting_key(self.identifier, key)
        owner = current_registry().provider_owner.get((IPaymentProvider, self.identifier), CORE)
        return full if owner == CORE else f"plugin.{owner}.{full}"

    def _settings(self) -> Any:
        session = object_session(self.event)
        if session is None:
            raise RuntimeError(f"{self!r}: the event is not in a database session")
        return settings_for(session, self.event)

    def setting(self, key: str) -> Any:
        """The effective value of the provider setting ``key`` (short key, e.g. ``"_enabled"``)."""
        return self._settings().get(self._full_key(key))

    def set_setting(self, key: str, value: Any) -> None:
        """Store ``value`` for the provider setting ``key`` on the event (``None`` removes the override)."""
        self._settings().set(self._full_key(key), value)

    @property
    def is_enabled(self) -> bool:
        return bool(self.setting("_enabled"))

    @property
    def currency(self) -> str:
        return str(self.event.currency)

    # availability

    def is_available_now(self) -> bool:
        """Whether the time machine's now lies within ``__availability_start`` .. end of ``__availability_date``."""
        zone = zoneinfo.ZoneInfo(self.event.timezone or "UTC")
        current = now().astimezone(zone).date()
        start: dt.date | None = self.setting("_availability_start")
        end: dt.date | None = self.setting("_availability_date")
        return (start is None or current >= start) and (end is None or current <= end)

    def total_allowed(self, total: Decimal) -> bool:
        """Whether ``total`` lies within ``__total_min`` .. ``__total_max`` (both inclusive, both optional)."""
        low: Decimal | None = self.setting("_total_min")
        high: Decimal | None = self.setting("_total_max")
        return (low is None or total >= low) and (high is None or total <= high)

    def country_allowed(self, country: str | None) -> bool:
        """Whether a buyer from ``country`` may use the provider (``__restricted_countries``, empty: everyone)."""
        restricted: list[str] = self.setting("_restricted_countries") or []
        return not restricted or (country is not None and country.upper() in restricted)

    def is_allowed(self, context: PaymentContext, total: Decimal) -> bool:
        if not self.is_enabled or not self.is_available_now() or not self.total_allowed(total):
            return False
        if context.sales_channel not in (self.setting("_restrict_to_sales_channels") or []):
            return False
        if not self.country_allowed(context.country):
            return False
        return not self.setting("_hidden") or self.identifier in context.unlocked

    def unlock_token(self) -> str:
        """The token of the secret link that unlocks a hidden provider (a seed is created on first use)."""
        seed = self.setting("_hidden_seed")
        if not seed:
            seed = secrets.token_urlsafe(32)
            self.set_setting("_hidden_seed", seed)
        message = f"payment_unlock:{self.identifier}:{self.event.id}".encode()
        return hmac.new(seed.encode(), message, hashlib.sha256).hexdigest()[:32]

    def order_change_allowed(self, order: Any) -> bool:
        address = order.__dict__.get("invoice_address") or getattr(order, "invoice_address", None)
        context = PaymentContext(
            sales_channel=order.sales_channel.identifier,
            country=getattr(address, "country", None),
            testmode=order.testmode,
        )
        return self.is_allowed(context, pending_sum(order))

    # money

    def calculate_fee(self, price: Decimal) -> Decimal:
        return payment_fee(
            price,
            fee_abs=self.setting("_fee_abs"),
            fee_percent=self.setting("_fee_percent"),
            reverse_calc=bool(self.setting("_fee_reverse_calc")),
            currency=self.currency,
        )

    # checkout

    def session_key(self, name: str) -> str:
        """The key under which this provider keeps ``name`` in ``PaymentContext.session_data``."""
        return f"payment_{self.identifier}_{name}"

    def checkout_prepare(self, context: PaymentContext, data: dict[str, Any], total: Decimal) -> bool | str:
        """Check that every required form field is answered and keep the answers in the session data."""
        missing = [f.name for f in self.payment_form_fields if f.required and data.get(f.name) in (None, "")]
        if missing:
            raise PaymentError(
                f"Please fill in {', '.join(missing)} to pay with {self.public_name}.",
                key="payment_form_invalid", fields=missing,
            )
        for form_field in self.payment_form_fields:
            if form_field.name in data:
                context.session_data[self.session_key(form_field.name)] = data[form_field.name]
        return True

    def payment_is_valid_session(self, context: PaymentContext) -> bool:
        return all(
            self.session_key(f.name) in context.session_data for f in self.payment_form_fields if f.required
        )

    def execute_payment(self, context: PaymentContext, payment: Any) -> str | None:
        return None

    # refunds, cancellation

    def payment_refund_supported(self, payment: Any) -> bool:
        return False

    def payment_partial_refund_supported(self, payment: Any) -> bool:
        return False

    def execute_refund(self, refund: Any) -> None:
        raise PaymentError(
            f"{self.verbose_name} cannot send money back automatically; refund it by hand and record it as an "
            "external refund.", key="refund_not_supported",
        )

    def cancel_payment(self, payment: Any) -> None:
        return None

    # reminders, API, matching, shredding

    def prevent_reminder_mail(self, order: Any, payment: Any) -> bool:
        return bool(self.setting("_prevent_reminder_mail"))

    def api_payment_details(self, payment: Any) -> dict[str, Any]:
        return {}

    def matching_id(self, payment: Any) -> str | None:
        return None

    def shred_payment_info(self, obj: Any) -> None:
        obj.info = {"_shredded": True}
