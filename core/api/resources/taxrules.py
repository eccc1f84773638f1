"""``/organizers/{o}/events/{e}/taxrules/``: tax rules (CRUD; delete refused while in use).

This module is the pattern for catalogue resources: input model, output model, a PATCH model from
:func:`~core.api.schemas.partial`, views that call one service each, list-level ``Last-Modified``.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from pydantic import Field
from pyramid.config import Configurator
from pyramid.request import Request
from sqlalchemy import select

from core.api.conditional import check_list_modified
from core.api.endpoints import actor
from core.api.errors import PermissionDenied
from core.api.pagination import Ordering, get_object, paginate
from core.api.schemas import ApiInput, ApiModel, I18n, Percent, partial
from core.models import TaxRule
from core.security.permissions import MEMBER
from core.services.catalogue.taxrules import create_tax_rule, delete_tax_rule, tax_rule_in_use, update_tax_rule

WRITE = "event.settings.tax:write"
LIST = "/organizers/{organizer}/events/{event}/taxrules/"
DETAIL = LIST + r"{id:\d+}/"


class TaxRuleOut(ApiModel):
    id: int
    name: I18n
    default: bool
    rate: Percent
    code: str | None
    price_includes_tax: bool
    eu_reverse_charge: bool
    home_country: str | None
    internal_name: str | None
    keep_gross_if_rate_changes: bool
    custom_rules: list[dict[str, Any]] | None


class TaxRuleIn(ApiInput):
    name: I18n
    rate: Decimal = Field(ge=0, le=100, max_digits=10, decimal_places=4)
    default: bool = False
    code: str | None = Field(default=None, max_length=190)
    price_includes_tax: bool = True
    eu_reverse_charge: bool = False
    home_country: str | None = Field(default="", max_length=2)
    internal_name: str | None = Field(default=None, max_length=190)
    keep_gross_if_rate_changes: bool = False
    custom_rules: list[dict[str, Any]] | None = None


TaxRulePatch = partial(TaxRuleIn)


def render(rule: TaxRule) -> dict[str, Any]:
    out = TaxRuleOut.model_validate(rule).model_dump(mode="json")
    out["home_country"] = out["home_country"] or ""
    out["custom_rules"] = out["custom_rules"] or None
    return out


def _rule(request: Request) -> TaxRule:
    return get_object(request, select(TaxRule).where(
        TaxRule.event_id == request.context.event.id, TaxRule.id == int(request.matchdict["id"])))


def _values(body: Any, fields: set[str] | None = None) -> dict[str, Any]:
    values = body.model_dump(include=fields)
    if "custom_rules" in values:
        values["custom_rules"] = values["custom_rules"] or []
    if "home_country" in values:
        values["home_country"] = values["home_country"] or None
    return values


def list_rules(request: Request) -> dict[str, Any]:
    check_list_modified(request, TaxRule.__tablename__)
    stmt = select(TaxRule).where(TaxRule.event_id == request.context.event.id)
    return paginate(request, stmt, lambda rows: [render(r) for r in rows],
                    ordering=Ordering({"id": TaxRule.id}, default=("id",), pk=TaxRule.id))


def get_rule(request: Request) -> dict[str, Any]:
    return render(_rule(request))


def create_rule(request: Request) -> dict[str, Any]:
    values = _values(request.api_body)
    if "default" not in request.api_body.model_fields_set:
        del values["default"]
    rule = create_tax_rule(request.dbsession, request.context.event, values, **actor(request))
    return render(rule)


def update_rule(request: Request) -> dict[str, Any]:
    body = request.api_body
    fields = set(body.model_fields_set) if request.method == "PATCH" else None
    rule = update_tax_rule(request.dbsession, _rule(request), _values(body, fields), **actor(request))
    return render(rule)


def delete_rule(request: Request) -> None:
    rule = _rule(request)
    if tax_rule_in_use(request.dbsession, rule):
        raise PermissionDenied("This tax rule can not be deleted as it is currently in use.")
    delete_tax_rule(request.dbsession, rule, **actor(request))


def includeme(config: Configurator) -> None:
    tags = ("taxrules",)
    config.add_api_view(list_rules, path=LIST, permission=MEMBER, response=TaxRuleOut, paginated=True,
                        summary="List the tax rules of an event", tags=tags)
    config.add_api_view(create_rule, path=LIST, method="POST", permission=WRITE, body=TaxRuleIn,
                        response=TaxRuleOut, status=201, summary="Create a tax rule", tags=tags)
    config.add_api_view(get_rule, path=DETAIL, permission=MEMBER, response=TaxRuleOut,
                        summary="Get a tax rule", tags=tags)
    config.add_api_view(update_rule, path=DETAIL, method="PUT", permission=WRITE, body=TaxRuleIn,
                        response=TaxRuleOut, summary="Replace a tax rule", tags=tags)
    config.add_api_view(update_rule, path=DETAIL, method="PATCH", permission=WRITE, body=TaxRulePatch,
                        response=TaxRuleOut, summary="Change a tax rule", tags=tags)
    config.add_api_view(delete_rule, path=DETAIL, method="DELETE", permission=WRITE, status=204,
                        summary="Delete an unused tax rule", tags=tags)
