"""The ``banktransfer`` provider: registration, activation, instructions and the ``{payment_info}`` placeholder."""

from __future__ import annotations

from decimal import Decimal

import pytest

from core.mail.placeholders import Placeholders
from core.pluginhost import current_registry
from core.services.payments import PaymentContext, create_payment, payment_provider, payment_providers
from plugins.payment_banktransfer import plugin
from plugins.payment_banktransfer.banking import check_iban, iban_is_valid
from plugins.payment_banktransfer.provider import BankTransferProvider

IBAN = "DE89370400440532013000"


def test_plugin_metadata_and_registration(registry):
    assert plugin.name == "banktransfer" and plugin.category == "PAYMENT"
    state = {s.name: s for s in registry.plugin_states}["banktransfer"]
    assert state.status.name == "LOADED"
    assert "plugin.banktransfer.payment_banktransfer__enabled" in registry.settings_schema
    assert "plugin.banktransfer.payment_banktransfer_bank_details_sepa_iban" in registry.settings_schema
    assert "pretix.plugins.banktransfer.transaction.matched" in registry.log_entry_types


def test_provider_inactive_without_the_plugin(event):
    assert "banktransfer" not in payment_providers(event)
    assert payment_provider(event, "banktransfer") is None


@pytest.mark.enabled_plugins("banktransfer")
def test_provider_active_where_enabled_and_offered_once_enabled(event):
    provider = payment_provider(event, "banktransfer")
    assert isinstance(provider, BankTransferProvider)
    assert not provider.is_allowed(PaymentContext(), Decimal("10"))
    provider.set_setting("_enabled", True)
    assert provider.is_allowed(PaymentContext(), Decimal("10"))
    assert not provider.payment_refund_supported(None)


@pytest.mark.enabled_plugins("banktransfer")
def test_instructions_contain_reference_amount_and_bank_details(event, make_order):
    order = make_order("23.00")
    provider = payment_provider(event, "banktransfer")
    provider.set_setting("bank_details_sepa_name", "Conference Ltd")
    provider.set_setting("bank_details_sepa_iban", IBAN)
    provider.set_setting("bank_details_sepa_bic", "COBADEFFXXX")
    text = provider.payment_instructions(order)
    assert f"Reference: CONF-{order.code}" in text
    assert "Amount: 23.00 EUR" in text
    assert "IBAN: DE89 3704 0044 0532 0130 00" in text and "Account holder: Conference Ltd" in text
    provider.set_setting("omit_hyphen", True)
    assert provider.transfer_reference(order) == f"CONF{order.code}"
    assert provider.matching_id(create_payment(order, "banktransfer", order.total)) == f"CONF{order.code}"


@pytest.mark.enabled_plugins("banktransfer")
def test_free_text_bank_details(event, make_order):
    from core.i18n import I18nString

    provider = payment_provider(event, "banktransfer")
    provider.set_setting("bank_details_type", "other")
    provider.set_setting("bank_details", I18nString({"en": "Account 123 at Bank of Nowhere", "de": "Konto 123"}))
    assert provider.bank_details_lines("de") == ["Konto 123"]
    assert "Account 123 at Bank of Nowhere" in provider.payment_instructions(make_order())


@pytest.mark.enabled_plugins("banktransfer")
def test_payment_info_placeholder_only_for_open_bank_transfer_payments(event, make_order):
    order = make_order()
    context = {"event": event, "order": order}
    assert Placeholders(event, context).value("payment_info") == ""
    create_payment(order, "banktransfer", order.total)
    assert f"CONF-{order.code}" in Placeholders(event, context).value("payment_info")
    assert Placeholders(event, {**context, "payment_info": "given"}).value("payment_info") == "given"


def test_core_placeholder_stays_empty_without_the_plugin(event, make_order):
    order = make_order()
    create_payment(order, "banktransfer", order.total)
    assert Placeholders(event, {"event": event, "order": order}).value("payment_info") == ""


@pytest.mark.enabled_plugins("banktransfer")
def test_settings_refuse_a_bad_iban(event):
    assert iban_is_valid(IBAN) and not iban_is_valid("DE89370400440532013001")
    with pytest.raises(ValueError, match="not a valid IBAN"):
        check_iban("DE00 1234")
    provider = payment_provider(event, "banktransfer")
    with pytest.raises(Exception, match="IBAN"):
        provider.set_setting("bank_details_sepa_iban", "DE00 1234")
    assert current_registry() is not None
