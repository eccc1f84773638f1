"""Database constraints of the order models, on SQLite and PostgreSQL alike."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core.db.tenancy import scope, scopes_disabled
from core.i18n import I18nString
from core.models import Event, Order, OrderPayment, OrderPosition, Organizer, Question, QuestionAnswer
from tests.core.models.test_orders import make_catalogue, make_order


@pytest.fixture
def catalogue(db_session: Session, event: Any) -> SimpleNamespace:
    return make_catalogue(db_session, event)


@pytest.fixture
def other(db_session: Session) -> SimpleNamespace:
    """A second organizer with its own event and catalogue."""
    organizer = Organizer(slug="other", name="Other")
    db_session.add(organizer)
    db_session.flush()
    event = Event(organizer=organizer, slug="conf", name=I18nString({"en": "Other"}),
                  date_from=datetime(2030, 1, 1, tzinfo=UTC))
    with scopes_disabled():
        db_session.add(event)
        db_session.flush()
    return SimpleNamespace(organizer=organizer, event=event, catalogue=make_catalogue(db_session, event))


def _refused(session: Session, *objects: Any) -> None:
    with pytest.raises(IntegrityError):
        with session.begin_nested():
            session.add_all(objects)
            session.flush()


def test_order_code_is_unique_per_organizer(
    db_session: Session, event: Any, catalogue: SimpleNamespace, other: SimpleNamespace
) -> None:
    with scope(event.organizer_id):
        make_order(db_session, event, catalogue, code="SAME1")
        duplicate = Order(event=event, code="SAME1", expires=datetime(2030, 1, 1, tzinfo=UTC),
                          sales_channel=catalogue.channel, status=Order.STATUS_CANCELED)
        _refused(db_session, duplicate)
    with scope(other.organizer.id):
        elsewhere = make_order(db_session, other.event, other.catalogue, code="SAME1")
        assert elsewhere.id is not None


def test_ticket_secret_is_unique_per_organizer(
    db_session: Session, event: Any, catalogue: SimpleNamespace, other: SimpleNamespace
) -> None:
    with scope(event.organizer_id):
        first = make_order(db_session, event, catalogue, code="FIRST", prices=("1.00",))
        second = make_order(db_session, event, catalogue, code="SECON", prices=("1.00",), journal=False)
        secret = first.all_positions[0].secret
        with pytest.raises(IntegrityError):
            with db_session.begin_nested():
                second.all_positions[0].secret = secret
                db_session.flush()
    with scope(other.organizer.id):
        foreign = make_order(db_session, other.event, other.catalogue, code="THIRD", prices=("1.00",))
        foreign.all_positions[0].secret = secret
        db_session.flush()


def test_pseudonymization_id_is_globally_unique(
    db_session: Session, event: Any, catalogue: SimpleNamespace, other: SimpleNamespace
) -> None:
    with scope(event.organizer_id):
        mine = make_order(db_session, event, catalogue, code="MINE1")
    with scope(other.organizer.id):
        theirs = make_order(db_session, other.event, other.catalogue, code="THEIR", journal=False)
        with pytest.raises(IntegrityError):
            with db_session.begin_nested():
                theirs.all_positions[0].pseudonymization_id = mine.all_positions[0].pseudonymization_id
                db_session.flush()


def test_position_ids_and_payment_ids_are_unique_per_order(
    db_session: Session, event: Any, catalogue: SimpleNamespace
) -> None:
    with scope(event.organizer_id):
        order = make_order(db_session, event, catalogue)
        ids = {"order_id": order.id, "organizer_id": order.organizer_id}
        _refused(db_session, OrderPosition(**ids, positionid=1, item_id=catalogue.ticket.id, price=Decimal("1")))
        db_session.add(OrderPayment(**ids, local_id=1, amount=Decimal("1"), provider="manual"))
        db_session.flush()
        _refused(db_session, OrderPayment(**ids, local_id=1, amount=Decimal("1"), provider="manual"))


def test_answer_belongs_to_exactly_one_owner(db_session: Session, event: Any, catalogue: SimpleNamespace) -> None:
    with scope(event.organizer_id):
        order = make_order(db_session, event, catalogue)
        question = Question(event=event, question=I18nString({"en": "Shoe size"}), type="N")
        db_session.add(question)
        db_session.flush()
        position = order.all_positions[0]
        _refused(db_session, QuestionAnswer(question_id=question.id, answer="42", organizer_id=event.organizer_id))
        _refused(db_session, QuestionAnswer(
            question_id=question.id, answer="42", orderposition_id=position.id, order_id=order.id,
            organizer_id=event.organizer_id,
        ))
        db_session.add_all([
            QuestionAnswer(question=question, answer="42", orderposition=position),
            QuestionAnswer(question=question, answer="43", order=order),
        ])
        db_session.flush()
