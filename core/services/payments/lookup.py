"""Finding an event's payment providers and registering new ones."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from pyramid.config import Configurator

from core.interfaces.payment import IPaymentProvider
from core.pluginhost import provider_for, providers_for
from core.services.payments.context import PaymentContext
from core.services.payments.settings import check_identifier, provider_settings


def register_payment_provider(config: Configurator, factory: Any) -> None:
    """Register ``factory`` (usually a :class:`~core.services.payments.BasePaymentProvider` subclass).

    Declares the generic ``payment_<identifier>__*`` settings and the factory's ``settings_fields`` (inside a
    plugin's configuration they are stored under ``plugin.<plugin>.``) and registers the provider with
    ``config.add_provider(IPaymentProvider, identifier, factory)``.
    """
    identifier = check_identifier(getattr(factory, "identifier", None))
    own = getattr(factory, "settings_fields", ())
    for setting in provider_settings(identifier, own, enabled_default=getattr(factory, "enabled_default", False)):
        config.add_setting(setting)
    config.add_provider(IPaymentProvider, identifier, factory)


def payment_providers(event: Any) -> dict[str, Any]:
    """``{identifier: provider}`` of every provider of ``event`` whose plugin is active (core first, by name)."""
    return dict(providers_for(event, IPaymentProvider))


def payment_provider(event: Any, identifier: str) -> Any:
    """The provider ``identifier`` of ``event``, or None if unknown or its plugin is inactive there."""
    return provider_for(event, IPaymentProvider, identifier)


def available_providers(event: Any, context: PaymentContext, total: Decimal) -> list[Any]:
    """The providers a buyer may choose for ``total`` in ``context`` (enabled and allowed), in display order."""
    return [p for p in payment_providers(event).values() if p.is_allowed(context, total)]
