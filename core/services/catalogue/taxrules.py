"""Tax rules of an event: create, change, delete (refused while products, fees or orders use the rule)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import exists, select, update
from sqlalchemy.orm import Session

from core.logs import log_action
from core.models import Event, Item, OrderFee, OrderPosition, TaxRule
from core.models.tax import validate_tax_rule
from core.services.errors import CommerceError

FIELDS = ("name", "internal_name", "code", "rate", "price_includes_tax", "keep_gross_if_rate_changes",
          "eu_reverse_charge", "home_country", "custom_rules", "default")


def _apply(session: Session, rule: TaxRule, values: dict[str, Any]) -> None:
    for key, value in values.items():
        if key not in FIELDS:
            raise ValueError(f"unknown tax rule field {key!r}")
        setattr(rule, key, value)
    validate_tax_rule(rule)
    if values.get("default"):
        session.execute(update(TaxRule).where(TaxRule.event_id == rule.event_id, TaxRule.id != rule.id,
                                              TaxRule.default.is_(True)).values(default=False))


def create_tax_rule(session: Session, event: Event, values: dict[str, Any], *, user: Any = None,
                    auth: Any = None) -> TaxRule:
    """A new tax rule of ``event``; the first rule of an event becomes its default (as pretix does)."""
    rule = TaxRule(event_id=event.id, organizer_id=event.organizer_id)
    has_rules = session.scalar(select(exists().where(TaxRule.event_id == event.id)))
    values = {"default": not has_rules, **values}
    if values["default"]:
        session.execute(update(TaxRule).where(TaxRule.event_id == event.id).values(default=False))
    _apply(session, rule, values)
    session.add(rule)
    session.flush()
    log_action(rule, "pretix.event.taxrule.added", _log_data(rule), user=user, auth=auth)
    return rule


def update_tax_rule(session: Session, rule: TaxRule, values: dict[str, Any], *, user: Any = None,
                    auth: Any = None) -> TaxRule:
    """Change the given fields of ``rule``."""
    _apply(session, rule, values)
    session.flush()
    log_action(rule, "pretix.event.taxrule.changed", _log_data(rule), user=user, auth=auth)
    return rule


def tax_rule_in_use(session: Session, rule: TaxRule) -> bool:
    """True while a product, an order position or a fee refers to ``rule``."""
    return bool(session.scalar(select(
        exists().where(Item.tax_rule_id == rule.id)
        | exists().where(OrderPosition.tax_rule_id == rule.id)
        | exists().where(OrderFee.tax_rule_id == rule.id)
    )))


def delete_tax_rule(session: Session, rule: TaxRule, *, user: Any = None, auth: Any = None) -> None:
    """Delete ``rule``; refused (``in_use``) while it is used."""
    if tax_rule_in_use(session, rule):
        raise CommerceError("in_use", "This tax rule can not be deleted as it is currently in use.")
    log_action(rule, "pretix.event.taxrule.deleted", {"id": rule.id}, user=user, auth=auth)
    session.delete(rule)
    session.flush()


def _log_data(rule: TaxRule) -> dict[str, Any]:
    return {key: (str(getattr(rule, key)) if key == "rate" else getattr(rule, key)) for key in FIELDS
            if key != "name"} | {"name": rule.name.to_json() if hasattr(rule.name, "to_json") else rule.name}
