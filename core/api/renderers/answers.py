"""pretix's ``answers`` lists of cart positions, loaded for a whole page with two queries."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.models import Question, QuestionAnswer, QuestionOption
from core.models.answers import question_answer_options


def cart_answers(session: Session, position_ids: Sequence[int]) -> dict[int, list[dict[str, Any]]]:
    """``{cart position id: [answer JSON, ...]}`` in question order."""
    out: dict[int, list[dict[str, Any]]] = defaultdict(list)
    if not position_ids:
        return out
    rows = session.execute(
        select(QuestionAnswer.id, QuestionAnswer.cartposition_id, QuestionAnswer.question_id, QuestionAnswer.answer,
               Question.identifier)
        .join(Question, Question.id == QuestionAnswer.question_id)
        .where(QuestionAnswer.cartposition_id.in_(position_ids))
        .order_by(QuestionAnswer.cartposition_id, Question.position, Question.id)
    ).all()
    options: dict[int, list[tuple[int, str]]] = defaultdict(list)
    if rows:
        link = question_answer_options.c
        for answer_id, option_id, identifier in session.execute(
            select(link.question_answer_id, QuestionOption.id, QuestionOption.identifier)
            .join(QuestionOption, QuestionOption.id == link.question_option_id)
            .where(link.question_answer_id.in_([r[0] for r in rows]))
            .order_by(QuestionOption.position, QuestionOption.id)
        ):
            options[answer_id].append((option_id, identifier))
    for answer_id, position_id, question_id, text, identifier in rows:
        chosen = options.get(answer_id, [])
        out[position_id].append({
            "question": question_id, "answer": text, "question_identifier": identifier,
            "options": [o[0] for o in chosen], "option_identifiers": [o[1] for o in chosen],
        })
    return out
