"""Event cloning: every catalogue object copied with remapped ids, settings, plugins and IEventCopied."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.db import scope
from core.i18n import I18nString
from core.models import (
    Discount,
    EventMetaValue,
    Item,
    ItemAddOn,
    ItemBundle,
    ItemCategory,
    Question,
    Quota,
    SubEvent,
    TaxRule,
)
from core.models.logs import LogEntry
from core.models.meta import EventMetaProperty, ItemMetaProperty, ItemMetaValue, ItemVariationMetaValue
from core.models.questions import QuestionOption
from core.services.event_clone import EVENT_CLONED, clone_event, copy_event_data
from core.services.events import create_event
from core.services.secrets.keys import PRIVATE_KEY, PUBLIC_KEY
from core.services.slugs import ValidationError
from core.settings import settings_for
from sdk.testing.fixtures_commerce import make_catalogue


def _t(text: str) -> I18nString:
    return I18nString({"en": text})


def _build(session: Session, event: Any) -> Any:
    """make_catalogue plus every other object type, with cross references."""
    cat = make_catalogue(session, event)
    org = event.organizer_id
    with scope(org):
        tickets = ItemCategory(event=event, organizer_id=org, name=_t("Tickets"))
        extras = ItemCategory(event=event, organizer_id=org, name=_t("Extras"))
        session.add_all([tickets, extras])
        session.flush()
        cat.ticket.category_id = tickets.id
        cat.shirt.category_id = extras.id
        cat.shirt.hidden_if_item_available_id = cat.ticket.id
        cat.ticket.hidden_if_available_id = cat.shirt_quota.id
        cat.ticket.limit_sales_channels = [cat.web]
        tickets.cross_selling_match_products = [cat.shirt]
        prop = ItemMetaProperty(event_id=event.id, organizer_id=org, name="colour")
        eprop = EventMetaProperty(organizer_id=org, name="region")
        session.add_all([prop, eprop])
        session.flush()
        session.add_all([
            EventMetaValue(event_id=event.id, organizer_id=org, property_id=eprop.id, value="north"),
            ItemMetaValue(item_id=cat.shirt.id, organizer_id=org, property_id=prop.id, value="red"),
            ItemVariationMetaValue(variation_id=cat.shirt_l.id, organizer_id=org, property_id=prop.id, value="L"),
            ItemAddOn(base_item_id=cat.ticket.id, organizer_id=org, addon_category_id=extras.id),
            ItemBundle(base_item_id=cat.ticket.id, organizer_id=org, bundled_item_id=cat.shirt.id,
                       bundled_variation_id=cat.shirt_s.id),
        ])
        discount = Discount(event_id=event.id, organizer_id=org, internal_name="2 for 1", condition_min_count=2,
                            benefit_discount_matching_percent=Decimal("50"))
        discount.condition_limit_products = [cat.ticket]
        discount.benefit_limit_products = [cat.shirt]
        q1 = Question(event_id=event.id, organizer_id=org, question=_t("Diet?"), type="C")
        q1.items = [cat.ticket]
        session.add_all([discount, q1])
        session.flush()
        veg = QuestionOption(question_id=q1.id, organizer_id=org, answer=_t("Vegan"))
        session.add(veg)
        session.flush()
        q2 = Question(event_id=event.id, organizer_id=org, question=_t("Which?"), type="S",
                      dependency_question_id=q1.id)
        q2.dependency_options = [veg]
        q2.items = [cat.ticket, cat.shirt]
        date = SubEvent(event_id=event.id, organizer_id=org, name=_t("Day 1"), date_from=event.date_from)
        session.add_all([q2, date])
        session.flush()
        series_quota = Quota(event_id=event.id, organizer_id=org, name="Day 1", size=3, subevent_id=date.id)
        series_quota.items.append(cat.ticket)
        session.add(series_quota)
        session.flush()
    cat.tickets, cat.extras, cat.q1, cat.q2, cat.veg, cat.discount = tickets, extras, q1, q2, veg, discount
    cat.prop, cat.series_quota = prop, series_quota
    return cat


def _count(session: Session, model: Any, event: Any) -> int:
    with scope(event.organizer_id):
        return session.scalar(select(func.count()).select_from(model).where(model.event_id == event.id))


def _one(session: Session, model: Any, event: Any, **where: Any) -> Any:
    with scope(event.organizer_id):
        return session.scalars(select(model).filter_by(event_id=event.id, **where)).one()


def test_clone_copies_every_object_with_remapped_ids(db_session: Session, event: Any, user: Any) -> None:
    src = _build(db_session, event)
    settings_for(db_session, event).set("reservation_time", 12)
    new = clone_event(db_session, event, slug="copy", name="Copy", actor=user)
    db_session.expire_all()
    assert new.organizer_id == event.organizer_id and new.slug == "copy" and new.currency == event.currency
    for model, count in ((TaxRule, 1), (ItemCategory, 2), (Item, 2), (Discount, 1), (Question, 2), (Quota, 2),
                         (EventMetaValue, 1), (ItemMetaProperty, 1)):
        assert _count(db_session, model, new) == count, model
    with scope(event.organizer_id):
        ticket = _one(db_session, Item, new, default_price=Decimal("23.00"))
        shirt = _one(db_session, Item, new, default_price=Decimal("15.00"))
        tax = _one(db_session, TaxRule, new)
        assert ticket.id != src.ticket.id and ticket.tax_rule_id == tax.id != src.tax.id
        assert ticket.category.event_id == new.id and ticket.category.name == _t("Tickets")
        assert shirt.hidden_if_item_available_id == ticket.id
        assert [c.identifier for c in ticket.limit_sales_channels] == ["web"]
        assert ticket.category.cross_selling_match_products == [shirt]
        shirt_quota = _one(db_session, Quota, new, name="Shirts")
        assert ticket.hidden_if_available_id == shirt_quota.id
        assert sorted(v.value.localize("en") for v in shirt.variations) == ["L", "S"]
        assert set(shirt_quota.variations) == set(shirt.variations) and shirt_quota.items == [shirt]
        assert [(m.value, m.property.event_id) for m in shirt.meta_values] == [("red", new.id)]
        large = next(v for v in shirt.variations if v.value.localize("en") == "L")
        assert [m.value for m in large.meta_values] == ["L"] and large.default_price == Decimal("17.00")
        (addon,) = ticket.addons
        assert addon.addon_category.event_id == new.id and addon.addon_category.name == _t("Extras")
        (bundle,) = ticket.bundles
        assert bundle.bundled_item_id == shirt.id and bundle.bundled_variation.item_id == shirt.id
        discount = _one(db_session, Discount, new)
        assert discount.condition_limit_products == [ticket] and discount.benefit_limit_products == [shirt]
        q1 = _one(db_session, Question, new, type="C")
        q2 = _one(db_session, Question, new, type="S")
        assert q1.items == [ticket] and set(q2.items) == {ticket, shirt}
        assert q2.dependency_question_id == q1.id and q2.dependency_options == q1.options
        assert q1.options[0].id != src.veg.id and q1.options[0].answer == _t("Vegan")
        meta = _one(db_session, EventMetaValue, new)
        assert meta.value == "north"
        quotas = db_session.scalars(select(Quota).where(Quota.event_id == new.id)).all()
        assert all(q.subevent_id is None for q in quotas) and "Day 1" not in {q.name for q in quotas}
        assert db_session.scalar(select(func.count()).select_from(SubEvent).where(SubEvent.event_id == new.id)) == 0
        entry = db_session.scalars(select(LogEntry).where(LogEntry.event_id == new.id,
                                                          LogEntry.action_type == EVENT_CLONED)).one()
        assert entry.user_id == user.id and entry.parsed_data["source"] == event.id
    assert settings_for(db_session, new)["reservation_time"] == 12


def test_source_is_unchanged(db_session: Session, event: Any) -> None:
    src = _build(db_session, event)
    before = {m: _count(db_session, m, event) for m in (TaxRule, ItemCategory, Item, Discount, Question, Quota)}
    clone_event(db_session, event, slug="copy")
    db_session.expire_all()
    assert before == {m: _count(db_session, m, event) for m in before}
    with scope(event.organizer_id):
        assert src.q2.dependency_question_id == src.q1.id and src.shirt.hidden_if_item_available_id == src.ticket.id
        assert src.series_quota.items == [src.ticket] and len(src.shirt_quota.variations) == 2


def test_key_pair_is_not_copied(db_session: Session, event: Any) -> None:
    make_catalogue(db_session, event)
    src = settings_for(db_session, event)
    src.set(PRIVATE_KEY, "cHJpdmF0ZQ==")
    src.set(PUBLIC_KEY, "cHVibGlj")
    src.set("max_items_per_order", 3)
    new = clone_event(db_session, event, slug="copy")
    dst = settings_for(db_session, new)
    assert not dst.is_overridden(PRIVATE_KEY) and not dst.is_overridden(PUBLIC_KEY)
    assert dst["max_items_per_order"] == 3


def test_dates_shift_with_date_from(db_session: Session, event: Any) -> None:
    start = datetime(2040, 1, 1, 10, tzinfo=UTC)
    new = clone_event(db_session, event, slug="later", date_from=start)
    assert new.date_from == start and new.name == event.name
    if event.date_to is not None:
        assert new.date_to - new.date_from == event.date_to - event.date_from


def test_copy_refuses_other_organizer_and_self(db_session: Session, event: Any) -> None:
    from core.services.organizers import create_organizer

    other_org = create_organizer(db_session, "elsewhere", "Elsewhere")
    other = create_event(db_session, other_org, "other-event", "X", event.date_from)
    with pytest.raises(ValidationError, match="same organizer"):
        copy_event_data(db_session, event, other)
    with pytest.raises(ValidationError, match="into itself"):
        copy_event_data(db_session, event, event)


def test_plugins_copied_without_hooks_and_signal_only_for_active(
    db_session: Session, event: Any, plugin_config: Any
) -> None:
    from core.interfaces.events import IEventCopied
    from core.pluginhost import Level, enable_plugin
    from core.pluginhost.activation import enabled_names
    from core.settings import File, FileUpload, Setting
    from sdk.testing import make_fake_plugin

    installed: list[Any] = []
    seen: dict[str, Any] = {}

    def includeme_for(name: str) -> Any:
        def includeme(config: Any) -> None:
            config.add_setting(Setting("logo", File, None))
            config.add_signal_handler(lambda signal, **kw: seen.setdefault(name, signal), IEventCopied)
        return includeme

    plugin_config(
        make_fake_plugin("copier", includeme_for("copier"), level=Level.EVENT, installed=installed.append),
        make_fake_plugin("idle", includeme_for("idle"), level=Level.EVENT),
    )
    cat = make_catalogue(db_session, event)
    enable_plugin(db_session, event, "copier")
    assert installed == [event]
    settings_for(db_session, event).plugin("copier").set("logo", FileUpload("logo.png", b"PNG"))
    new = clone_event(db_session, event, slug="copy")
    assert "copier" in enabled_names(db_session, new) and "idle" not in enabled_names(db_session, new)
    assert installed == [event]
    assert set(seen) == {"copier"}
    signal = seen["copier"]
    assert signal.scope is new and signal.source is event
    with scope(event.organizer_id):
        new_ticket = db_session.get(Item, signal.item_map[cat.ticket.id])
        assert new_ticket.event_id == new.id and signal.tax_map[cat.tax.id] == new_ticket.tax_rule_id
        assert set(signal.quota_map) == {cat.ticket_quota.id, cat.shirt_quota.id}
        assert set(signal.variation_map) == {cat.shirt_s.id, cat.shirt_l.id}
    old_logo = settings_for(db_session, event).plugin("copier").get("logo")
    new_logo = settings_for(db_session, new).plugin("copier").get("logo")
    assert new_logo.name != old_logo.name and new_logo.path.read_bytes() == b"PNG"
