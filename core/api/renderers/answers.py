"""pretix's ``answers`` lists of order and cart positions, loaded for a whole page with two queries."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from sqlalchemy import BigInteger, any_, bindparam, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

from core.models import Question, QuestionAnswer, QuestionOption
from core.models.answers import question_answer_options


def among(session: Session, column: Any, ids: Iterable[int]) -> Any:
    """``column IN ids``; on PostgreSQL one array parameter (``= ANY(...)``), which keeps the statement short and
    cacheable whatever the number of ids, instead of one bound parameter per id."""
    values = list(ids)
    if session.get_bind().dialect.name == "postgresql":
        return column == any_(bindparam(None, values, type_=ARRAY(BigInteger)))
    return column.in_(values)


def answers_of(session: Session, column: Any, position_ids: Sequence[int], *,
               file_url: Callable[[int, int], str] | None = None) -> dict[int, list[dict[str, Any]]]:
    """``{position id: [answer JSON, ...]}`` in question order for the answers whose ``column`` is in the ids.

    ``column`` is ``QuestionAnswer.orderposition_id`` or ``QuestionAnswer.cartposition_id``; a file answer is
    shown as ``file_url(position id, question id)`` when given.
    """
    out: dict[int, list[dict[str, Any]]] = defaultdict(list)
    if not position_ids:
        return out
    rows = session.execute(
        select(QuestionAnswer.id, column, QuestionAnswer.question_id, QuestionAnswer.answer, QuestionAnswer.file,
               Question.identifier)
        .join(Question, Question.id == QuestionAnswer.question_id)
        .where(among(session, column, position_ids))
        .order_by(column, Question.position, Question.id)
    ).all()
    options: dict[int, list[tuple[int, str]]] = defaultdict(list)
    if rows:
        link = question_answer_options.c
        for answer_id, option_id, identifier in session.execute(
            select(link.question_answer_id, QuestionOption.id, QuestionOption.identifier)
            .join(QuestionOption, QuestionOption.id == link.question_option_id)
            .where(among(session, link.question_answer_id, [r[0] for r in rows]))
            .order_by(QuestionOption.position, QuestionOption.id)
        ):
            options[answer_id].append((option_id, identifier))
    for answer_id, position_id, question_id, text, file, identifier in rows:
        if file and file_url is not None:
            text = file_url(position_id, question_id)
        chosen = options.get(answer_id, [])
        out[position_id].append({
            "question": question_id, "answer": text, "question_identifier": identifier,
            "options": [o[0] for o in chosen], "option_identifiers": [o[1] for o in chosen],
        })
    return out


def cart_answers(session: Session, position_ids: Sequence[int]) -> dict[int, list[dict[str, Any]]]:
    """``{cart position id: [answer JSON, ...]}`` in question order."""
    return answers_of(session, QuestionAnswer.cartposition_id, position_ids)
