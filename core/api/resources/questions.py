"""``/organizers/{o}/events/{e}/questions/``: questions (CRUD, options nested) and ``{q}/options/`` (CRUD).

Options may be sent when a question is created; afterwards they change through the options endpoints.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from pydantic import Field
from pyramid.config import Configurator
from pyramid.request import Request
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from core.api.conditional import check_list_modified
from core.api.endpoints import actor
from core.api.pagination import Ordering, get_object, paginate
from core.api.resources.catalogue_fields import (
    Count,
    Int,
    Moment,
    Number,
    Ref,
    body_values,
    dump,
    patch_model,
    path_id,
    refuse_nested,
)
from core.api.schemas import ApiInput, ApiModel, I18n
from core.models import Question, QuestionOption
from core.security.permissions import MEMBER
from core.services.catalogue.question_options import create_option, delete_option, update_option
from core.services.catalogue.questions import create_question, delete_question, update_question

WRITE = "event.items:write"
LIST = "/organizers/{organizer}/events/{event}/questions/"
DETAIL = LIST + r"{id:\d+}/"
OPTIONS = LIST + r"{question:\d+}/options/"
OPTION = OPTIONS + r"{id:\d+}/"


class OptionOut(ApiModel):
    id: int
    identifier: str
    position: int
    answer: I18n


class OptionIn(ApiInput):
    answer: I18n
    identifier: str | None = Field(default=None, max_length=190)
    position: Int = 0


OptionPatch = patch_model(OptionIn)


class QuestionOut(ApiModel):
    id: int
    question: I18n
    type: str
    required: bool
    items: list[int]
    options: list[OptionOut]
    position: int
    ask_during_checkin: bool
    show_during_checkin: bool
    identifier: str
    dependency_question: int | None
    dependency_values: list[str]
    hidden: bool
    dependency_value: str | None
    print_on_invoice: bool
    help_text: I18n | None
    valid_number_min: Decimal | None
    valid_number_max: Decimal | None
    valid_date_min: date | None
    valid_date_max: date | None
    valid_datetime_min: datetime | None
    valid_datetime_max: datetime | None
    valid_string_length_max: int | None
    valid_string_length_min: int | None
    valid_file_portrait: bool


class QuestionIn(ApiInput):
    question: I18n
    type: str
    required: bool = False
    items: list[Ref] = []
    options: list[OptionIn] = []
    position: Int = 0
    ask_during_checkin: bool = False
    show_during_checkin: bool = False
    identifier: str | None = Field(default=None, max_length=190)
    dependency_question: Ref | None = None
    dependency_values: list[str] = []
    dependency_value: str | None = None
    hidden: bool = False
    print_on_invoice: bool = False
    help_text: I18n | None = None
    valid_number_min: Number | None = None
    valid_number_max: Number | None = None
    valid_date_min: date | None = None
    valid_date_max: date | None = None
    valid_datetime_min: Moment | None = None
    valid_datetime_max: Moment | None = None
    valid_string_length_max: Count | None = None
    valid_string_length_min: Count | None = None
    valid_file_portrait: bool = False


QuestionPatch = patch_model(QuestionIn)

_LOADS = (selectinload(Question.items), selectinload(Question.options),
          selectinload(Question.dependency_options))


class QuestionFilters(ApiInput):
    identifier: str | None = None
    required: bool | None = None
    ask_during_checkin: bool | None = None


def render_option(option: QuestionOption) -> dict[str, Any]:
    return dump(OptionOut, {key: getattr(option, key) for key in OptionOut.model_fields})


def render(question: Question) -> dict[str, Any]:
    values = question.dependency_values
    data = {key: getattr(question, key) for key in QuestionOut.model_fields
            if key not in ("items", "options", "dependency_question", "dependency_values", "dependency_value")}
    data.update(items=[item.id for item in question.items], options=[render_option(o) for o in question.options],
                dependency_question=question.dependency_question_id, dependency_values=values,
                dependency_value=values[0] if values else None)
    out = dump(QuestionOut, data)
    for key in ("valid_number_min", "valid_number_max"):
        if data[key] is not None:
            out[key] = format(data[key].normalize(), "f")
    return out


def _question(request: Request, key: str = "id") -> Question:
    return get_object(request, select(Question).where(
        Question.event_id == request.context.event.id, Question.id == path_id(request, key)).options(*_LOADS))


def _values(request: Request) -> dict[str, Any]:
    values = body_values(request, exclude=("options",))
    legacy = values.pop("dependency_value", None)
    if legacy is not None and not values.get("dependency_values"):
        values["dependency_values"] = [legacy]
    if values.get("identifier") is None:
        values.pop("identifier", None)
    return values


def list_questions(request: Request) -> dict[str, Any]:
    check_list_modified(request, Question.__tablename__)
    query = request.api_query
    stmt = select(Question).where(Question.event_id == request.context.event.id).options(*_LOADS)
    if query.identifier is not None:
        stmt = stmt.where(Question.identifier == query.identifier)
    for field in ("required", "ask_during_checkin"):
        if getattr(query, field) is not None:
            stmt = stmt.where(getattr(Question, field).is_(getattr(query, field)))
    return paginate(request, stmt, lambda rows: [render(q) for q in rows],
                    ordering=Ordering({"id": Question.id, "position": Question.position}, default=("position",),
                                      pk=Question.id))


def get_question(request: Request) -> dict[str, Any]:
    return render(_question(request))


def create_question_view(request: Request) -> dict[str, Any]:
    options = [option.model_dump(exclude_unset=True) for option in request.api_body.options]
    return render(create_question(request.dbsession, request.context.event, _values(request), options=options,
                                  **actor(request)))


def update_question_view(request: Request) -> dict[str, Any]:
    refuse_nested(request, ("options",), "options")
    return render(update_question(request.dbsession, request.context.event, _question(request), _values(request),
                                  **actor(request)))


def delete_question_view(request: Request) -> None:
    delete_question(request.dbsession, _question(request), **actor(request))


def _option(request: Request) -> QuestionOption:
    question = _question(request, "question")
    return get_object(request, select(QuestionOption).where(
        QuestionOption.question_id == question.id, QuestionOption.id == path_id(request)))


def list_options(request: Request) -> dict[str, Any]:
    stmt = select(QuestionOption).where(QuestionOption.question_id == _question(request, "question").id)
    return paginate(request, stmt, lambda rows: [render_option(o) for o in rows],
                    ordering=Ordering({"id": QuestionOption.id, "position": QuestionOption.position},
                                      default=("position",), pk=QuestionOption.id))


def get_option(request: Request) -> dict[str, Any]:
    return render_option(_option(request))


def create_option_view(request: Request) -> dict[str, Any]:
    values = body_values(request)
    return render_option(create_option(request.dbsession, _question(request, "question"), values,
                                       **actor(request)))


def update_option_view(request: Request) -> dict[str, Any]:
    return render_option(update_option(request.dbsession, _option(request), body_values(request), **actor(request)))


def delete_option_view(request: Request) -> None:
    delete_option(request.dbsession, _option(request), **actor(request))


def includeme(config: Configurator) -> None:
    for path, detail, name, body, patch, out, views in (
        (LIST, DETAIL, "question", QuestionIn, QuestionPatch, QuestionOut,
         (list_questions, create_question_view, get_question, update_question_view, delete_question_view)),
        (OPTIONS, OPTION, "question option", OptionIn, OptionPatch, OptionOut,
         (list_options, create_option_view, get_option, update_option_view, delete_option_view)),
    ):
        tags = ("questions",)
        list_view, create_view, get_view, update_view, delete_view = views
        config.add_api_view(list_view, path=path, permission=MEMBER, response=out, paginated=True,
                            query=QuestionFilters if name == "question" else None,
                            summary=f"List {name}s", tags=tags)
        config.add_api_view(create_view, path=path, method="POST", permission=WRITE, body=body, response=out,
                            status=201, summary=f"Create a {name}", tags=tags)
        config.add_api_view(get_view, path=detail, permission=MEMBER, response=out, summary=f"Get a {name}",
                            tags=tags)
        config.add_api_view(update_view, path=detail, method="PUT", permission=WRITE, body=body, response=out,
                            summary=f"Replace a {name}", tags=tags)
        config.add_api_view(update_view, path=detail, method="PATCH", permission=WRITE, body=patch, response=out,
                            summary=f"Change a {name}", tags=tags)
        config.add_api_view(delete_view, path=detail, method="DELETE", permission=WRITE, status=204,
                            summary=f"Delete a {name}", tags=tags)
