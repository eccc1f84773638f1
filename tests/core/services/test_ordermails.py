"""Order mails: every kind renders its template with the order placeholders and reaches the outbox."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.db import scope
from core.models import LogEntry, OrderPayment, OrderRefund
from core.services.errors import OrderError
from core.services.invoices import generate_invoice
from core.services.ordermails import TEMPLATES, send_order_mail
from core.settings import settings_for
from tests.core.services.invoices.shop import make_order, make_shop


@pytest.fixture
def shop(db_session: Session, event: Any, organizer: Any) -> Iterator[SimpleNamespace]:
    with scope(organizer.id):
        yield make_shop(db_session, event)


def flush(tm: Any) -> None:
    tm.commit()
    tm.begin()


def body(message: Any) -> str:
    return message.get_body(("plain",)).get_content()


@pytest.mark.parametrize("kind", sorted(set(TEMPLATES) - {"invoice"}))
def test_every_kind_renders_and_is_sent(
    db_session: Session, tm: Any, shop: Any, mailoutbox: list[Any], kind: str
) -> None:
    order = make_order(db_session, shop)
    [row] = send_order_mail(db_session, order, kind)
    assert "{" not in row.subject and "{" not in row.body_text
    assert "Conference" in row.body_text
    assert "http://127.0.0.1:8000/demo/conf/order/ABC12/" + order.secret + "/" in row.body_text
    flush(tm)
    assert [m["To"] for m in mailoutbox] == ["buyer@example.org"]
    assert mailoutbox[0]["Subject"] == row.subject


def test_order_placeholders(db_session: Session, tm: Any, shop: Any, mailoutbox: list[Any]) -> None:
    settings = settings_for(db_session, shop.event)
    settings.set("mail_subject_order_placed", "{code} {total} {total_with_currency} {pending_sum}")
    settings.set("mail_text_order_placed", "{order_email}|{expire_date}|{invoice_name}|{invoice_company}|"
                                           "{name}|{name_for_salutation}|{payment_info}|{comment}|{event}")
    order = make_order(db_session, shop, fee="1.50")
    db_session.add(OrderPayment(order=order, local_id=1, state="confirmed", amount=Decimal("20.00"), provider="manual"))
    db_session.add(OrderRefund(order=order, local_id=1, state="done", source="admin", amount=Decimal("5.00")))
    db_session.flush()
    db_session.expire(order, ["payments", "refunds"])
    [row] = send_order_mail(db_session, order, "placed", context={"payment_info": "IBAN DE00"})
    assert row.subject == "ABC12 47.50 €47.50 €32.50"
    assert row.body_text == ("buyer@example.org|January 14, 2030|Ms Ada Lovelace|Analytical Engines Ltd|"
                             "Ms Ada Lovelace|Ms Lovelace|IBAN DE00||Conference")


def test_order_language_formats_and_translates(db_session: Session, tm: Any, shop: Any, mailoutbox: list[Any]) -> None:
    settings_for(db_session, shop.event).set("mail_text_order_paid", {"en": "Paid {total}", "de": "Bezahlt {total} "
                                                                      "{total_with_currency} {expire_date} {event}"})
    [row] = send_order_mail(db_session, make_order(db_session, shop, locale="de", prices=("1234.50",)), "paid")
    assert row.body_text == "Bezahlt 1.234,50 1.234,50\xa0€ 14. Januar 2030 Konferenz"
    assert row.locale == "de"


def test_context_amounts_and_refund_amount(db_session: Session, tm: Any, shop: Any, mailoutbox: list[Any]) -> None:
    settings = settings_for(db_session, shop.event)
    settings.set("mail_text_order_canceled", "{comment} {refund_amount} {fee}")
    order = make_order(db_session, shop)
    refund = OrderRefund(order=order, local_id=1, state="created", source="admin", amount=Decimal("12.00"))
    db_session.add(refund)
    db_session.flush()
    [row] = send_order_mail(db_session, order, "canceled",
                            context={"comment": "Event moved", "refund": refund, "fee": Decimal("3")})
    assert row.body_text == "Event moved €12.00 €3.00"


def test_placed_and_paid_only_for_listed_channels(
    db_session: Session, tm: Any, shop: Any, mailoutbox: list[Any]
) -> None:
    order = make_order(db_session, shop, channel=shop.api)
    for kind in ("placed", "placed_free", "placed_require_approval", "paid"):
        assert send_order_mail(db_session, order, kind) == []
    assert len(send_order_mail(db_session, order, "canceled")) == 1
    settings_for(db_session, shop.event).set("mail_sales_channel_placed_paid", ["web", "api"])
    assert len(send_order_mail(db_session, order, "paid")) == 1


def test_attendee_mails_when_enabled(db_session: Session, tm: Any, shop: Any, mailoutbox: list[Any]) -> None:
    order = make_order(db_session, shop, prices=("23.00", "23.00", "23.00"))
    first, second, _third = order.positions
    first.attendee_email = "ada@example.org"
    second.attendee_email = "BUYER@example.org"  # the buyer gets the order mail only
    db_session.flush()
    assert len(send_order_mail(db_session, order, "paid")) == 1
    settings = settings_for(db_session, shop.event)
    settings.set("mail_send_order_paid_attendee", True)
    settings.set("mail_text_order_paid_attendee", "{attendee_name} #{positionid} {url}")
    rows = send_order_mail(db_session, order, "paid")
    assert [r.to for r in rows] == [["buyer@example.org"], ["ada@example.org"]]
    assert rows[1].body_text == (f"Ada Lovelace1 #1 http://127.0.0.1:8000/demo/conf/ticket/ABC12/1/"
                                 f"{first.web_secret}/")
    flush(tm)
    assert len(mailoutbox) == 3


def test_position_mail_goes_to_that_attendee(db_session: Session, tm: Any, shop: Any, mailoutbox: list[Any]) -> None:
    order = make_order(db_session, shop)
    position = order.positions[1]
    assert send_order_mail(db_session, order, "resend_link", position=position) == []
    position.attendee_email = "grace@example.org"
    settings_for(db_session, shop.event).set("mail_text_order_placed_attendee", "Hi {name}, {positionid}")
    [row] = send_order_mail(db_session, order, "placed", position=position)
    assert (row.to, row.body_text) == (["grace@example.org"], "Hi Ada Lovelace2, 2")


def test_expire_warning_uses_the_pending_text_without_automatic_expiry(
    db_session: Session, tm: Any, shop: Any, mailoutbox: list[Any]
) -> None:
    settings = settings_for(db_session, shop.event)
    order = make_order(db_session, shop)
    assert send_order_mail(db_session, order, "expire_warning")[0].subject == "Your order ABC12 is about to expire"
    settings.set("payment_term_expire_automatically", False)
    assert send_order_mail(db_session, order, "expire_warning")[0].subject == "Your order ABC12 is still unpaid"


def test_mails_are_audit_logged(db_session: Session, tm: Any, shop: Any, mailoutbox: list[Any]) -> None:
    order = make_order(db_session, shop)
    [row] = send_order_mail(db_session, order, "approved")
    action = "pretix.event.order.email.approved"
    entry = db_session.scalars(select(LogEntry).where(LogEntry.action_type == action)).one()
    assert entry.object_id == order.id
    assert entry.parsed_data == {"subject": row.subject, "recipient": "buyer@example.org", "mail": row.id,
                                 "template": "order_approved"}


def test_no_address_no_mail_and_unknown_kinds_are_refused(
    db_session: Session, tm: Any, shop: Any, mailoutbox: list[Any]
) -> None:
    order = make_order(db_session, shop, email=None)
    assert send_order_mail(db_session, order, "paid") == []
    with pytest.raises(OrderError) as info:
        send_order_mail(db_session, order, "shipped")
    assert info.value.key == "unknown_mail_kind"


def test_invoices_are_attached(db_session: Session, tm: Any, shop: Any, mailoutbox: list[Any]) -> None:
    order = make_order(db_session, shop)
    invoice = generate_invoice(order)
    [row] = send_order_mail(db_session, order, "invoice", invoices=[invoice])
    assert row.subject == "Invoice CONF-00001"
    assert [a["filename"] for a in row.attachments] == ["CONF-00001.pdf"]
    settings_for(db_session, shop.event).set("invoice_email_attachment", False)
    assert send_order_mail(db_session, order, "paid", invoices=[invoice])[0].attachments == []
