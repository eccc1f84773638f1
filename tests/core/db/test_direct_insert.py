"""Direct inserts: the rows equal what a flush writes, the objects end persistent, a rollback is undone."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import select

from core.db.direct_insert import insert_new
from core.i18n import I18nString
from core.models import (
    InvoiceAddress,
    Order,
    OrderFee,
    OrderPayment,
    OrderPosition,
    Question,
    QuestionAnswer,
    QuestionOption,
)
from core.models.usage import count_inserted, pending_usage

MOMENT = dt.datetime(2030, 1, 1, 12, tzinfo=dt.UTC)


def build(catalogue, code="DIRECT1"):
    event = catalogue.event
    order = Order(event=event, organizer_id=event.organizer_id, code=code, status="n", email="a@example.org",
                  locale="en", sales_channel=catalogue.web, total=Decimal("40.00"), datetime=MOMENT,
                  expires=MOMENT + dt.timedelta(days=3))
    order.invoice_address = InvoiceAddress(organizer_id=event.organizer_id, company="Acme", country="DE")
    parent = OrderPosition(order=order, organizer_id=event.organizer_id, positionid=1, item=catalogue.ticket,
                           price=Decimal("23.00"))
    addon = OrderPosition(order=order, organizer_id=event.organizer_id, positionid=2, item=catalogue.shirt,
                          variation=catalogue.shirt_s, price=Decimal("15.00"), addon_to=parent)
    fee = OrderFee(organizer_id=event.organizer_id, fee_type="payment", value=Decimal("2.00"), internal_type="manual")
    order.all_fees = [fee]
    payment = OrderPayment(order=order, organizer_id=event.organizer_id, local_id=1, provider="manual",
                           amount=order.total, state="created", fee=fee)
    return order, [order, order.invoice_address, parent, addon, fee, payment]


def test_rows_and_objects(db_session, catalogue, record_statements):
    order, objects = build(catalogue)
    with record_statements() as seen:
        insert_new(db_session, objects)
    assert [s.split()[2] for s in seen] == ["orders", "invoice_address", "order_position", "order_position",
                                            "order_fee", "order_payment"]
    _, address, parent, addon, fee, payment = objects
    assert all(obj in db_session and not db_session.is_modified(obj) for obj in objects)
    assert not db_session.new and not db_session.dirty
    assert address.order_id == parent.order_id == fee.order_id == payment.order_id == order.id
    assert addon.addon_to_id == parent.id and payment.fee_id == fee.id
    assert order.last_modified is not None and order.secret  # column defaults returned by the insert
    with record_statements() as seen:
        assert order.all_positions == [parent, addon] and order.payments == [payment]
    assert seen == []
    db_session.expire_all()
    stored = db_session.scalar(select(Order).where(Order.code == "DIRECT1"))
    assert [(p.positionid, p.item_id, p.variation_id, p.price, p.addon_to_id) for p in stored.all_positions] == [
        (1, catalogue.ticket.id, None, Decimal("23.00"), None),
        (2, catalogue.shirt.id, catalogue.shirt_s.id, Decimal("15.00"), parent.id)]
    assert stored.invoice_address.company == "Acme"
    assert [(p.provider, p.fee_id) for p in stored.payments] == [("manual", fee.id)]


def test_objects_change_like_flushed_ones(db_session, catalogue):
    order, objects = build(catalogue)
    insert_new(db_session, objects)
    order.email = "b@example.org"
    db_session.flush()
    db_session.expire_all()
    assert db_session.scalar(select(Order.email).where(Order.id == order.id)) == "b@example.org"


def test_forget_after_rollback(db_session, catalogue):
    _order, objects = build(catalogue)
    savepoint = db_session.begin_nested()
    insert_new(db_session, objects)
    savepoint.rollback()
    assert not any(obj in db_session for obj in objects)
    assert db_session.scalar(select(Order).where(Order.code == "DIRECT1")) is None
    again, more = build(catalogue)
    insert_new(db_session, more)
    assert db_session.scalar(select(Order.id).where(Order.code == "DIRECT1")) == again.id


def test_rollback_forgets_only_what_it_rolls_back(db_session, catalogue):
    _order, before = build(catalogue, code="BEFORE1")
    insert_new(db_session, before)
    outer = db_session.begin_nested()
    inner = db_session.begin_nested()
    _order, inside = build(catalogue, code="INSIDE1")
    insert_new(db_session, inside)
    inner.commit()
    outer.rollback()
    assert not any(obj in db_session for obj in inside)
    assert all(obj in db_session for obj in before)
    assert db_session.scalars(select(Order.code).order_by(Order.code)).all() == ["BEFORE1"]


def test_usage_of_inserted_order_is_counted(db_session, catalogue):
    order, objects = build(catalogue)
    insert_new(db_session, objects)
    count_inserted(db_session, order, order.all_positions)
    event_id = catalogue.event.id
    assert pending_usage(db_session) == {((catalogue.ticket.id, 0, 0), event_id): [0, 1],
                                         ((catalogue.shirt.id, catalogue.shirt_s.id, 0), event_id): [0, 1]}


def test_refusals(db_session, catalogue):
    order, objects = build(catalogue)
    insert_new(db_session, objects)
    with pytest.raises(ValueError, match="transient objects only"):
        insert_new(db_session, [order])
    question = Question(event=catalogue.event, organizer_id=order.organizer_id, question=I18nString({"en": "Q"}),
                        type="C")
    option = QuestionOption(question=question, organizer_id=order.organizer_id, answer=I18nString({"en": "A"}))
    db_session.add(option)
    db_session.flush()
    answer = QuestionAnswer(organizer_id=order.organizer_id, orderposition=order.all_positions[0], answer="A",
                            question=question, options=[option])
    with pytest.raises(ValueError, match="many-to-many"):
        insert_new(db_session, [answer])
