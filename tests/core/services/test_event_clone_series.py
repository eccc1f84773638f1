"""Event cloning of series dates, vouchers, sales channel limits and the per-plugin audit entries."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.db import scope
from core.i18n import I18nString
from core.models import Item, Quota, SubEvent, Voucher
from core.models.logs import LogEntry
from core.models.meta import EventMetaProperty, SubEventMetaValue
from core.models.subevent_items import SubEventItem, SubEventItemVariation
from core.services.event_clone import EVENT_CLONED, PLUGIN_DATA_COPIED, clone_event
from core.services.events import create_event
from sdk.testing.fixtures_commerce import make_catalogue

START = datetime(2031, 5, 1, 18, tzinfo=UTC)


def _series(session: Session, organizer: Any) -> Any:
    """A series with two dates, per-date overrides and meta values, date quotas and vouchers."""
    series = create_event(session, organizer, "tour", "Tour", START, has_subevents=True)
    cat = make_catalogue(session, series)
    org = organizer.id
    with scope(org):
        prop = EventMetaProperty(organizer_id=org, name="city")
        day1 = SubEvent(event_id=series.id, organizer_id=org, name=I18nString({"en": "Berlin"}), date_from=START,
                        date_to=START + timedelta(hours=3), active=True)
        day2 = SubEvent(event_id=series.id, organizer_id=org, name=I18nString({"en": "Paris"}),
                        date_from=START + timedelta(days=7))
        session.add_all([prop, day1, day2])
        session.flush()
        day1_quota = Quota(event_id=series.id, organizer_id=org, name="Berlin", size=100, subevent_id=day1.id)
        day1_quota.items.append(cat.ticket)
        day2_quota = Quota(event_id=series.id, organizer_id=org, name="Paris shirts", size=5, subevent_id=day2.id)
        day2_quota.items.append(cat.shirt)
        day2_quota.variations.append(cat.shirt_l)
        session.add_all([
            day1_quota, day2_quota,
            SubEventMetaValue(subevent_id=day1.id, organizer_id=org, property_id=prop.id, value="Berlin"),
            SubEventItem(subevent_id=day1.id, organizer_id=org, item_id=cat.ticket.id, price=Decimal("30.00"),
                         available_until=START - timedelta(hours=1)),
            SubEventItemVariation(subevent_id=day2.id, organizer_id=org, variation_id=cat.shirt_s.id,
                                  disabled=True),
        ])
        session.flush()
        vouchers = [
            Voucher(event_id=series.id, organizer_id=org, code="ITEMCODE1", item_id=cat.shirt.id,
                    variation_id=cat.shirt_l.id, max_usages=5, redeemed=3, subevent_id=day2.id,
                    valid_until=START, price_mode="set", value=Decimal("10.00"), tag="press"),
            Voucher(event_id=series.id, organizer_id=org, code="QUOTACODE", quota_id=day1_quota.id,
                    subevent_id=day1.id, block_quota=True, redeemed=1),
            Voucher(event_id=series.id, organizer_id=org, code="ANYTHING1"),
        ]
        session.add_all(vouchers)
        session.flush()
    return series, cat, day1, day2, day1_quota, day2_quota


def _by(session: Session, model: Any, event: Any, **where: Any) -> Any:
    return session.scalars(select(model).filter_by(event_id=event.id, **where)).one()


def test_series_dates_copied_with_overrides_meta_and_quotas(db_session: Session, organizer: Any) -> None:
    series, _cat, day1, day2, day1_quota, _ = _series(db_session, organizer)
    new = clone_event(db_session, series, slug="tour-2", date_from=START + timedelta(days=365))
    db_session.expire_all()
    shift = timedelta(days=365)
    with scope(organizer.id):
        dates = db_session.scalars(select(SubEvent).where(SubEvent.event_id == new.id).order_by(SubEvent.date_from))
        berlin, paris = dates.all()
        assert berlin.id != day1.id and berlin.name == I18nString({"en": "Berlin"}) and berlin.active
        assert berlin.date_from == START + shift and berlin.date_to == START + shift + timedelta(hours=3)
        assert paris.date_from == day2.date_from + shift
        assert berlin.last_modified > day1.last_modified
        assert [(m.value, m.property.name) for m in berlin.meta_values] == [("Berlin", "city")]
        ticket = _by(db_session, Item, new, default_price=Decimal("23.00"))
        (override,) = db_session.scalars(select(SubEventItem).where(SubEventItem.subevent_id == berlin.id))
        assert override.item_id == ticket.id and override.price == Decimal("30.00")
        assert override.available_until == START + shift - timedelta(hours=1)
        (var_override,) = db_session.scalars(
            select(SubEventItemVariation).where(SubEventItemVariation.subevent_id == paris.id))
        assert var_override.disabled and var_override.variation.item.event_id == new.id
        assert var_override.variation.value == I18nString({"en": "S"})
        berlin_quota = _by(db_session, Quota, new, name="Berlin")
        assert berlin_quota.subevent_id == berlin.id and berlin_quota.items == [ticket]
        paris_quota = _by(db_session, Quota, new, name="Paris shirts")
        assert paris_quota.subevent_id == paris.id
        assert [v.value for v in paris_quota.variations] == [I18nString({"en": "L"})]
        assert paris_quota.variations[0].item.event_id == new.id
        assert _by(db_session, Quota, new, name="Tickets").subevent_id is None
        assert db_session.get(Quota, day1_quota.id).subevent_id == day1.id


def test_vouchers_copied_remapped_unredeemed_with_codes(db_session: Session, organizer: Any) -> None:
    series, _cat, _day1, day2, _day1_quota, _ = _series(db_session, organizer)
    new = clone_event(db_session, series, slug="tour-2", date_from=START + timedelta(days=1))
    db_session.expire_all()
    with scope(organizer.id):
        codes = sorted(db_session.scalars(select(Voucher.code).where(Voucher.event_id == new.id)))
        assert codes == ["ANYTHING1", "ITEMCODE1", "QUOTACODE"]
        item_voucher = _by(db_session, Voucher, new, code="ITEMCODE1")
        assert item_voucher.redeemed == 0 and item_voucher.max_usages == 5 and item_voucher.tag == "press"
        assert item_voucher.item.event_id == new.id and item_voucher.item.default_price == Decimal("15.00")
        assert item_voucher.variation.item_id == item_voucher.item_id
        assert item_voucher.variation.value == I18nString({"en": "L"})
        assert item_voucher.subevent.event_id == new.id and item_voucher.subevent.name == I18nString({"en": "Paris"})
        assert item_voucher.valid_until == START + timedelta(days=1)
        assert item_voucher.price_mode == "set" and item_voucher.value == Decimal("10.00")
        quota_voucher = _by(db_session, Voucher, new, code="QUOTACODE")
        assert quota_voucher.quota.event_id == new.id and quota_voucher.quota.name == "Berlin"
        assert quota_voucher.subevent_id == quota_voucher.quota.subevent_id and quota_voucher.redeemed == 0
        assert quota_voucher.block_quota
        assert db_session.get(Voucher, item_voucher.id) is not None
        old = _by(db_session, Voucher, series, code="ITEMCODE1")
        assert old.redeemed == 3 and old.subevent_id == day2.id
        entry = db_session.scalars(select(LogEntry).where(LogEntry.event_id == new.id,
                                                          LogEntry.action_type == EVENT_CLONED)).one()
        assert entry.parsed_data["subevents"] == 2 and entry.parsed_data["vouchers"] == 3


def test_into_a_plain_event_dates_and_their_objects_are_skipped(db_session: Session, organizer: Any) -> None:
    series, *_ = _series(db_session, organizer)
    from core.services.event_clone import copy_event_data

    plain = create_event(db_session, organizer, "plain", "Plain", START)
    maps = copy_event_data(db_session, series, plain)
    with scope(organizer.id):
        assert maps.subevent == {}
        assert db_session.scalars(select(SubEvent).where(SubEvent.event_id == plain.id)).all() == []
        assert sorted(db_session.scalars(select(Quota.name).where(Quota.event_id == plain.id))) == ["Shirts",
                                                                                                   "Tickets"]
        assert list(db_session.scalars(select(Voucher.code).where(Voucher.event_id == plain.id))) == ["ANYTHING1"]


def test_sales_channel_limits_copied(db_session: Session, event: Any) -> None:
    cat = make_catalogue(db_session, event)
    with scope(event.organizer_id):
        event.all_sales_channels = False
        event.limit_sales_channels = [cat.api]
        cat.shirt.all_sales_channels = False
        cat.shirt.limit_sales_channels = [cat.web, cat.api]
        cat.shirt_s.all_sales_channels = False
        cat.shirt_s.limit_sales_channels = [cat.web]
        db_session.flush()
    new = clone_event(db_session, event, slug="copy")
    db_session.expire_all()
    with scope(event.organizer_id):
        assert new.all_sales_channels is False and [c.identifier for c in new.limit_sales_channels] == ["api"]
        shirt = _by(db_session, Item, new, default_price=Decimal("15.00"))
        assert shirt.all_sales_channels is False
        assert sorted(c.identifier for c in shirt.limit_sales_channels) == ["api", "web"]
        small = next(v for v in shirt.variations if v.value == I18nString({"en": "S"}))
        assert small.all_sales_channels is False and [c.identifier for c in small.limit_sales_channels] == ["web"]
        assert [c.identifier for c in event.limit_sales_channels] == ["api"]


def test_one_audit_entry_per_plugin_that_copied_rows(db_session: Session, event: Any, plugin_config: Any) -> None:
    from core.interfaces.events import IEventCopied
    from core.pluginhost import Level, enable_plugin
    from sdk.testing import make_fake_plugin

    def includeme_for(summary: Any) -> Any:
        def includeme(config: Any) -> None:
            def handler(signal: Any, **kw: Any) -> Any:
                if summary == "boom":
                    raise RuntimeError("copy failed")
                return summary
            config.add_signal_handler(handler, IEventCopied)
        return includeme

    plugin_config(
        make_fake_plugin("copier", includeme_for({"rules": 2}), level=Level.EVENT),
        make_fake_plugin("quiet", includeme_for(None), level=Level.EVENT),
        make_fake_plugin("broken", includeme_for("boom"), level=Level.EVENT),
    )
    make_catalogue(db_session, event)
    for name in ("copier", "quiet", "broken"):
        enable_plugin(db_session, event, name)
    new = clone_event(db_session, event, slug="copy")
    with scope(event.organizer_id):
        entries = db_session.scalars(select(LogEntry).where(LogEntry.event_id == new.id,
                                                            LogEntry.action_type == PLUGIN_DATA_COPIED)).all()
    assert [e.parsed_data for e in entries] == [{"plugin": "copier", "source": event.id, "copied": {"rules": 2}}]
