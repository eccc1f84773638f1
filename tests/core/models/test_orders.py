"""Order-side models: orders, positions, fees, payments, refunds, invoices, answers, revoked secrets."""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.db.tenancy import scope
from core.i18n import I18nString
from core.models import (
    CartPosition,
    Invoice,
    InvoiceAddress,
    InvoiceLine,
    Item,
    Order,
    OrderFee,
    OrderPayment,
    OrderPosition,
    OrderRefund,
    Question,
    QuestionAnswer,
    QuestionOption,
    RevokedTicketSecret,
    SalesChannel,
    TaxRule,
)
from core.models.invoices import InvoiceDeletionError
from core.models.tokens import PSEUDONYMIZATION_ALPHABET
from core.services.transactions import create_transactions

EXPIRES = datetime(2030, 1, 1, tzinfo=UTC)


def make_catalogue(session: Session, event: Any) -> SimpleNamespace:
    """A sales channel, a 19 % tax rule and two items on ``event``."""
    channel = SalesChannel(
        organizer_id=event.organizer_id, label=I18nString({"en": "Online shop"}), identifier="web", type="web"
    )
    tax = TaxRule(event=event, name=I18nString({"en": "VAT"}), rate=Decimal("19"))
    ticket = Item(event=event, name=I18nString({"en": "Ticket"}), default_price=Decimal("23.00"), tax_rule=tax)
    shirt = Item(event=event, name=I18nString({"en": "Shirt"}), default_price=Decimal("15.00"), tax_rule=tax)
    session.add_all([channel, tax, ticket, shirt])
    session.flush()
    return SimpleNamespace(channel=channel, tax=tax, ticket=ticket, shirt=shirt)


def make_order(
    session: Session, event: Any, catalogue: SimpleNamespace, *, code: str = "ABC12",
    status: str = Order.STATUS_PENDING, prices: tuple[str, ...] = ("23.00",), journal: bool = True, **fields: Any,
) -> Order:
    """An order with one position per price (all for the ticket item), journal written unless ``journal=False``."""
    order = Order(event=event, code=code, status=status, expires=EXPIRES, sales_channel=catalogue.channel, **fields)
    for number, price in enumerate(prices, start=1):
        session.add(OrderPosition(
            order=order, positionid=number, item=catalogue.ticket, price=Decimal(price), tax_rate=Decimal("19"),
            tax_rule=catalogue.tax, tax_value=(Decimal(price) * 19 / 119).quantize(Decimal("0.01")),
        ))
    order.total = sum((Decimal(p) for p in prices), Decimal("0.00"))
    session.add(order)
    session.flush()
    if journal:
        create_transactions(session, order, is_new=True)
    return order


@pytest.fixture
def catalogue(db_session: Session, event: Any) -> SimpleNamespace:
    return make_catalogue(db_session, event)


def test_order_defaults_and_relationships(db_session: Session, event: Any, catalogue: SimpleNamespace) -> None:
    with scope(event.organizer_id):
        order = make_order(db_session, event, catalogue, prices=("23.00", "10.00"))
        db_session.add(OrderFee(order=order, fee_type=OrderFee.FEE_TYPE_SERVICE, value=Decimal("1.50")))
        db_session.flush()
        create_transactions(db_session, order)
        db_session.expire_all()
        order = db_session.get(Order, order.id)
        assert order.organizer_id == event.organizer_id
        assert len(order.secret) == 16 and order.secret.isalnum() and order.secret.islower()
        assert order.internal_secret and len(order.internal_secret) == 32
        assert order.last_modified is not None and order.datetime is not None
        assert order.tax_rounding_mode == Order.TAX_ROUNDING_LINE
        assert [p.positionid for p in order.positions] == [1, 2]
        assert all(p.organizer_id == event.organizer_id for p in order.positions)
        assert [f.fee_type for f in order.fees] == ["service"]
        assert order.full_code == "CONF-ABC12"
        assert order.status_key == "pending"


def test_active_positions_and_fees_exclude_canceled(
    db_session: Session, event: Any, catalogue: SimpleNamespace
) -> None:
    with scope(event.organizer_id):
        order = make_order(db_session, event, catalogue, prices=("23.00", "10.00"))
        fee = OrderFee(order=order, fee_type="payment", value=Decimal("2.00"), canceled=True)
        db_session.add(fee)
        order.all_positions[1].canceled = True
        db_session.flush()
        create_transactions(db_session, order)
        db_session.expire_all()
        assert [p.positionid for p in order.positions] == [1]
        assert [p.positionid for p in order.all_positions] == [1, 2]
        assert order.fees == [] and order.all_fees == [fee]


def test_status_key_reflects_flags(db_session: Session, event: Any, catalogue: SimpleNamespace) -> None:
    with scope(event.organizer_id):
        order = make_order(db_session, event, catalogue)
        order.require_approval = True
        assert order.status_key == "pending_approval"
        order.require_approval, order.valid_if_pending = False, True
        assert order.status_key == "pending_confirmed"
        order.status = Order.STATUS_PAID
        assert order.status_key == "paid"
        order.all_positions[0].canceled = True
        db_session.flush()
        db_session.expire(order, ["positions"])
        assert order.status_key == "canceled_paid_fee"
        create_transactions(db_session, order)


def test_tagged_secret_is_an_hmac_of_the_tag(db_session: Session, event: Any, catalogue: SimpleNamespace) -> None:
    with scope(event.organizer_id):
        order = make_order(db_session, event, catalogue)
    expected = hmac.new(order.internal_secret.encode(), b"download", hashlib.sha256).hexdigest()
    assert order.tagged_secret("download") == expected[:16]
    assert order.tagged_secret("download", 32) == expected[:32]
    assert order.tagged_secret("other") != order.tagged_secret("download")
    order.internal_secret = None
    assert order.tagged_secret("download") == hmac.new(
        order.secret.encode(), b"download", hashlib.sha256
    ).hexdigest()[:16]
    with pytest.raises(ValueError, match="between 1 and 64"):
        order.tagged_secret("x", 0)


def test_last_modified_moves_when_a_position_changes(
    db_session: Session, event: Any, catalogue: SimpleNamespace
) -> None:
    with scope(event.organizer_id):
        order = make_order(db_session, event, catalogue)
        old = datetime(2020, 1, 1, tzinfo=UTC)
        order.last_modified = old
        db_session.flush()
        order.all_positions[0].attendee_email = "ann@example.org"
        db_session.flush()
        assert order.last_modified > old


def test_last_modified_moves_for_an_order_not_loaded_in_the_session(
    db_session: Session, event: Any, catalogue: SimpleNamespace
) -> None:
    with scope(event.organizer_id):
        order = make_order(db_session, event, catalogue)
        order.last_modified = datetime(2020, 1, 1, tzinfo=UTC)
        db_session.flush()
        position_id, order_id = order.all_positions[0].id, order.id
        db_session.expunge_all()
        position = db_session.get(OrderPosition, position_id)
        position.company = "ACME"
        db_session.flush()
        db_session.expunge_all()
        assert db_session.get(Order, order_id).last_modified.year > 2020


def test_position_tokens_and_names(db_session: Session, event: Any, catalogue: SimpleNamespace) -> None:
    with scope(event.organizer_id):
        order = make_order(db_session, event, catalogue)
        position = order.all_positions[0]
        assert len(position.secret) == 32 and len(position.web_secret) == 16
        assert len(position.pseudonymization_id) == 10
        assert set(position.pseudonymization_id) <= set(PSEUDONYMIZATION_ALPHABET)
        position.attendee_name_parts = {"_scheme": "given_family", "given_name": "Ada", "family_name": "Lovelace"}
        assert position.attendee_name == "Ada Lovelace"
        position.attendee_name_parts = {}
        assert position.attendee_name_cached is None


def test_blocked_empty_list_becomes_null(db_session: Session, event: Any, catalogue: SimpleNamespace) -> None:
    with scope(event.organizer_id):
        order = make_order(db_session, event, catalogue)
        position = order.all_positions[0]
        position.blocked = ["admin"]
        db_session.flush()
        assert position.is_blocked
        position.blocked = []
        db_session.flush()
        db_session.expire(position)
        assert position.blocked is None and not position.is_blocked
        with pytest.raises(ValueError, match="list of non-empty strings"):
            position.blocked = "admin"
        with pytest.raises(ValueError, match="list of non-empty strings"):
            position.blocked = [""]


def test_fee_type_is_checked(db_session: Session) -> None:
    with pytest.raises(ValueError, match="fee_type must be one of"):
        OrderFee(fee_type="tip", value=Decimal("1"))


def test_payments_and_refunds_have_full_ids_and_checked_states(
    db_session: Session, event: Any, catalogue: SimpleNamespace
) -> None:
    with scope(event.organizer_id):
        order = make_order(db_session, event, catalogue)
        payment = OrderPayment(order=order, local_id=1, amount=Decimal("23.00"), provider="manual")
        refund = OrderRefund(
            order=order, local_id=1, amount=Decimal("5.00"), provider="manual", payment=payment,
            source=OrderRefund.REFUND_SOURCE_ADMIN,
        )
        db_session.add_all([payment, refund])
        db_session.flush()
        assert payment.state == OrderPayment.PAYMENT_STATE_CREATED and payment.info == {}
        assert refund.state == OrderRefund.REFUND_STATE_CREATED
        assert payment.full_id == "ABC12-P-1" and refund.full_id == "ABC12-R-1"
        assert order.payments == [payment] and payment.refunds == [refund]
        assert payment.organizer_id == refund.organizer_id == event.organizer_id
        with pytest.raises(ValueError, match="state must be one of"):
            payment.state = "paid"
        with pytest.raises(ValueError, match="state must be one of"):
            refund.state = "paid"
        with pytest.raises(ValueError, match="source must be one of"):
            refund.source = "robot"


def test_invoice_address_and_invoice_with_lines(db_session: Session, event: Any, catalogue: SimpleNamespace) -> None:
    with scope(event.organizer_id):
        order = make_order(db_session, event, catalogue)
        address = InvoiceAddress(order=order, company="ACME", name_parts={"_scheme": "full", "full_name": "Bob B"})
        invoice = Invoice(
            order=order, event=event, prefix="CONF-", invoice_no="00001", full_invoice_no="CONF-00001",
            date=date(2030, 1, 1), invoice_to_company="ACME",
        )
        invoice.lines.append(InvoiceLine(
            position=1, description="Ticket", gross_value=Decimal("23.00"), tax_value=Decimal("3.67"),
            tax_rate=Decimal("19"), tax_name="VAT", item=catalogue.ticket,
        ))
        cancellation = Invoice(
            order=order, event=event, prefix="CONF-", invoice_no="00002", full_invoice_no="CONF-00002",
            date=date(2030, 1, 2), is_cancellation=True, refers=invoice,
        )
        db_session.add_all([address, invoice, cancellation])
        db_session.flush()
        assert order.invoice_address is address and address.name == "Bob B"
        assert address.transmission_type == "email"
        assert invoice.lines[0].organizer_id == event.organizer_id
        assert invoice.lines[0].net_value == Decimal("19.33")
        assert cancellation.refers is invoice
        assert invoice.transmission_status == Invoice.TRANSMISSION_STATUS_UNKNOWN
        with pytest.raises(ValueError, match="transmission_status"):
            invoice.transmission_status = "lost"


def test_invoices_can_never_be_deleted(db_session: Session, event: Any, catalogue: SimpleNamespace) -> None:
    with scope(event.organizer_id):
        order = make_order(db_session, event, catalogue)
        invoice = Invoice(
            order=order, event=event, prefix="X-", invoice_no="1", full_invoice_no="X-1", date=date(2030, 1, 1)
        )
        db_session.add(invoice)
        db_session.flush()
        db_session.delete(invoice)
        with pytest.raises(InvoiceDeletionError, match="cancellation invoice"):
            db_session.flush()


def test_answers_with_options(db_session: Session, event: Any, catalogue: SimpleNamespace) -> None:
    with scope(event.organizer_id):
        order = make_order(db_session, event, catalogue)
        question = Question(event=event, question=I18nString({"en": "Diet"}), type="M")
        vegan = QuestionOption(question=question, identifier="V", answer=I18nString({"en": "Vegan"}))
        db_session.add_all([question, vegan])
        answer = QuestionAnswer(
            question=question, orderposition=order.all_positions[0], answer="Vegan", options=[vegan]
        )
        db_session.add(answer)
        db_session.flush()
        db_session.expire_all()
        stored = db_session.scalars(select(QuestionAnswer)).one()
        assert stored.organizer_id == event.organizer_id
        assert [o.identifier for o in stored.options] == ["V"]
        assert order.all_positions[0].answers == [stored]


def test_cart_position(db_session: Session, event: Any, catalogue: SimpleNamespace) -> None:
    with scope(event.organizer_id):
        now = datetime.now(UTC)
        parent = CartPosition(
            event=event, cart_id="abc@api", item=catalogue.ticket, price=Decimal("23.00"), expires=now,
            listed_price=Decimal("23.00"), price_after_voucher=Decimal("23.00"), line_price_gross=Decimal("23.00"),
            tax_rate=Decimal("19"),
        )
        addon = CartPosition(
            event=event, cart_id="abc@api", item=catalogue.shirt, price=Decimal("0.00"), expires=now,
            addon_to=parent, is_bundled=True,
        )
        db_session.add_all([parent, addon])
        db_session.flush()
        assert parent.is_api_cart and parent.organizer_id == event.organizer_id
        assert parent.addons == [addon] and parent.datetime is not None
        expired = db_session.scalars(
            select(CartPosition).where(CartPosition.expires < now + timedelta(seconds=1))
        ).all()
        assert set(expired) == {parent, addon}


def test_revoked_ticket_secret(db_session: Session, event: Any, catalogue: SimpleNamespace) -> None:
    with scope(event.organizer_id):
        order = make_order(db_session, event, catalogue)
        position = order.all_positions[0]
        revoked = RevokedTicketSecret(event=event, position=position, secret=position.secret)
        db_session.add(revoked)
        db_session.flush()
        assert revoked.organizer_id == event.organizer_id and revoked.created is not None
