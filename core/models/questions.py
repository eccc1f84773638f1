"""Questions asked of buyers per position, and the options of choice questions."""

from __future__ import annotations

import re
import secrets
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy import Boolean, Column, Date, ForeignKey, Integer, Numeric, String, Table, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db.base import Base, BigId, IdPK, TenantMixin
from core.i18n import I18nString, TranslatedJSON
from core.models.items import check_same_event
from core.models.mixins import InitDefaults
from core.services.slugs import ValidationError

if TYPE_CHECKING:
    from core.models.event import Event
    from core.models.items import Item

IDENTIFIER_PATTERN = re.compile(r"^[a-zA-Z0-9.\-_]+$")
_IDENTIFIER_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ3789"
ValidNumber = Numeric(30, 10)

question_items = Table(
    "question_item",
    Base.metadata,
    Column("question_id", BigId, ForeignKey("question.id", ondelete="CASCADE"), primary_key=True),
    Column("item_id", BigId, ForeignKey("item.id", ondelete="CASCADE"), primary_key=True, index=True),
)

question_dependency_options = Table(
    "question_dependency_option",
    Base.metadata,
    Column("question_id", BigId, ForeignKey("question.id", ondelete="CASCADE"), primary_key=True),
    Column("option_id", BigId, ForeignKey("question_option.id", ondelete="CASCADE"), primary_key=True, index=True),
)


def generate_identifier() -> str:
    """A random 8-character identifier for questions and options that were created without one."""
    return "".join(secrets.choice(_IDENTIFIER_ALPHABET) for _ in range(8))


class Question(InitDefaults, TenantMixin, Base):
    """A question shown for the positions of its ``items``; ``identifier`` is unique per event.

    A dependent question is shown only when ``dependency_question`` was answered with one of
    ``dependency_options`` (choice questions) or with ``dependency_boolean`` (boolean questions).
    """

    __tablename__ = "question"
    __tenant_parent__ = "event"
    __table_args__ = (UniqueConstraint("event_id", "identifier"),)

    TYPE_NUMBER = "N"
    TYPE_STRING = "S"
    TYPE_TEXT = "T"
    TYPE_BOOLEAN = "B"
    TYPE_CHOICE = "C"
    TYPE_CHOICE_MULTIPLE = "M"
    TYPE_FILE = "F"
    TYPE_DATE = "D"
    TYPE_TIME = "H"
    TYPE_DATETIME = "W"
    TYPE_COUNTRYCODE = "CC"
    TYPE_PHONENUMBER = "TEL"
    TYPES = (
        TYPE_NUMBER, TYPE_STRING, TYPE_TEXT, TYPE_BOOLEAN, TYPE_CHOICE, TYPE_CHOICE_MULTIPLE, TYPE_FILE, TYPE_DATE,
        TYPE_TIME, TYPE_DATETIME, TYPE_COUNTRYCODE, TYPE_PHONENUMBER,
    )
    CHOICE_TYPES = (TYPE_CHOICE, TYPE_CHOICE_MULTIPLE)

    id: Mapped[IdPK]
    event_id: Mapped[int] = mapped_column(BigId, ForeignKey("event.id", ondelete="CASCADE"))
    question: Mapped[I18nString] = mapped_column(TranslatedJSON)
    identifier: Mapped[str] = mapped_column(String(190), default=generate_identifier)
    help_text: Mapped[I18nString | None] = mapped_column(TranslatedJSON)
    type: Mapped[str] = mapped_column(String(5))
    required: Mapped[bool] = mapped_column(Boolean, default=False)
    position: Mapped[int] = mapped_column(Integer, default=0)
    ask_during_checkin: Mapped[bool] = mapped_column(Boolean, default=False)
    show_during_checkin: Mapped[bool] = mapped_column(Boolean, default=False)
    hidden: Mapped[bool] = mapped_column(Boolean, default=False)
    print_on_invoice: Mapped[bool] = mapped_column(Boolean, default=False)
    dependency_question_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("question.id", ondelete="SET NULL"), index=True
    )
    dependency_boolean: Mapped[bool | None] = mapped_column(Boolean)
    valid_number_min: Mapped[Decimal | None] = mapped_column(ValidNumber)
    valid_number_max: Mapped[Decimal | None] = mapped_column(ValidNumber)
    valid_date_min: Mapped[date | None] = mapped_column(Date)
    valid_date_max: Mapped[date | None] = mapped_column(Date)
    valid_datetime_min: Mapped[datetime | None]
    valid_datetime_max: Mapped[datetime | None]
    valid_string_length_min: Mapped[int | None] = mapped_column(Integer)
    valid_string_length_max: Mapped[int | None] = mapped_column(Integer)
    valid_file_portrait: Mapped[bool] = mapped_column(Boolean, default=False)

    event: Mapped[Event] = relationship()
    items: Mapped[list[Item]] = relationship(secondary=question_items)
    options: Mapped[list[QuestionOption]] = relationship(
        back_populates="question", cascade="all, delete-orphan", foreign_keys="QuestionOption.question_id",
        order_by="(QuestionOption.position, QuestionOption.id)",
    )
    dependency_question: Mapped[Question | None] = relationship(
        remote_side="Question.id", foreign_keys=[dependency_question_id]
    )
    dependency_options: Mapped[list[QuestionOption]] = relationship(secondary=question_dependency_options)

    @property
    def dependency_values(self) -> list[str]:
        """pretix's API shape of the dependency: option identifiers, or ``["True"]`` / ``["False"]``."""
        if self.dependency_boolean is not None:
            return [str(self.dependency_boolean)]
        return [option.identifier for option in self.dependency_options]

    def __repr__(self) -> str:
        return f"<Question {self.identifier} {self.type}>"


class QuestionOption(InitDefaults, TenantMixin, Base):
    """One answer option of a choice question; ``identifier`` is unique per question."""

    __tablename__ = "question_option"
    __tenant_parent__ = "question"
    __table_args__ = (UniqueConstraint("question_id", "identifier"),)

    id: Mapped[IdPK]
    question_id: Mapped[int] = mapped_column(BigId, ForeignKey("question.id", ondelete="CASCADE"))
    identifier: Mapped[str] = mapped_column(String(190), default=generate_identifier)
    answer: Mapped[I18nString] = mapped_column(TranslatedJSON)
    position: Mapped[int] = mapped_column(Integer, default=0)

    question: Mapped[Question] = relationship(back_populates="options", foreign_keys=[question_id])

    def __repr__(self) -> str:
        return f"<QuestionOption {self.identifier}>"


def _check_range(question: Question, name: str) -> None:
    low, high = getattr(question, f"valid_{name}_min"), getattr(question, f"valid_{name}_max")
    if low is not None and high is not None and high < low:
        raise ValidationError(f"valid_{name}_max", f"valid_{name}_max is below valid_{name}_min")


def validate_question(question: Question) -> None:
    """Raise :class:`ValidationError` unless type, identifier, limits, check-in flags and dependency are valid.

    File questions cannot be asked or shown at check-in; a dependency points to another boolean or
    choice question of the same event without forming a cycle, and its options belong to it.
    """
    if not I18nString(question.question):
        raise ValidationError("question", "the question needs a text")
    if question.type not in Question.TYPES:
        raise ValidationError(
            "type", f"unknown question type {question.type!r}: use one of {', '.join(Question.TYPES)}"
        )
    if question.identifier is not None and not IDENTIFIER_PATTERN.match(question.identifier):
        raise ValidationError("identifier", "the identifier may only contain letters, digits, '.', '-' and '_'")
    if question.type == Question.TYPE_FILE and (question.ask_during_checkin or question.show_during_checkin):
        raise ValidationError("ask_during_checkin", "file questions cannot be asked or shown during check-in")
    for name in ("number", "date", "datetime", "string_length"):
        _check_range(question, name)
    event_id = question.event_id if question.event_id is not None else getattr(question.event, "id", None)
    for item in question.items:
        check_same_event(event_id, "items", item, "product")
    for option in question.options:
        if not IDENTIFIER_PATTERN.match(option.identifier or generate_identifier()):
            raise ValidationError("options", f"option identifier {option.identifier!r} is invalid")
    _validate_dependency(question, event_id)


def _validate_dependency(question: Question, event_id: int | None) -> None:
    parent = question.dependency_question
    if parent is None:
        if question.dependency_options or question.dependency_boolean is not None:
            raise ValidationError("dependency_question", "dependency values need a dependency question")
        return
    check_same_event(event_id, "dependency_question", parent, "question")
    seen: set[int] = {id(question)}
    current: Question | None = parent
    while current is not None:
        if id(current) in seen:
            raise ValidationError("dependency_question", "question dependencies must not form a cycle")
        seen.add(id(current))
        current = current.dependency_question
    if parent.type == Question.TYPE_BOOLEAN:
        if question.dependency_boolean is None or question.dependency_options:
            raise ValidationError("dependency_values", "a dependency on a yes/no question needs True or False")
    elif parent.type in Question.CHOICE_TYPES:
        if not question.dependency_options or question.dependency_boolean is not None:
            raise ValidationError("dependency_values", "a dependency on a choice question needs one of its options")
        if any(option.question is not parent for option in question.dependency_options):
            raise ValidationError("dependency_values", "the dependency options belong to another question")
    else:
        raise ValidationError("dependency_question", "questions can only depend on yes/no or choice questions")
