"""Answers to questions on API input (cart positions, order positions), validated as pretix validates them.

:func:`parse_answers` checks a list of :class:`AnswerIn` against the event's questions and returns the
answers ready to store, or raises :class:`AnswerErrors` carrying pretix's per-answer field errors
(``[{}, {"options": ["..."]}]``), which callers place under their ``answers`` key. :func:`store_answers`
replaces the answers of one position. A file question is answered with the id of an upload of the same
principal (``file:<uuid>``, see :mod:`core.services.uploads`) or, in a PATCH, ``file:keep``; the file is
stored below ``<ticketry.var_dir>/files/answers/`` and :func:`answer_file` reads it back.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from pydantic import Field
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from core.api.schemas import ApiInput
from core.models import Event, Question, QuestionAnswer, QuestionOption
from core.pluginhost.registry import current_registry
from core.services.uploads import UploadError, resolve_upload
from core.settings import FileUpload

#: pretix's magic answer of PATCH: keep the stored file of a file question.
FILE_KEEP = "file:keep"


class AnswerIn(ApiInput):
    question: int
    answer: str = Field(default="", max_length=100_000)
    options: list[int] = []


@dataclass
class ParsedAnswer:
    question: Question
    answer: str
    options: list[QuestionOption] = field(default_factory=list)
    keep_file: bool = False
    upload: FileUpload | None = None


class AnswerErrors(Exception):
    """Per-answer field errors, one dict per submitted answer (empty for valid ones)."""

    def __init__(self, errors: list[dict[str, list[str]]]) -> None:
        super().__init__("invalid answers")
        self.errors = errors


def _normalise(question: Question, text: str) -> str:
    kind = question.type
    if kind == Question.TYPE_NUMBER:
        try:
            return str(Decimal(text))
        except InvalidOperation:
            raise ValueError("A valid number is required.") from None
    if kind == Question.TYPE_BOOLEAN:
        if text.lower() not in ("true", "false"):
            raise ValueError("Must be a valid boolean.")
        return "True" if text.lower() == "true" else "False"
    parsers = {Question.TYPE_DATE: (dt.date.fromisoformat, "Date has wrong format."),
               Question.TYPE_TIME: (dt.time.fromisoformat, "Time has wrong format."),
               Question.TYPE_DATETIME: (dt.datetime.fromisoformat, "Datetime has wrong format.")}
    if kind in parsers:
        parse, message = parsers[kind]
        try:
            return parse(text).isoformat()
        except ValueError:
            raise ValueError(message) from None
    return text


def _parse_file(session: Session, identity: Any, question: Question, given: AnswerIn) -> ParsedAnswer:
    if given.answer == FILE_KEEP:
        return ParsedAnswer(question, "", keep_file=True)
    try:
        upload = resolve_upload(session, identity, given.answer)
    except UploadError as exc:
        raise ValueError(str(exc)) from None
    return ParsedAnswer(question, f"file://{upload.filename}", upload=upload)


def _parse_one(question: Question, given: AnswerIn, options: dict[int, QuestionOption]) -> ParsedAnswer:
    if question.type in Question.CHOICE_TYPES:
        chosen = [options.get(option_id) for option_id in given.options]
        if not chosen:
            raise ValueError("You need to specify options if the question is of a choice type.")
        if any(option is None or option.question_id != question.id for option in chosen):
            raise KeyError("options")
        if question.type == Question.TYPE_CHOICE and len(chosen) > 1:
            raise ValueError("You can specify at most one option for this question.")
        text = ", ".join(str(option.answer) for option in chosen if option is not None)
        return ParsedAnswer(question, text, [option for option in chosen if option is not None])
    if given.options:
        raise ValueError("You should not specify options if the question is not of a choice type.")
    return ParsedAnswer(question, _normalise(question, given.answer))


def parse_answers(session: Session, event: Event, given: list[AnswerIn], identity: Any = None) -> list[ParsedAnswer]:
    """Validate ``given`` against the questions of ``event`` (two queries); raises :class:`AnswerErrors`.

    ``identity`` is the principal whose uploads may answer file questions.
    """
    questions = {q.id: q for q in session.scalars(
        select(Question).where(Question.event_id == event.id, Question.id.in_({a.question for a in given})))}
    wanted = {option_id for a in given for option_id in a.options}
    options = {o.id: o for o in session.scalars(select(QuestionOption).where(QuestionOption.id.in_(wanted)))}
    errors: list[dict[str, list[str]]] = []
    parsed: list[ParsedAnswer] = []
    seen: set[int] = set()
    for answer in given:
        question = questions.get(answer.question)
        if question is None:
            errors.append({"question": [f'Invalid pk "{answer.question}" - object does not exist.']})
            continue
        if question.id in seen:
            errors.append({"question": ["You can not specify the same question twice."]})
            continue
        seen.add(question.id)
        try:
            if question.type == Question.TYPE_FILE:
                parsed.append(_parse_file(session, identity, question, answer))
            else:
                parsed.append(_parse_one(question, answer, options))
            errors.append({})
        except KeyError:
            errors.append({"options": ["You specified an option that does not belong to this question."]})
        except ValueError as exc:
            errors.append({"answer": [str(exc)]})
    if any(errors):
        raise AnswerErrors(errors)
    return parsed


def store_answers(session: Session, owner: dict[str, Any], organizer_id: int, parsed: list[ParsedAnswer]) -> None:
    """Replace the answers of one owner (``{"orderposition_id": id}`` or ``{"cartposition_id": id}``).

    Answers marked ``keep_file`` keep the stored answer of their question.
    """
    (column, owner_id), = owner.items()
    owner_column = getattr(QuestionAnswer, column)
    kept = [p.question.id for p in parsed if p.keep_file]
    stmt = delete(QuestionAnswer).where(owner_column == owner_id)
    if kept:
        stmt = stmt.where(QuestionAnswer.question_id.not_in(kept))
    session.execute(stmt)
    for answer in parsed:
        if answer.keep_file:
            continue
        stored = _store_file(organizer_id, answer.upload) if answer.upload is not None else None
        session.add(QuestionAnswer(organizer_id=organizer_id, question=answer.question, answer=answer.answer,
                                   options=list(answer.options), file=stored, **owner))
    session.flush()


def _files_root() -> Path:
    return Path(str(current_registry().settings.get("ticketry.var_dir", "var"))) / "files"


def _store_file(organizer_id: int, upload: FileUpload) -> str:
    name = Path(upload.filename).name or "answer"
    relative = Path("answers") / str(organizer_id) / uuid.uuid4().hex / name
    target = _files_root() / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(upload.read())
    return relative.as_posix()


def answer_file(answer: QuestionAnswer) -> tuple[str, bytes] | None:
    """``(file name, bytes)`` of a file answer, or None if it has no stored file (or the file is gone)."""
    if not answer.file:
        return None
    path = _files_root() / answer.file
    if not path.is_file():
        return None
    return path.name, path.read_bytes()
