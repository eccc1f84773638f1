"""Questions of an event (with their options on creation): create, change, delete (answers go with them)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from core.logs import log_action
from core.models import Event, Item, Question
from core.models.questions import validate_question
from core.services.catalogue.question_options import add_option
from core.services.catalogue.references import apply_fields, log_value, many, one
from core.services.slugs import ValidationError

FIELDS = (
    "question", "identifier", "help_text", "type", "required", "position", "ask_during_checkin",
    "show_during_checkin", "hidden", "print_on_invoice", "valid_number_min", "valid_number_max", "valid_date_min",
    "valid_date_max", "valid_datetime_min", "valid_datetime_max", "valid_string_length_min",
    "valid_string_length_max", "valid_file_portrait",
)


def _dependency(session: Session, event: Event, question: Question, values: dict[str, Any]) -> None:
    parent = question.dependency_question
    if "dependency_question" in values:
        parent = one(session, Question, event, values.pop("dependency_question"), "dependency_question")
    wanted = values.pop("dependency_values", None)
    if wanted is None:
        wanted = question.dependency_values if parent is not None else []
    question.dependency_question = parent
    question.dependency_boolean = None
    question.dependency_options = []
    if parent is None or not wanted:
        return
    if parent.type == Question.TYPE_BOOLEAN:
        question.dependency_boolean = wanted[0] == "True"
        return
    by_identifier = {option.identifier: option for option in parent.options}
    unknown = [value for value in wanted if value not in by_identifier]
    if unknown:
        raise ValidationError("dependency_values", f"Unknown option identifier: {unknown[0]}")
    question.dependency_options = [by_identifier[value] for value in wanted]


def _apply(session: Session, event: Event, question: Question, values: dict[str, Any]) -> None:
    values = dict(values)
    if "items" in values:
        question.items = many(session, Item, event, values.pop("items") or [], "items")
    if "dependency_question" in values or "dependency_values" in values:
        _dependency(session, event, question, values)
    if values.get("identifier") is None:
        values.pop("identifier", None)
    apply_fields(question, values, FIELDS, "question")
    if question.identifier is not None:
        taken = session.scalar(select(exists().where(
            Question.event_id == event.id, Question.identifier == question.identifier,
            Question.id != (question.id or 0))))
        if taken:
            raise ValidationError("identifier", "This identifier is already used for a different question.")
    validate_question(question)


def create_question(session: Session, event: Event, values: dict[str, Any], *, options: list[dict[str, Any]] = (),
                    user: Any = None, auth: Any = None) -> Question:
    """A new question of ``event`` with ``options`` (values dicts); ``items`` and the dependency are ids."""
    question = Question(event_id=event.id, organizer_id=event.organizer_id, event=event)
    with session.no_autoflush:
        _apply(session, event, question, values)
    for position, option in enumerate(options):
        add_option(question, {"position": position, **option})
    validate_question(question)
    session.add(question)
    session.flush()
    log_action(question, "pretix.event.question.added", _log_data(question), user=user, auth=auth)
    return question


def update_question(session: Session, event: Event, question: Question, values: dict[str, Any], *,
                    user: Any = None, auth: Any = None) -> Question:
    """Change the given fields of ``question`` (options have their own service)."""
    with session.no_autoflush:
        _apply(session, event, question, values)
    session.flush()
    log_action(question, "pretix.event.question.changed", _log_data(question), user=user, auth=auth)
    return question


def delete_question(session: Session, question: Question, *, user: Any = None, auth: Any = None) -> None:
    """Delete ``question`` with its options and answers; questions depending on it no longer depend on anything."""
    log_action(question, "pretix.event.question.deleted", {"id": question.id, "identifier": question.identifier},
               user=user, auth=auth)
    for child in session.scalars(select(Question).where(Question.dependency_question_id == question.id)):
        child.dependency_question = None
        child.dependency_boolean = None
        child.dependency_options = []
    session.delete(question)
    session.flush()


def _log_data(question: Question) -> dict[str, Any]:
    data = {key: log_value(getattr(question, key)) for key in FIELDS}
    data.update(items=log_value(question.items), dependency_question=log_value(question.dependency_question),
                dependency_values=question.dependency_values,
                options=[{"identifier": o.identifier, "answer": o.answer} for o in question.options])
    return data
