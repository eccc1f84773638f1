"""Model-level validation helpers: each refusal names the field to fix."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from core.i18n import I18nString
from core.models import (
    Discount,
    Event,
    EventMetaProperty,
    EventMetaValue,
    Item,
    ItemBundle,
    ItemCategory,
    ItemMetaProperty,
    ItemMetaValue,
    ItemVariation,
    ItemVariationMetaValue,
    Question,
    QuestionOption,
    Quota,
    SalesChannel,
    SubEvent,
    SubEventMetaValue,
    TaxRule,
    Voucher,
)
from core.models.addons import ItemAddOn, validate_addon, validate_bundle
from core.models.discounts import validate_discount
from core.models.event import validate_event, validate_subevent
from core.models.items import validate_category, validate_item
from core.models.meta import validate_meta_value
from core.models.questions import validate_question
from core.models.quotas import validate_quota
from core.models.tax import validate_tax_rule
from core.models.variations import validate_variation
from core.models.vouchers import validate_voucher
from core.services.slugs import ValidationError

START = datetime(2031, 5, 1, 9, 0, tzinfo=UTC)


def make_event(event_id: int = 1, **fields: Any) -> Event:
    event = Event(**{"slug": "conf", "name": I18nString("Conf"), "date_from": START, "currency": "EUR", **fields})
    event.id = event_id
    return event


def refuses(check: Callable[[], None], field: str, message: str) -> None:
    with pytest.raises(ValidationError, match=message) as info:
        check()
    assert info.value.field == field


# Event -------------------------------------------------------------------------------------------------------------


def test_a_sane_event_passes() -> None:
    validate_event(make_event(date_to=START + timedelta(hours=2), presale_end=START, geo_lat=Decimal("52.5")))


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"date_to": START - timedelta(hours=1)}, "date_to", "is before date_from"),
        ({"presale_start": START, "presale_end": START - timedelta(days=1)}, "presale_end", "is before presale_start"),
        ({"currency": "euro"}, "currency", "unknown currency 'EURO'"),
        ({"geo_lat": Decimal("91")}, "geo_lat", "between -90 and 90"),
        ({"geo_lon": Decimal("-181")}, "geo_lon", "between -180 and 180"),
    ],
)
def test_event_refusals(fields: dict[str, Any], field: str, message: str) -> None:
    refuses(lambda: validate_event(make_event(**fields)), field, message)


def test_event_slug_rules_and_no_currency() -> None:
    refuses(lambda: validate_event(Event(slug="api", name="X", date_from=START, currency="EUR")), "slug", "reserved")
    validate_event(make_event(currency="xxx"))


def test_subevent_needs_a_series_and_ordered_dates() -> None:
    series = make_event(has_subevents=True)
    validate_subevent(SubEvent(event=series, name="A", date_from=START))
    refuses(lambda: validate_subevent(SubEvent(event=make_event(), name="A", date_from=START)), "event", "not an event")
    refuses(
        lambda: validate_subevent(SubEvent(event=series, name="A", date_from=START, date_to=START - timedelta(1))),
        "date_to", "is before",
    )


def test_subevent_presale_window_narrows_the_event() -> None:
    series = make_event(has_subevents=True, presale_start=START, presale_end=START + timedelta(days=10))
    date = SubEvent(event=series, name="A", date_from=START, presale_start=START - timedelta(days=1),
                    presale_end=START + timedelta(days=5))
    assert date.effective_presale_start == START
    assert date.effective_presale_end == START + timedelta(days=5)


# Tax rules ---------------------------------------------------------------------------------------------------------


def tax(**fields: Any) -> TaxRule:
    return TaxRule(name={"en": "VAT"}, **{"rate": Decimal("19"), **fields})


def test_sane_tax_rules_pass() -> None:
    validate_tax_rule(tax(code="S/standard"))
    validate_tax_rule(tax(code="E", rate=Decimal("0")))
    validate_tax_rule(tax(rate=Decimal("7.1234"), eu_reverse_charge=True, home_country="DE", custom_rules=[
        {"country": "EU", "address_type": "business_vat_id", "action": "reverse"},
        {"country": "US-NY", "address_type": "", "action": "vat", "rate": "8.875", "code": "S/standard"},
        {"country": "ZZ", "action": "block"},
    ]))


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"rate": Decimal("100.01")}, "rate", "between 0 and 100"),
        ({"rate": Decimal("-1")}, "rate", "between 0 and 100"),
        ({"rate": Decimal("1.23456")}, "rate", "more than 4 decimal places"),
        ({"code": "AE"}, "code", "needs rate 0"),
        ({"code": "O"}, "code", "needs rate 0"),
        ({"code": "S/standard", "rate": Decimal("0")}, "code", "rate above 0"),
        ({"code": "Q"}, "code", "unknown tax code"),
        ({"eu_reverse_charge": True}, "home_country", "home country"),
        ({"home_country": "de"}, "home_country", "ISO country code"),
        ({"custom_rules": [{"country": "DE", "action": "refund"}]}, "custom_rules[0]", "action 'refund'"),
        ({"custom_rules": [{"country": "Germany", "action": "vat"}]}, "custom_rules[0]", "country 'Germany'"),
        ({"custom_rules": [{"action": "vat", "address_type": "company"}]}, "custom_rules[0]", "address_type"),
        ({"custom_rules": [{"action": "vat", "rate": "0", "code": "S/standard"}]}, "custom_rules[0]", "above 0"),
        ({"custom_rules": ["vat"]}, "custom_rules[0]", "must be an object"),
    ],
)
def test_tax_rule_refusals(fields: dict[str, Any], field: str, message: str) -> None:
    refuses(lambda: validate_tax_rule(tax(**fields)), field, message)


# Items -------------------------------------------------------------------------------------------------------------


def test_item_references_must_share_the_event() -> None:
    event, other = make_event(1), make_event(2)
    category = ItemCategory(event_id=2, event=other, name="C")
    rule = tax(event_id=2)
    validate_item(Item(event_id=1, event=event, name="Ticket"))
    refuses(lambda: validate_item(Item(event_id=1, name="T", category=category)), "category", "another event")
    refuses(lambda: validate_item(Item(event_id=1, name="T", tax_rule=rule)), "tax_rule", "another event")


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"name": ""}, "name", "needs a name"),
        ({"min_per_order": 3, "max_per_order": 2}, "min_per_order", "larger than the maximum"),
        ({"max_per_order": -1}, "max_per_order", "must not be negative"),
        ({"default_price": Decimal("-1")}, "default_price", "must not be negative"),
        ({"available_from_mode": "show"}, "available_from_mode", "must be one of"),
        ({"available_from": START, "available_until": START - timedelta(1)}, "available_until", "before"),
        ({"validity_mode": "forever"}, "validity_mode", "must be one of"),
        ({"validity_mode": "dynamic"}, "validity_dynamic_duration_days", "needs a duration"),
        ({"validity_mode": "fixed", "validity_fixed_from": START, "validity_fixed_until": START - timedelta(1)},
         "validity_fixed_until", "before"),
    ],
)
def test_item_refusals(fields: dict[str, Any], field: str, message: str) -> None:
    refuses(lambda: validate_item(Item(event_id=1, **{"name": "Ticket", **fields})), field, message)


def test_hide_without_voucher_forces_require_voucher() -> None:
    item = Item(event_id=1, name="Secret", hide_without_voucher=True)
    assert item.require_voucher is True
    validate_item(item)
    item.require_voucher = False
    refuses(lambda: validate_item(item), "require_voucher", "must require a voucher")


def test_item_with_dynamic_validity_passes() -> None:
    validate_item(Item(event_id=1, name="Pass", validity_mode="dynamic", validity_dynamic_duration_months=1))


def test_variation_checks() -> None:
    validate_variation(ItemVariation(value={"en": "S"}, default_price=Decimal("3")))
    refuses(lambda: validate_variation(ItemVariation(value="")), "value", "needs a name")
    refuses(lambda: validate_variation(ItemVariation(value="S", default_price=Decimal("-3"))), "default_price", "neg")


def test_addon_and_bundle_checks() -> None:
    event = make_event()
    base = Item(event_id=1, event=event, name="Ticket")
    shirt = Item(event_id=1, event=event, name="Shirt")
    small = ItemVariation(item=shirt, value="S")
    validate_addon(ItemAddOn(base_item=base, addon_category=ItemCategory(event_id=1, name="X"), min_count=0,
                             max_count=2))
    refuses(lambda: validate_addon(ItemAddOn(base_item=base, addon_category=ItemCategory(event_id=2, name="X"),
                                             min_count=0, max_count=1)), "addon_category", "another event")
    refuses(lambda: validate_addon(ItemAddOn(base_item=base, addon_category=ItemCategory(event_id=1, name="X"),
                                             min_count=2, max_count=1)), "min_count", "between 0 and max_count")
    validate_bundle(ItemBundle(base_item=base, bundled_item=shirt, bundled_variation=small, count=2,
                               designated_price=Decimal("5")))
    refuses(lambda: validate_bundle(ItemBundle(base_item=base, bundled_item=shirt, count=1,
                                               designated_price=Decimal("0"))), "bundled_variation", "choose one")
    refuses(lambda: validate_bundle(ItemBundle(base_item=base, bundled_item=base, count=1)), "bundled_item", "itself")
    other = ItemVariation(item=Item(event_id=1, name="Cap"), value="M")
    refuses(lambda: validate_bundle(ItemBundle(base_item=base, bundled_item=shirt, bundled_variation=other, count=1,
                                               designated_price=Decimal("0"))), "bundled_variation", "not belong")
    refuses(lambda: validate_bundle(ItemBundle(base_item=base, bundled_item=shirt, bundled_variation=small, count=0,
                                               designated_price=Decimal("0"))), "count", "at least one")


# Quotas ------------------------------------------------------------------------------------------------------------


def shop(has_subevents: bool = False) -> tuple[Event, Item, Item, ItemVariation, ItemVariation]:
    event = make_event(has_subevents=has_subevents)
    ticket = Item(event_id=1, event=event, name="Ticket")
    shirt = Item(event_id=1, event=event, name="Shirt")
    return event, ticket, shirt, ItemVariation(item=shirt, value="S"), ItemVariation(item=shirt, value="L")


def test_a_sane_quota_passes() -> None:
    event, ticket, shirt, small, _large = shop()
    validate_quota(Quota(event=event, name="Main", size=None, items=[ticket, shirt], variations=[small]))


def test_quota_variations_must_belong_to_listed_items() -> None:
    event, ticket, _shirt, small, _large = shop()
    quota = Quota(event=event, name="Main", size=5, items=[ticket], variations=[small])
    refuses(lambda: validate_quota(quota), "variations", "not in this quota")


def test_quota_items_with_variations_need_one_listed() -> None:
    event, _ticket, shirt, _small, _large = shop()
    quota = Quota(event=event, name="Main", size=5, items=[shirt])
    refuses(lambda: validate_quota(quota), "variations", "list at least one")


def test_quota_subevent_iff_series() -> None:
    series, ticket, *_ = shop(has_subevents=True)
    refuses(lambda: validate_quota(Quota(event=series, name="Q", items=[ticket])), "subevent", "need a date")
    date = SubEvent(event=series, name="A", date_from=START)
    date.event_id = 1
    validate_quota(Quota(event=series, name="Q", items=[ticket], subevent=date))
    single, ticket, *_ = shop()
    refuses(lambda: validate_quota(Quota(event=single, name="Q", subevent=date)), "subevent", "single event")


def test_quota_items_of_another_event_and_negative_size() -> None:
    event, *_ = shop()
    stranger = Item(event_id=2, name="Stranger")
    refuses(lambda: validate_quota(Quota(event=event, name="Q", items=[stranger])), "items", "another event")
    refuses(lambda: validate_quota(Quota(event=event, name="Q", size=-1)), "size", "must not be negative")
    refuses(lambda: validate_quota(Quota(event=event, name=" ")), "name", "needs a name")


# Vouchers ----------------------------------------------------------------------------------------------------------


def voucher(event: Event, **fields: Any) -> Voucher:
    return Voucher(event=event, **{"code": "SUMMER25", "max_usages": 1, "redeemed": 0, "min_usages": 1, **fields})


def test_sane_vouchers_pass() -> None:
    event, ticket, shirt, small, _large = shop()
    quota = Quota(event=event, name="Q")
    quota.event_id = 1
    validate_voucher(voucher(event, item=shirt, variation=small, price_mode="percent", value=Decimal("100")))
    validate_voucher(voucher(event, quota=quota, block_quota=True, max_usages=5, redeemed=5, min_usages=2))
    validate_voucher(voucher(event, item=ticket, price_mode="set", value=Decimal("0"), budget=Decimal("10")))


def test_voucher_refusals() -> None:
    event, ticket, shirt, small, _large = shop()
    quota = Quota(event=event, name="Q")
    addon_only = Item(event_id=1, name="Extra", category=ItemCategory(event_id=1, name="X", is_addon=True))
    bundle_only = Item(event_id=1, name="Bundled", require_bundling=True)
    cases = [
        ({"code": "abcd"}, "code", "at least 5"),
        ({"code": "AB CDE"}, "code", "spaces"),
        ({"max_usages": 2, "redeemed": 3}, "max_usages", "already been redeemed 3 times"),
        ({"max_usages": 1, "min_usages": 2}, "max_usages", "lower than min_usages"),
        ({"min_usages": 0}, "min_usages", "at least 1"),
        ({"budget": Decimal("-1")}, "budget", "must not be negative"),
        ({"item": ticket, "quota": quota}, "quota", "not both"),
        ({"variation": small}, "variation", "name its product"),
        ({"item": ticket, "variation": small}, "variation", "does not belong"),
        ({"item": addon_only}, "item", "add-ons"),
        ({"item": bundle_only}, "item", "bundles"),
        ({"item": Item(event_id=2, name="Stranger")}, "item", "another event"),
        ({"price_mode": "double"}, "price_mode", "must be one of"),
        ({"price_mode": "subtract"}, "value", "needs a value"),
        ({"price_mode": "percent", "value": Decimal("101")}, "value", "exceed 100"),
        ({"subevent": SubEvent(name="A", date_from=START)}, "subevent", "not a series"),
    ]
    for fields, field, message in cases:
        refuses(lambda fields=fields: validate_voucher(voucher(event, **fields)), field, message)
    assert shirt.has_variations


def test_quota_blocking_vouchers_of_a_series_need_a_date() -> None:
    series, ticket, *_ = shop(has_subevents=True)
    refuses(lambda: validate_voucher(voucher(series, item=ticket, block_quota=True)), "block_quota", "name a date")
    date = SubEvent(event=series, name="A", date_from=START)
    validate_voucher(voucher(series, item=ticket, block_quota=True, subevent=date))
    other_date = SubEvent(event=series, name="B", date_from=START)
    quota = Quota(event=series, name="Q", subevent=other_date)
    refuses(lambda: validate_voucher(voucher(series, quota=quota, subevent=date)), "quota", "another date")


def test_voucher_expiry_uses_real_time() -> None:
    event, *_ = shop()
    assert voucher(event, valid_until=datetime.now(UTC) - timedelta(seconds=1)).is_expired()
    assert not voucher(event, valid_until=None).is_expired()
    assert voucher(event, max_usages=3, redeemed=1).uses_left == 2


# Discounts ---------------------------------------------------------------------------------------------------------


def discount(**fields: Any) -> Discount:
    defaults: dict[str, Any] = {
        "internal_name": "3 for 2", "subevent_mode": "mixed", "condition_min_count": 3,
        "condition_min_value": Decimal("0"), "benefit_discount_matching_percent": Decimal("100"),
        "benefit_same_products": True, "event_id": 1,
    }
    return Discount(**{**defaults, **fields})


def test_sane_discounts_pass() -> None:
    validate_discount(discount(benefit_only_apply_to_cheapest_n_matches=1))
    validate_discount(discount(condition_min_count=0, condition_min_value=Decimal("100")))
    validate_discount(discount(subevent_mode="distinct"))


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"condition_min_count": 0}, "condition_min_value", "exactly one"),
        ({"condition_min_value": Decimal("50")}, "condition_min_value", "exactly one"),
        ({"condition_min_count": 0, "condition_min_value": Decimal("50"),
          "benefit_only_apply_to_cheapest_n_matches": 1}, "benefit_only_apply_to_cheapest_n_matches", "cheapest N"),
        ({"condition_min_count": 0, "condition_min_value": Decimal("50"), "subevent_mode": "distinct"},
         "subevent_mode", "distinct dates"),
        ({"subevent_mode": "distinct", "benefit_same_products": False}, "benefit_same_products", "same products"),
        ({"subevent_mode": "other"}, "subevent_mode", "must be one of"),
        ({"benefit_discount_matching_percent": Decimal("120")}, "benefit_discount_matching_percent", "between"),
        ({"benefit_only_apply_to_cheapest_n_matches": 0}, "benefit_only_apply_to_cheapest_n_matches", "at least 1"),
        ({"internal_name": ""}, "internal_name", "internal name"),
        ({"available_from": START, "available_until": START - timedelta(1)}, "available_until", "before"),
        ({"condition_limit_products": [Item(event_id=2, name="X")]}, "condition_limit_products", "another event"),
    ],
)
def test_discount_refusals(fields: dict[str, Any], field: str, message: str) -> None:
    refuses(lambda: validate_discount(discount(**fields)), field, message)


# Questions ---------------------------------------------------------------------------------------------------------


def question(**fields: Any) -> Question:
    return Question(**{"event_id": 1, "question": {"en": "Diet?"}, "type": "S", "identifier": "DIET", **fields})


def test_question_types_and_limits() -> None:
    assert len(Question.TYPES) == 12 and "TEL" in Question.TYPES and "CC" in Question.TYPES
    validate_question(question(type="N", valid_number_min=Decimal("1"), valid_number_max=Decimal("9")))
    refuses(lambda: validate_question(question(type="X")), "type", "unknown question type")
    refuses(lambda: validate_question(question(identifier="a b")), "identifier", "only contain")
    refuses(lambda: validate_question(question(type="F", ask_during_checkin=True)), "ask_during_checkin", "file q")
    refuses(lambda: validate_question(question(valid_string_length_min=5, valid_string_length_max=2)),
            "valid_string_length_max", "below")
    refuses(lambda: validate_question(question(question="")), "question", "needs a text")


def test_question_dependencies() -> None:
    choice = question(type="C", identifier="MEAL")
    vegan = QuestionOption(question=choice, identifier="VEGAN", answer="Vegan")
    yes_no = question(type="B", identifier="PARKING")
    validate_question(question(dependency_question=choice, dependency_options=[vegan]))
    dependent = question(dependency_question=yes_no, dependency_boolean=True)
    validate_question(dependent)
    assert dependent.dependency_values == ["True"]
    assert question(dependency_question=choice, dependency_options=[vegan]).dependency_values == ["VEGAN"]
    refuses(lambda: validate_question(question(dependency_question=yes_no)), "dependency_values", "True or False")
    refuses(lambda: validate_question(question(dependency_question=choice)), "dependency_values", "one of its")
    stranger = QuestionOption(question=question(type="C"), identifier="X", answer="X")
    refuses(lambda: validate_question(question(dependency_question=choice, dependency_options=[stranger])),
            "dependency_values", "another question")
    refuses(lambda: validate_question(question(dependency_question=question(type="S"))), "dependency_question",
            "only depend on")
    refuses(lambda: validate_question(question(dependency_boolean=False)), "dependency_question", "need a dependency")
    first = question(type="B", identifier="A")
    second = question(type="B", identifier="B", dependency_question=first, dependency_boolean=True)
    first.dependency_question, first.dependency_boolean = second, True
    refuses(lambda: validate_question(first), "dependency_question", "cycle")
    refuses(lambda: validate_question(question(dependency_question=question(type="B", event_id=2),
                                               dependency_boolean=True)), "dependency_question", "another event")


# Categories, channels, meta values ---------------------------------------------------------------------------------


def test_category_checks() -> None:
    validate_category(ItemCategory(event_id=1, name="Tickets", cross_selling_mode="both",
                                   cross_selling_condition="always"))
    refuses(lambda: validate_category(ItemCategory(event_id=1, name="")), "name", "needs a name")
    refuses(lambda: validate_category(ItemCategory(event_id=1, name="X", cross_selling_mode="all")),
            "cross_selling_mode", "must be one of")
    refuses(lambda: validate_category(ItemCategory(event_id=1, name="X", is_addon=True, cross_selling_mode="only")),
            "cross_selling_mode", "add-on categories")
    refuses(lambda: validate_category(ItemCategory(event_id=1, name="X", cross_selling_match_products=[
        Item(event_id=2, name="Stranger")])), "cross_selling_match_products", "another event")


def test_limit_sales_channels_of_another_organizer_are_refused() -> None:
    foreign = SalesChannel(organizer_id=99, identifier="web", type="web", label="Web")
    own = SalesChannel(organizer_id=1, identifier="api", type="api", label="API")
    event = make_event(organizer_id=1, limit_sales_channels=[own])
    validate_event(event)
    validate_item(Item(event_id=1, event=event, name="T", limit_sales_channels=[own]))
    refuses(lambda: validate_event(make_event(organizer_id=1, limit_sales_channels=[foreign])),
            "limit_sales_channels", "not yours")
    refuses(lambda: validate_item(Item(event_id=1, event=event, name="T", limit_sales_channels=[foreign])),
            "limit_sales_channels", "not yours")
    shirt = Item(event_id=1, event=event, name="Shirt")
    refuses(lambda: validate_variation(ItemVariation(item=shirt, value="S", limit_sales_channels=[foreign])),
            "limit_sales_channels", "not yours")
    refuses(lambda: validate_discount(discount(organizer_id=1, limit_sales_channels=[foreign])),
            "limit_sales_channels", "not yours")


def test_event_time_zone_is_checked() -> None:
    refuses(lambda: validate_event(make_event(timezone="Mars/Olympus")), "timezone", "unknown time zone")


def test_meta_values_follow_their_property() -> None:
    genre = EventMetaProperty(name="genre", choices=[{"key": "rock"}, {"key": "jazz"}])
    validate_meta_value(EventMetaValue(property=genre, value="jazz"))
    refuses(lambda: validate_meta_value(EventMetaValue(property=genre, value="pop")), "value", "not an allowed value")
    colour = ItemMetaProperty(name="colour", required=True, allowed_values=None)
    validate_meta_value(ItemMetaValue(property=colour, value="red"))
    refuses(lambda: validate_meta_value(ItemMetaValue(property=colour, value=" ")), "value", "is required")
    sizes = ItemMetaProperty(name="size", allowed_values=["S", "M"])
    refuses(lambda: validate_meta_value(ItemVariationMetaValue(property=sizes, value="XL")), "value", "'size'")
    refuses(lambda: validate_meta_value(SubEventMetaValue(value="x")), "property", "needs its property")
