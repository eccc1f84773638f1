"""The catalogue tables on the real database: tenant ids, relationships and the database constraints."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core.db import Base
from core.i18n import I18nString
from core.models import (
    Discount,
    Event,
    EventMetaProperty,
    EventMetaValue,
    Item,
    ItemAddOn,
    ItemBundle,
    ItemCategory,
    ItemMetaProperty,
    ItemMetaValue,
    ItemVariationMetaValue,
    Question,
    QuestionOption,
    Quota,
    SubEvent,
    SubEventItem,
    SubEventItemVariation,
    SubEventMetaValue,
    TaxRule,
    Voucher,
)
from core.services.slugs import ValidationError
from tests.core.models.conftest import Catalogue

START = datetime(2031, 5, 1, 9, 0, tzinfo=UTC)


def refused(db_session: Session, build: Callable[[], Any]) -> None:
    """``build()`` and flush must fail with an IntegrityError; the savepoint keeps the test usable."""
    savepoint = db_session.begin_nested()
    with pytest.raises(IntegrityError):
        db_session.add(build())
        db_session.flush()
    savepoint.rollback()


def test_catalogue_tables_exist_with_the_agreed_names() -> None:
    expected = {
        "event", "subevent", "event_meta_property", "event_meta_value", "subevent_meta_value", "item_meta_property",
        "item_meta_value", "item_variation_meta_value", "sales_channel", "tax_rule", "item_category", "item",
        "item_variation", "item_addon", "item_bundle", "subevent_item", "subevent_item_variation", "question",
        "question_option", "question_item", "question_dependency_option", "quota", "quota_item", "quota_variation",
        "voucher", "discount",
    }
    assert expected <= set(Base.metadata.tables)


def test_new_rows_get_the_organizer_of_their_parent(db_session: Session, catalogue: Catalogue) -> None:
    organizer_id = catalogue.event.organizer_id
    option_question = Question(event=catalogue.event, question={"en": "Diet"}, type=Question.TYPE_CHOICE)
    option = QuestionOption(question=option_question, answer={"en": "Vegan"})
    addon = ItemAddOn(base_item=catalogue.ticket, addon_category=catalogue.category)
    db_session.add_all([option_question, option, addon])
    db_session.flush()
    rows = [catalogue.tax, catalogue.category, catalogue.ticket, catalogue.small, catalogue.quota, option, addon]
    assert {row.organizer_id for row in rows} == {organizer_id}
    assert option_question.identifier and option.identifier


def test_relationships_round_trip(db_session: Session, catalogue: Catalogue) -> None:
    db_session.expire_all()
    shirt = db_session.scalar(select(Item).where(Item.id == catalogue.shirt.id))
    assert [v.value.localize("en") for v in shirt.variations] == ["S", "L"]
    assert shirt.has_variations and shirt.quotas == [catalogue.quota]
    assert catalogue.large.price == Decimal("17.00") and catalogue.small.price == Decimal("15.00")
    assert catalogue.small.quotas == [catalogue.quota]
    assert catalogue.category.items == [catalogue.ticket]
    assert db_session.get(Item, catalogue.ticket.id).tax_rule.rate == Decimal("19.0000")


def test_series_rows_and_meta_values(db_session: Session, organizer: Any, scoped: None) -> None:
    series = Event(
        organizer_id=organizer.id, slug="tour", name=I18nString("Tour"), date_from=START, has_subevents=True
    )
    date = SubEvent(event=series, name={"en": "Berlin"}, date_from=START, presale_start=START)
    item = Item(event=series, name={"en": "Ticket"})
    prop = EventMetaProperty(organizer_id=organizer.id, name="genre", default="rock")
    item_prop = ItemMetaProperty(event=series, name="colour")
    db_session.add_all([series, date, item, prop, item_prop])
    db_session.flush()
    variation_value = ItemVariationMetaValue(
        variation=_variation(db_session, item), property=item_prop, value="red"
    )
    db_session.add_all([
        EventMetaValue(event=series, property=prop, value="jazz"),
        SubEventMetaValue(subevent=date, property=prop, value="pop"),
        ItemMetaValue(item=item, property=item_prop, value="blue"),
        variation_value,
        SubEventItem(subevent=date, item=item, price=Decimal("9.50")),
        SubEventItemVariation(subevent=date, variation=variation_value.variation, disabled=True),
    ])
    db_session.flush()
    assert [v.value for v in series.meta_values] == ["jazz"]
    assert [v.value for v in date.meta_values] == ["pop"]
    assert date.effective_presale_start == START
    assert variation_value.organizer_id == organizer.id
    refused(db_session, lambda: EventMetaValue(event=series, property=prop, value="again"))
    refused(db_session, lambda: SubEventItem(subevent=date, item=item))


def _variation(db_session: Session, item: Item) -> Any:
    from core.models import ItemVariation

    variation = ItemVariation(item=item, value={"en": "Red"})
    db_session.add(variation)
    db_session.flush()
    return variation


def test_event_slug_is_unique_per_organizer(db_session: Session, event: Any, scoped: None) -> None:
    refused(db_session, lambda: Event(organizer_id=event.organizer_id, slug="conf", name="Again", date_from=START))


def test_event_slug_and_has_subevents_are_immutable(event: Any) -> None:
    with pytest.raises(ValidationError, match="cannot be changed") as info:
        event.slug = "other"
    assert info.value.field == "slug"
    with pytest.raises(ValidationError) as info:
        event.has_subevents = True
    assert info.value.field == "has_subevents"
    event.slug = "conf"


def test_event_last_modified_moves_on_update(db_session: Session, event: Any, scoped: None) -> None:
    before = event.last_modified
    event.comment = "changed"
    db_session.flush()
    assert event.last_modified is not None and before is not None
    assert event.last_modified >= before


def test_voucher_codes_are_upper_case_and_unique_per_event(db_session: Session, catalogue: Catalogue) -> None:
    voucher = Voucher(event=catalogue.event, code=" summer25 ")
    db_session.add(voucher)
    db_session.flush()
    assert voucher.code == "SUMMER25"
    refused(db_session, lambda: Voucher(event=catalogue.event, code="Summer25"))


@pytest.mark.parametrize(
    "fields",
    [
        {"max_usages": 1, "redeemed": 2},
        {"redeemed": -1},
        {"max_usages": 1, "min_usages": 2},
        {"budget": Decimal("-1")},
    ],
)
def test_voucher_check_constraints(db_session: Session, catalogue: Catalogue, fields: dict[str, Any]) -> None:
    refused(db_session, lambda: Voucher(event=catalogue.event, code="ABCDEF", **fields))


def test_voucher_item_and_quota_are_exclusive_in_the_database(db_session: Session, catalogue: Catalogue) -> None:
    refused(db_session, lambda: Voucher(
        event=catalogue.event, code="ABCDEF", item=catalogue.ticket, quota=catalogue.quota
    ))


def test_redeemed_cannot_pass_max_usages_even_with_a_blind_update(db_session: Session, catalogue: Catalogue) -> None:
    voucher = Voucher(event=catalogue.event, code="ONCEONLY", max_usages=1)
    db_session.add(voucher)
    db_session.flush()
    voucher.redeemed = Voucher.redeemed + 1
    db_session.flush()
    savepoint = db_session.begin_nested()
    voucher.redeemed = Voucher.redeemed + 1
    with pytest.raises(IntegrityError):
        db_session.flush()
    savepoint.rollback()


def test_one_default_tax_rule_per_event(db_session: Session, catalogue: Catalogue) -> None:
    db_session.add(TaxRule(event=catalogue.event, name={"en": "Reduced"}, rate=Decimal("7"), default=False))
    db_session.flush()
    refused(db_session, lambda: TaxRule(event=catalogue.event, name={"en": "Other"}, rate=Decimal("7"), default=True))


def test_tax_rate_range_is_checked(db_session: Session, catalogue: Catalogue) -> None:
    refused(db_session, lambda: TaxRule(event=catalogue.event, name={"en": "Odd"}, rate=Decimal("101")))


def test_addon_category_is_unique_per_base_item(db_session: Session, catalogue: Catalogue) -> None:
    db_session.add(ItemAddOn(base_item=catalogue.shirt, addon_category=catalogue.category))
    db_session.flush()
    refused(db_session, lambda: ItemAddOn(base_item=catalogue.shirt, addon_category=catalogue.category))


def test_addon_and_bundle_counts_are_checked(db_session: Session, catalogue: Catalogue) -> None:
    other = ItemCategory(event=catalogue.event, name={"en": "Extras"})
    refused(db_session, lambda: ItemAddOn(base_item=catalogue.ticket, addon_category=other, min_count=2, max_count=1))
    refused(db_session, lambda: ItemBundle(base_item=catalogue.ticket, bundled_item=catalogue.shirt, count=0))


def test_question_identifier_is_unique_per_event(db_session: Session, catalogue: Catalogue) -> None:
    db_session.add(Question(event=catalogue.event, question={"en": "Age"}, type="N", identifier="AGE"))
    db_session.flush()
    refused(db_session, lambda: Question(event=catalogue.event, question={"en": "Age?"}, type="N", identifier="AGE"))


def test_item_min_per_order_above_max_is_refused(db_session: Session, catalogue: Catalogue) -> None:
    refused(db_session, lambda: Item(event=catalogue.event, name={"en": "X"}, min_per_order=3, max_per_order=2))


def test_quota_size_not_negative(db_session: Session, catalogue: Catalogue) -> None:
    refused(db_session, lambda: Quota(event=catalogue.event, name="Bad", size=-1))


def test_discount_percent_range(db_session: Session, catalogue: Catalogue) -> None:
    refused(db_session, lambda: Discount(
        event=catalogue.event, internal_name="Too much", condition_min_count=2,
        benefit_discount_matching_percent=Decimal("150"),
    ))


def test_deleting_an_item_keeps_its_vouchers(db_session: Session, catalogue: Catalogue) -> None:
    voucher = Voucher(event=catalogue.event, code="KEEPME", item=catalogue.ticket)
    db_session.add(voucher)
    db_session.flush()
    catalogue.quota.items.remove(catalogue.ticket)
    db_session.delete(catalogue.ticket)
    db_session.flush()
    db_session.expire(voucher)
    assert voucher.item_id is None
