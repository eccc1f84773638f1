from __future__ import annotations

from decimal import Decimal

import pytest

from core.settings import File, Scope, Setting, SettingValueError
from core.settings.declaration import SECRET_MASK
from core.settings.schema import CORE_SETTINGS, INVOICING, PAYMENT, TAX


def test_write_permission_defaults_by_scope():
    assert Setting("a").write_permission == "event.settings.general:write"
    assert Setting("a", scope=Scope.ORGANIZER).write_permission == "organizer.settings.general:write"
    assert Setting("a", scope=Scope.PLATFORM).write_permission is None
    assert Setting("a", write_permission=None).write_permission is None
    assert Setting("a", write_permission=PAYMENT).write_permission == PAYMENT


def test_label_defaults_to_the_key():
    assert Setting("max_items").label == "Max items"


@pytest.mark.parametrize("key", ["", "Upper", "1st", "with-dash", "plugin.x.y", "a.b"])
def test_bad_keys_are_rejected(key):
    with pytest.raises(ValueError, match="must match"):
        Setting(key)


def test_scope_must_be_a_scope():
    with pytest.raises(ValueError, match="scope must be"):
        Setting("a", scope="event")


def test_default_is_checked_and_converted():
    assert Setting("fee", Decimal, "1.5").default == Decimal("1.5")
    with pytest.raises(ValueError, match="default of setting 'n' is invalid: expected a whole number"):
        Setting("n", int, "ten")


def test_required_settings_have_no_default_and_files_neither():
    with pytest.raises(ValueError, match="required"):
        Setting("key", str, "x", required=True)
    with pytest.raises(ValueError, match="file setting"):
        Setting("logo", File, "x")


def test_clean_applies_choices_and_validator():
    def even(value):
        if value % 2:
            raise ValueError("must be even")

    setting = Setting("n", int, 2, validate=even, choices=(2, 4, 5))
    assert setting.clean(4) == 4
    with pytest.raises(SettingValueError, match="setting 'n': must be even"):
        setting.clean(5)
    with pytest.raises(SettingValueError, match="not one of the allowed values 2, 4, 5"):
        setting.clean(6)


def test_choices_accept_value_label_pairs():
    setting = Setting("mode", str, "a", choices=(("a", "Alpha"), "b"))
    assert setting.choices == (("a", "Alpha"), ("b", "b"))


def test_public_value_masks_secrets():
    assert Setting("password", secret=True).public_value("hunter2") == SECRET_MASK
    assert Setting("password", secret=True).public_value(None) is None
    assert Setting("fee", Decimal).public_value(Decimal("2.00")) == "2.00"
    assert "hunter2" not in repr(Setting("password", str, "hunter2", secret=True))


def test_core_declarations_use_pretix_defaults_and_permission_groups():
    core = {s.key: s for s in CORE_SETTINGS}
    assert core["reservation_time"].default == 30
    assert core["max_items_per_order"].default == 10
    assert core["payment_term_days"].default == 14
    assert core["ticket_secret_length"].default == 32
    assert core["waiting_list_hours"].default == 48
    assert core["cancel_allow_user"].default is True
    assert core["mail_html_renderer"].default == "simple"
    assert core["tax_rounding"].write_permission == TAX
    assert core["invoice_numbers_counter_length"].write_permission == INVOICING
    assert {s.write_permission for s in CORE_SETTINGS if s.key.startswith("payment_term")} == {PAYMENT}
    assert core["allowed_restricted_plugins"].write_permission is None
    assert core["smtp_password"].secret
