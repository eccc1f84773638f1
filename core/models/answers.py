"""Answers to questions, attached to exactly one of an order position, a cart position or an order."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, Column, ForeignKey, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db.base import Base, BigId, IdPK, TenantMixin

if TYPE_CHECKING:
    from core.models.cart import CartPosition
    from core.models.orders import Order
    from core.models.positions import OrderPosition
    from core.models.questions import Question, QuestionOption

question_answer_options = Table(
    "question_answer_option",
    Base.metadata,
    Column("question_answer_id", BigId, ForeignKey("question_answer.id", ondelete="CASCADE"), primary_key=True),
    Column("question_option_id", BigId, ForeignKey("question_option.id", ondelete="CASCADE"), primary_key=True,
           index=True),
)

_EXACTLY_ONE_OWNER = (
    "(CASE WHEN orderposition_id IS NULL THEN 0 ELSE 1 END)"
    " + (CASE WHEN cartposition_id IS NULL THEN 0 ELSE 1 END)"
    " + (CASE WHEN order_id IS NULL THEN 0 ELSE 1 END) = 1"
)


class QuestionAnswer(TenantMixin, Base):
    """The answer to one question: ``answer`` as text (choices also in ``options``), ``file`` for file questions.

    It belongs to exactly one of ``orderposition``, ``cartposition`` or ``order`` (database check constraint).
    """

    __tablename__ = "question_answer"
    __tenant_parent__ = "question"
    __table_args__ = (CheckConstraint(_EXACTLY_ONE_OWNER, name="exactly_one_owner"),)

    id: Mapped[IdPK]
    question_id: Mapped[int] = mapped_column(BigId, ForeignKey("question.id", ondelete="CASCADE"), index=True)
    orderposition_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("order_position.id", ondelete="CASCADE"), index=True
    )
    cartposition_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("cart_position.id", ondelete="CASCADE"), index=True
    )
    order_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    answer: Mapped[str] = mapped_column(Text, default="")
    file: Mapped[str | None] = mapped_column(String(255))

    question: Mapped[Question] = relationship("Question")
    options: Mapped[list[QuestionOption]] = relationship("QuestionOption", secondary=question_answer_options)
    orderposition: Mapped[OrderPosition | None] = relationship(back_populates="answers")
    cartposition: Mapped[CartPosition | None] = relationship(back_populates="answers")
    order: Mapped[Order | None] = relationship(back_populates="answers")

    def __repr__(self) -> str:
        return f"<QuestionAnswer q={self.question_id} {self.answer!r}>"
