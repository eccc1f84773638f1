"""Provider lookup and availability: enabled flag, total limits, dates, channels, countries, hidden, plugins."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from core.i18n import _
from core.interfaces.payment import IPaymentProvider
from core.pluginhost import enable_plugin
from core.services import payments
from core.services.payments import PaymentContext
from core.settings import Setting, UnknownSetting, settings_for
from core.timemachine import time_machine
from sdk.testing import make_fake_plugin

D = Decimal
WEB = PaymentContext()


@pytest.fixture
def manual(event, db_session, scoped):
    provider = payments.payment_provider(event, "manual")
    provider.set_setting("_enabled", True)
    return provider


def test_core_providers_are_registered_in_order(event, scoped) -> None:
    found = payments.payment_providers(event)
    assert list(found) == ["free", "manual", "offsetting"]
    assert all(IPaymentProvider.providedBy(p) for p in found.values())


def test_settings_use_pretix_key_names(event, db_session, manual) -> None:
    settings = settings_for(db_session, event)
    assert settings["payment_manual__enabled"] is True
    assert settings["payment_manual__fee_reverse_calc"] is True
    assert settings["payment_manual__restrict_to_sales_channels"] == ["web"]
    assert settings.declaration("payment_manual__fee_abs").write_permission == "event.settings.payment:write"
    with pytest.raises(UnknownSetting):
        settings["payment_banktransfer__enabled"]


def test_disabled_provider_is_not_allowed(event, scoped) -> None:
    provider = payments.payment_provider(event, "manual")
    assert not provider.is_enabled
    assert not provider.is_allowed(WEB, D("10.00"))
    assert [p.identifier for p in payments.available_providers(event, WEB, D("10.00"))] == []


@pytest.mark.parametrize(("low", "high", "total", "allowed"), [
    (None, None, D("0.01"), True),
    (D("10.00"), None, D("9.99"), False),
    (D("10.00"), None, D("10.00"), True),
    (None, D("100.00"), D("100.00"), True),
    (None, D("100.00"), D("100.01"), False),
    (D("5"), D("6"), D("5.50"), True),
])
def test_total_limits(manual, low, high, total, allowed) -> None:
    manual.set_setting("_total_min", low)
    manual.set_setting("_total_max", high)
    assert manual.is_allowed(WEB, total) is allowed


@pytest.mark.parametrize(("now", "allowed"), [
    (dt.datetime(2029, 12, 31, 22, 59, tzinfo=dt.UTC), False),   # 23:59 in Berlin, the day before the start
    (dt.datetime(2029, 12, 31, 23, 0, tzinfo=dt.UTC), True),     # midnight in Berlin on the start date
    (dt.datetime(2030, 1, 10, 22, 59, tzinfo=dt.UTC), True),     # last minute of the end date in Berlin
    (dt.datetime(2030, 1, 10, 23, 0, tzinfo=dt.UTC), False),
])
def test_availability_window_in_the_event_time_zone(event, manual, now, allowed) -> None:
    event.timezone = "Europe/Berlin"
    manual.set_setting("_availability_start", dt.date(2030, 1, 1))
    manual.set_setting("_availability_date", dt.date(2030, 1, 10))
    with time_machine(now):
        assert manual.is_allowed(WEB, D("10.00")) is allowed


def test_sales_channel_restriction(manual) -> None:
    assert not manual.is_allowed(PaymentContext(sales_channel="api"), D("1"))
    manual.set_setting("_restrict_to_sales_channels", ["web", "api"])
    assert manual.is_allowed(PaymentContext(sales_channel="api"), D("1"))


def test_country_restriction(manual) -> None:
    manual.set_setting("_restricted_countries", ["DE", "AT"])
    assert manual.is_allowed(PaymentContext(country="de"), D("1"))
    assert not manual.is_allowed(PaymentContext(country="FR"), D("1"))
    assert not manual.is_allowed(PaymentContext(country=None), D("1"))


def test_hidden_provider_needs_unlocking(manual) -> None:
    manual.set_setting("_hidden", True)
    assert not manual.is_allowed(WEB, D("1"))
    assert manual.is_allowed(PaymentContext(unlocked=frozenset({"manual"})), D("1"))
    token = manual.unlock_token()
    assert token == manual.unlock_token() and len(token) == 32


def test_provider_fee_from_settings(manual) -> None:
    manual.set_setting("_fee_percent", D("2"))
    assert manual.calculate_fee(D("100.00")) == D("2.04")
    manual.set_setting("_fee_reverse_calc", False)
    assert manual.calculate_fee(D("100.00")) == D("2.00")
    manual.set_setting("_fee_abs", D("0.50"))
    assert manual.calculate_fee(D("100.00")) == D("2.50")


def test_bad_fee_setting_is_refused(manual) -> None:
    from core.settings import SettingValueError

    with pytest.raises(SettingValueError, match="below 100"):
        manual.set_setting("_fee_percent", D("100"))


def test_free_provider_only_for_zero_totals(event, scoped) -> None:
    free = payments.payment_provider(event, "free")
    assert free.is_enabled and free.calculate_fee(D("50")) == 0
    assert free.is_allowed(WEB, D("0.00")) and not free.is_allowed(WEB, D("0.01"))
    assert [p.identifier for p in payments.available_providers(event, WEB, D("0"))] == ["free"]


def test_offsetting_is_never_offered(event, scoped) -> None:
    offsetting = payments.payment_provider(event, "offsetting")
    assert offsetting.is_enabled and not offsetting.is_allowed(WEB, D("10"))


def test_order_change_allowed_uses_the_open_amount(make_order, manual) -> None:
    order = make_order(positions=2)
    manual.set_setting("_total_max", D("15.00"))
    assert not manual.order_change_allowed(order)
    payments.confirm_payment(payments.create_payment(order, "manual", D("10.00")))
    assert manual.order_change_allowed(order)


def test_checkout_prepare_checks_required_fields(event, scoped) -> None:
    class WithField(payments.BasePaymentProvider):
        identifier = "withfield"
        verbose_name = "With field"
        payment_form_fields = (payments.FormField("iban", "iban", "IBAN"),)

    provider = WithField(event)
    context = PaymentContext()
    assert not provider.payment_is_valid_session(context)
    with pytest.raises(payments.PaymentError) as info:
        provider.checkout_prepare(context, {"iban": ""}, D("10"))
    assert info.value.key == "payment_form_invalid" and info.value.params["fields"] == ["iban"]
    assert provider.checkout_prepare(context, {"iban": "DE02120300000000202051"}, D("10")) is True
    assert context.session_data == {"payment_withfield_iban": "DE02120300000000202051"}
    assert provider.payment_is_valid_session(context)


def test_form_field_declarations_are_checked() -> None:
    with pytest.raises(ValueError, match="type must be one of"):
        payments.FormField("x", "colour", "X")
    with pytest.raises(ValueError, match="choices"):
        payments.FormField("x", "choice", "X")


class AcmePay(payments.BasePaymentProvider):
    identifier = "acmepay"
    verbose_name = _("Acme Pay")
    settings_fields = (Setting("merchant", str, "shop-1"),)
    execute_payment_needs_user = False

    def execute_payment(self, context, payment):
        return f"https://acme.example/pay/{payment.full_id}?merchant={self.setting('merchant')}"


def test_plugin_provider_only_where_its_plugin_is_active(plugin_config, event, db_session, scoped) -> None:
    fake = make_fake_plugin("acmepay", lambda config: payments.register_payment_provider(config, AcmePay))
    plugin_config(fake)
    assert "acmepay" not in payments.payment_providers(event)
    assert payments.payment_provider(event, "acmepay") is None
    enable_plugin(db_session, event, "acmepay")
    provider = payments.payment_providers(event)["acmepay"]
    provider.set_setting("_enabled", True)
    settings = settings_for(db_session, event)
    assert settings["plugin.acmepay.payment_acmepay__enabled"] is True
    assert provider.setting("merchant") == "shop-1"
    assert [p.identifier for p in payments.available_providers(event, WEB, D("10"))] == ["acmepay"]


def test_plugin_provider_executes_payments(plugin_config, event, db_session, make_order) -> None:
    plugin_config(make_fake_plugin("acmepay", lambda config: payments.register_payment_provider(config, AcmePay)))
    enable_plugin(db_session, event, "acmepay")
    order = make_order()
    payment = payments.create_payment(order, "acmepay", D("10.00"))
    url = payments.execute_payment(payment)
    assert url == f"https://acme.example/pay/{order.code}-P-1?merchant=shop-1"
    assert payment.process_initiated is True and payment.state == "created"


def test_provider_refusal_fails_the_payment(make_order, monkeypatch) -> None:
    def refuse(self, context, payment):
        raise payments.PaymentError("Card declined.")

    monkeypatch.setattr(payments.ManualProvider, "execute_payment", refuse)
    order = make_order()
    payment = payments.create_payment(order, "manual", D("10.00"))
    with pytest.raises(payments.PaymentError, match="Card declined"):
        payments.execute_payment(payment)
    assert payment.state == "failed" and payment.info["error"] == "Card declined."


def test_unknown_provider_cannot_execute(make_order) -> None:
    payment = payments.create_payment(make_order(), "nosuchpay", D("10.00"))
    with pytest.raises(payments.PaymentError) as info:
        payments.execute_payment(payment)
    assert info.value.key == "payment_provider_unknown" and payment.state == "created"


def test_free_provider_confirms_at_once(make_order) -> None:
    order = make_order(price="0.00")
    payment = payments.create_payment(order, "free", D("0.00"))
    assert payments.execute_payment(payment) is None
    assert payment.state == "confirmed" and order.status == "p"
