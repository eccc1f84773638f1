"""Invoice number prefixes, placeholders, padding and consecutive counters per (organizer, prefix)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy.orm import Session

from core.db import scope, scopes_disabled
from core.i18n import I18nString
from core.models import Event, Order, Organizer
from core.services.invoices import generate_invoice
from core.services.invoices.numbering import check_prefix, expand_prefix, format_number
from core.settings import settings_for
from core.settings.errors import SettingValueError
from tests.core.services.invoices.shop import make_order, make_shop

DAY = dt.date(2030, 3, 7)


@pytest.mark.parametrize(("template", "expected"), [
    ("INV-", "INV-"),
    ("%Y-", "2030-"),
    ("R%y%m%d-", "R300307-"),
    ("%j/", "066/"),
    ("100%%-", "100%-"),
])
def test_prefix_placeholders_use_the_invoice_date(template: str, expected: str) -> None:
    assert expand_prefix(template, DAY) == expected


@pytest.mark.parametrize("template", ["%H-", "%", "A%b"])
def test_unknown_prefix_placeholders_are_refused(template: str) -> None:
    with pytest.raises(ValueError, match="unknown placeholder"):
        check_prefix(template)


def test_the_prefix_setting_is_validated(db_session: Session, event: Any) -> None:
    settings = settings_for(db_session, event)
    with pytest.raises(SettingValueError, match="%M"):
        settings.set("invoice_numbers_prefix", "X%M-")
    settings.set("invoice_numbers_prefix", "X%Y-")
    assert settings.get("invoice_numbers_prefix") == "X%Y-"


def test_format_number_pads_to_the_counter_length() -> None:
    assert format_number(7, 5) == "00007"
    assert format_number(123456, 5) == "123456"
    with pytest.raises(ValueError, match="longer than 19"):
        format_number(10**20, 5)


def test_default_prefix_is_the_event_slug_and_numbers_are_consecutive(db_session: Session, shop: Any) -> None:
    first = generate_invoice(make_order(db_session, shop, code="AAA11"))
    second = generate_invoice(make_order(db_session, shop, code="AAA22"))
    assert (first.prefix, first.invoice_no, first.full_invoice_no) == ("CONF-", "00001", "CONF-00001")
    assert second.full_invoice_no == "CONF-00002"


def test_counter_length_and_date_prefix_from_settings(db_session: Session, shop: Any) -> None:
    settings = settings_for(db_session, shop.event)
    settings.set("invoice_numbers_counter_length", 3)
    settings.set("invoice_numbers_prefix", "R%Y-")
    invoice = generate_invoice(make_order(db_session, shop))
    assert invoice.full_invoice_no == f"R{invoice.date.year}-001"


def test_test_mode_orders_get_their_own_sequence(db_session: Session, shop: Any, commit: Any) -> None:
    real = generate_invoice(make_order(db_session, shop, code="AAA11"))
    commit()  # one counter lock per transaction
    test = generate_invoice(make_order(db_session, shop, code="A0A22", testmode=True))
    assert real.full_invoice_no == "CONF-00001"
    assert (test.prefix, test.full_invoice_no) == ("CONF-TEST-", "CONF-TEST-00001")


def test_events_sharing_a_prefix_share_the_counter(db_session: Session, shop: Any, organizer: Any) -> None:
    other = Event(organizer_id=organizer.id, slug="fest", name=I18nString({"en": "Festival"}),
                  date_from=dt.datetime(2030, 6, 1, tzinfo=dt.UTC))
    db_session.add(other)
    db_session.flush()
    for event in (shop.event, other):
        settings_for(db_session, event).set("invoice_numbers_prefix", "ORG-")
    first = generate_invoice(make_order(db_session, shop, code="AAA11"))
    second = generate_invoice(make_order(db_session, shop, code="BBB22", event=other))
    assert [first.full_invoice_no, second.full_invoice_no] == ["ORG-00001", "ORG-00002"]


def test_other_organizers_have_their_own_counters(
    db_session: Session, shop: Any, organizer: Any, commit: Any
) -> None:
    settings_for(db_session, shop.event).set("invoice_numbers_prefix", "INV-")
    generate_invoice(make_order(db_session, shop, code="AAA11"))
    commit()
    with scopes_disabled():
        org = Organizer(slug="other", name="Other")
        db_session.add(org)
        db_session.flush()
        event = Event(organizer_id=org.id, slug="conf", name=I18nString({"en": "Other conf"}),
                      date_from=dt.datetime(2030, 6, 1, tzinfo=dt.UTC))
        db_session.add(event)
        db_session.flush()
    with scope(org.id):
        settings_for(db_session, event).set("invoice_numbers_prefix", "INV-")
        other_shop = make_shop(db_session, event)
        invoice = generate_invoice(make_order(db_session, other_shop, code="AAA11"))
        assert invoice.full_invoice_no == "INV-00001"


def test_numbers_with_a_dash_are_not_counted(db_session: Session, shop: Any, commit: Any) -> None:
    settings = settings_for(db_session, shop.event)
    settings.set("invoice_numbers_consecutive", False)
    order = make_order(db_session, shop, code="AAA11")
    first = generate_invoice(order)
    second = generate_invoice(order)
    assert [first.full_invoice_no, second.full_invoice_no] == ["CONF-AAA11-1", "CONF-AAA11-2"]
    settings.set("invoice_numbers_consecutive", True)
    commit()
    assert generate_invoice(db_session.get(Order, order.id)).full_invoice_no == "CONF-00001"
