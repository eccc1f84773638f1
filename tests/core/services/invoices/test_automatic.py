"""Automatic invoices: the invoice_generate modes, qualification, cancellation and reissue on order signals."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.models import Invoice, Order
from core.pluginhost import send
from core.services.invoices import can_request_invoice, generate_invoice, invoice_qualified
from core.services.order_signals import OrderCanceled, OrderChanged, OrderPaid, OrderPlaced
from core.services.transactions import create_transactions
from core.settings import settings_for
from tests.core.services.invoices.shop import make_order


def invoices(db_session: Session) -> list[tuple[str, bool]]:
    rows = db_session.scalars(select(Invoice).order_by(Invoice.id)).all()
    return [(inv.full_invoice_no, inv.is_cancellation) for inv in rows]


def place(db_session: Session, shop: Any, commit: Any, mode: str, **fields: Any) -> Order:
    settings_for(db_session, shop.event).set("invoice_generate", mode)
    order = make_order(db_session, shop, **fields)
    send(OrderPlaced(order))
    commit()
    return db_session.get(Order, order.id)


def test_mode_true_invoices_on_placement_and_mails_the_invoice(
    db_session: Session, shop: Any, commit: Any, mailoutbox: list[Any]
) -> None:
    place(db_session, shop, commit, "True")
    assert invoices(db_session) == [("CONF-00001", False)]
    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message["Subject"] == "Invoice CONF-00001"
    [attachment] = list(message.iter_attachments())
    assert attachment.get_filename() == "CONF-00001.pdf"
    assert attachment.get_content().startswith(b"%PDF")


def test_no_mail_without_the_attachment_setting(
    db_session: Session, shop: Any, commit: Any, mailoutbox: list[Any]
) -> None:
    settings_for(db_session, shop.event).set("invoice_email_attachment", False)
    place(db_session, shop, commit, "True")
    assert invoices(db_session) == [("CONF-00001", False)]
    assert mailoutbox == []


@pytest.mark.parametrize("mode", ["False", "admin", "user", "user_paid", "paid"])
def test_other_modes_do_not_invoice_on_placement(db_session: Session, shop: Any, commit: Any, mode: str) -> None:
    place(db_session, shop, commit, mode)
    assert invoices(db_session) == []


def test_mode_paid_invoices_on_payment(db_session: Session, shop: Any, commit: Any) -> None:
    order = place(db_session, shop, commit, "paid")
    order.status = Order.STATUS_PAID
    create_transactions(db_session, order)
    send(OrderPaid(order))
    commit()
    assert invoices(db_session) == [("CONF-00001", False)]
    order = db_session.get(Order, order.id)
    send(OrderPaid(order))  # a repeated trigger issues nothing twice
    commit()
    assert invoices(db_session) == [("CONF-00001", False)]


@pytest.mark.parametrize(("fields", "settings"), [
    ({"prices": ("0.00",)}, {}),
    ({"require_approval": True}, {}),
    ({"status": Order.STATUS_CANCELED}, {}),
    ({}, {"invoice_generate_sales_channels": ["api"]}),
    ({"address": False}, {"invoice_generate_only_business": True}),
])
def test_unqualified_orders_get_no_automatic_invoice(
    db_session: Session, shop: Any, commit: Any, fields: dict[str, Any], settings: dict[str, Any]
) -> None:
    for key, value in settings.items():
        settings_for(db_session, shop.event).set(key, value)
    order = make_order(db_session, shop, **fields)
    assert invoice_qualified(order) is False
    send(OrderPlaced(order))
    commit()
    assert invoices(db_session) == []


def test_business_only_accepts_business_addresses(db_session: Session, shop: Any) -> None:
    settings_for(db_session, shop.event).set("invoice_generate_only_business", True)
    assert invoice_qualified(make_order(db_session, shop)) is True


def test_cancel_issues_a_cancellation(db_session: Session, shop: Any, commit: Any) -> None:
    order = place(db_session, shop, commit, "True")
    order.status = Order.STATUS_CANCELED
    create_transactions(db_session, order)
    send(OrderCanceled(order))
    commit()
    assert invoices(db_session) == [("CONF-00001", False), ("CONF-00002", True)]


def test_change_reissues(db_session: Session, shop: Any, commit: Any) -> None:
    order = place(db_session, shop, commit, "True")
    send(OrderChanged(order))
    commit()
    assert invoices(db_session) == [("CONF-00001", False), ("CONF-00002", True), ("CONF-00003", False)]


def test_customer_requests_depend_on_the_mode(db_session: Session, shop: Any) -> None:
    settings = settings_for(db_session, shop.event)
    order = make_order(db_session, shop)
    assert can_request_invoice(order) is False
    settings.set("invoice_generate", "user")
    assert can_request_invoice(order) is True
    settings.set("invoice_generate", "user_paid")
    assert can_request_invoice(order) is False
    order.status = Order.STATUS_PAID
    assert can_request_invoice(order) is True
    generate_invoice(order)
    assert can_request_invoice(order) is False
