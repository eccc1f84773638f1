"""Options of choice questions: create, change, delete (logged on the question: ``pretix.event.question.option.*``)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from core.logs import log_action
from core.models import Question, QuestionOption
from core.models.questions import validate_question
from core.services.catalogue.references import apply_fields
from core.services.slugs import ValidationError

FIELDS = ("identifier", "answer", "position")


def _apply(question: Question, option: QuestionOption, values: dict[str, Any]) -> None:
    values = dict(values)
    if values.get("identifier") is None:
        values.pop("identifier", None)
    apply_fields(option, values, FIELDS, "option")
    if not option.answer:
        raise ValidationError("answer", "This field is required.")
    if option.identifier and any(other is not option and other.identifier == option.identifier
                                 for other in question.options):
        raise ValidationError(
            "identifier", f'The identifier "{option.identifier}" is already used for a different option.')


def add_option(question: Question, values: dict[str, Any]) -> QuestionOption:
    """Append a new option to ``question`` (not logged: part of creating or changing the question)."""
    option = QuestionOption(organizer_id=question.organizer_id)
    _apply(question, option, values)
    question.options.append(option)
    return option


def create_option(session: Session, question: Question, values: dict[str, Any], *, user: Any = None,
                  auth: Any = None) -> QuestionOption:
    """A new option of ``question``."""
    option = add_option(question, values)
    validate_question(question)
    session.flush()
    log_action(question, "pretix.event.question.option.added", _log_data(option), user=user, auth=auth)
    return option


def update_option(session: Session, option: QuestionOption, values: dict[str, Any], *, user: Any = None,
                  auth: Any = None) -> QuestionOption:
    """Change the given fields of ``option``."""
    _apply(option.question, option, values)
    validate_question(option.question)
    session.flush()
    log_action(option.question, "pretix.event.question.option.changed", _log_data(option), user=user, auth=auth)
    return option


def delete_option(session: Session, option: QuestionOption, *, user: Any = None, auth: Any = None) -> None:
    """Delete ``option`` (answers lose it)."""
    question = option.question
    log_action(question, "pretix.event.question.option.deleted", _log_data(option), user=user, auth=auth)
    question.options.remove(option)
    session.flush()


def _log_data(option: QuestionOption) -> dict[str, Any]:
    return {"id": option.id, "identifier": option.identifier, "answer": option.answer, "position": option.position}
