"""Tax rules: the rate, code and country-dependent custom rules applied to item and fee prices."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, Numeric, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db.base import Base, BigId, IdPK, TenantMixin
from core.i18n import I18nString, TranslatedJSON
from core.models.mixins import InitDefaults
from core.services.slugs import ValidationError

if TYPE_CHECKING:
    from core.models.event import Event

#: Tax code prefixes of exempt or zero-rated supplies (the rate must be 0).
ZERO_RATE_CODES = frozenset({"O", "E", "Z", "G", "K", "AE"})
#: Tax code prefixes of taxed supplies (the rate must be above 0).
POSITIVE_RATE_CODES = frozenset({"S", "L", "M", "B"})
COUNTRY_PATTERN = re.compile(r"^(ZZ|EU|[A-Z]{2}(-[A-Z0-9]{1,3})?)$")


class TaxRule(InitDefaults, TenantMixin, Base):
    """A tax rule of an event. At most one rule per event is the ``default``.

    ``custom_rules`` is a list of ``{"country": "DE" | "EU" | "ZZ" | "US-NY", "address_type": "" |
    "individual" | "business" | "business_vat_id", "action": ACTION_*, "rate": "19.00"?, "code": ...?,
    "invoice_text": {...}?}``; the first matching rule wins.
    """

    __tablename__ = "tax_rule"
    __tenant_parent__ = "event"
    __table_args__ = (
        CheckConstraint("rate >= 0 AND rate <= 100", name="rate_range"),
        Index(
            "uq_tax_rule_default_per_event", "event_id", unique=True,
            postgresql_where=text("is_default"), sqlite_where=text("is_default"),
        ),
    )

    ACTION_VAT = "vat"
    ACTION_REVERSE = "reverse"
    ACTION_NO = "no"
    ACTION_BLOCK = "block"
    ACTION_REQUIRE_APPROVAL = "require_approval"
    ACTIONS = (ACTION_VAT, ACTION_REVERSE, ACTION_NO, ACTION_BLOCK, ACTION_REQUIRE_APPROVAL)
    ADDRESS_TYPES = ("", "individual", "business", "business_vat_id")

    id: Mapped[IdPK]
    event_id: Mapped[int] = mapped_column(BigId, ForeignKey("event.id", ondelete="CASCADE"), index=True)
    internal_name: Mapped[str | None] = mapped_column(String(190))
    name: Mapped[I18nString] = mapped_column(TranslatedJSON)
    code: Mapped[str | None] = mapped_column(String(190))
    rate: Mapped[Decimal] = mapped_column(Numeric(10, 4), default=Decimal("0"))
    price_includes_tax: Mapped[bool] = mapped_column(Boolean, default=True)
    keep_gross_if_rate_changes: Mapped[bool] = mapped_column(Boolean, default=False)
    eu_reverse_charge: Mapped[bool] = mapped_column(Boolean, default=False)
    home_country: Mapped[str | None] = mapped_column(String(2))
    custom_rules: Mapped[list[Any]] = mapped_column(default=list)
    default: Mapped[bool] = mapped_column("is_default", Boolean, default=False)

    event: Mapped[Event] = relationship()

    def __repr__(self) -> str:
        return f"<TaxRule {self.id} {self.rate}%>"


def _check_code(code: str | None, rate: Decimal, field: str) -> None:
    if not code:
        return
    prefix = code.split("/", 1)[0]
    if prefix in ZERO_RATE_CODES:
        if rate != 0:
            raise ValidationError(field, f"tax code {code!r} is for exempt or zero-rated sales and needs rate 0")
    elif prefix in POSITIVE_RATE_CODES:
        if rate <= 0:
            raise ValidationError(field, f"tax code {code!r} is for taxed sales and needs a rate above 0")
    else:
        known = ", ".join(sorted(ZERO_RATE_CODES | POSITIVE_RATE_CODES))
        raise ValidationError(field, f"unknown tax code {code!r}: it must start with one of {known}")


def _check_rate(rate: Any, field: str) -> Decimal:
    try:
        value = Decimal(str(rate))
    except ArithmeticError:
        raise ValidationError(field, f"the tax rate {rate!r} is not a number") from None
    if not value.is_finite() or not 0 <= value <= 100:
        raise ValidationError(field, f"the tax rate must be between 0 and 100, got {rate}")
    if value.as_tuple().exponent < -4:  # type: ignore[operator]
        raise ValidationError(field, f"the tax rate {rate} has more than 4 decimal places")
    return value


def _check_custom_rule(index: int, rule: Any) -> None:
    field = f"custom_rules[{index}]"
    if not isinstance(rule, dict):
        raise ValidationError(field, "each custom rule must be an object")
    country = rule.get("country", "ZZ")
    if not isinstance(country, str) or not COUNTRY_PATTERN.match(country):
        raise ValidationError(field, f"country {country!r} must be ZZ (any), EU, an ISO code or CC-STATE")
    if rule.get("address_type", "") not in TaxRule.ADDRESS_TYPES:
        raise ValidationError(field, f"address_type must be one of {', '.join(map(repr, TaxRule.ADDRESS_TYPES))}")
    action = rule.get("action")
    if action not in TaxRule.ACTIONS:
        raise ValidationError(field, f"action {action!r} must be one of {', '.join(TaxRule.ACTIONS)}")
    if rule.get("rate") not in (None, ""):
        rate = _check_rate(rule["rate"], field)
        _check_code(rule.get("code"), rate, field)


def validate_tax_rule(rule: TaxRule) -> None:
    """Raise :class:`ValidationError` unless rate, code, reverse charge setup and custom rules are consistent.

    The rate is 0..100 with at most 4 decimals; exempt codes (O, E, Z, G, K, AE) need rate 0, taxed
    codes (S, L, M, B) a rate above 0; reverse charge needs ``home_country``.
    """
    if not I18nString(rule.name):
        raise ValidationError("name", "the tax rule needs a name")
    rate = _check_rate(rule.rate if rule.rate is not None else 0, "rate")
    _check_code(rule.code, rate, "code")
    if rule.home_country is not None and not re.match(r"^[A-Z]{2}$", rule.home_country):
        raise ValidationError("home_country", f"home_country {rule.home_country!r} must be an ISO country code")
    if rule.eu_reverse_charge and not rule.home_country:
        raise ValidationError("home_country", "reverse charge needs the home country of the seller")
    if not isinstance(rule.custom_rules or [], list):
        raise ValidationError("custom_rules", "custom_rules must be a list of rules")
    for index, custom in enumerate(rule.custom_rules or []):
        _check_custom_rule(index, custom)
