"""Payment deadlines: days mode to 23:59:59 local, weekend rule, DST, minutes mode, last payment date, delay."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from core.services.deadlines import expiry_date_with_delay, last_payment_date, payment_deadline
from core.settings import SettingsProxy

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")

DEFAULTS: dict[str, Any] = {
    "payment_term_mode": "days",
    "payment_term_days": 14,
    "payment_term_weekdays": True,
    "payment_term_minutes": 30,
    "payment_term_last": None,
    "payment_term_expire_delay_days": 0,
}


def terms(**overrides: Any) -> dict[str, Any]:
    return {**DEFAULTS, **overrides}


def local(zone: ZoneInfo, *args: int) -> datetime:
    return datetime(*args, tzinfo=zone)


@pytest.mark.parametrize(("now", "zone", "settings", "expected"), [
    # Friday + 1 day = Saturday -> Monday 23:59:59 local
    (local(BERLIN, 2030, 3, 8, 12, 0), BERLIN, terms(payment_term_days=1), local(BERLIN, 2030, 3, 11, 23, 59, 59)),
    # the same without the weekday rule stays on Saturday
    (local(BERLIN, 2030, 3, 8, 12, 0), BERLIN, terms(payment_term_days=1, payment_term_weekdays=False),
     local(BERLIN, 2030, 3, 9, 23, 59, 59)),
    # Friday + 2 = Sunday -> Monday
    (local(BERLIN, 2030, 3, 8, 12, 0), BERLIN, terms(payment_term_days=2), local(BERLIN, 2030, 3, 11, 23, 59, 59)),
    # Wednesday + 14 = Wednesday
    (local(BERLIN, 2030, 3, 6, 9, 30), BERLIN, terms(), local(BERLIN, 2030, 3, 20, 23, 59, 59)),
    # 0 days: today at 23:59:59
    (local(BERLIN, 2030, 3, 6, 9, 30), BERLIN, terms(payment_term_days=0), local(BERLIN, 2030, 3, 6, 23, 59, 59)),
    # 23:30 UTC on Friday is already Saturday in Berlin: Saturday + 1 = Sunday -> Monday
    (datetime(2030, 3, 8, 23, 30, tzinfo=UTC), BERLIN, terms(payment_term_days=1),
     local(BERLIN, 2030, 3, 11, 23, 59, 59)),
    # 02:00 UTC on Saturday is still Friday in New York: Friday + 1 = Saturday -> Monday
    (datetime(2030, 3, 9, 2, 0, tzinfo=UTC), NEW_YORK, terms(payment_term_days=1),
     local(NEW_YORK, 2030, 3, 11, 23, 59, 59)),
    # DST starts in Berlin on Sunday 2030-03-31: Friday 29th + 1 -> Monday 1 April, 23:59:59 CEST (21:59:59 UTC)
    (local(BERLIN, 2030, 3, 29, 12, 0), BERLIN, terms(payment_term_days=1),
     datetime(2030, 4, 1, 21, 59, 59, tzinfo=UTC)),
    # DST ends in Berlin on Sunday 2030-10-27: Thursday 24th + 3 -> Sunday -> Monday 28th, 23:59:59 CET (22:59:59 UTC)
    (local(BERLIN, 2030, 10, 24, 12, 0), BERLIN, terms(payment_term_days=3),
     datetime(2030, 10, 28, 22, 59, 59, tzinfo=UTC)),
    # the day before DST ends, no weekday rule: Saturday 26th + 1 = Sunday 27th 23:59:59 CET
    (local(BERLIN, 2030, 10, 26, 12, 0), BERLIN, terms(payment_term_days=1, payment_term_weekdays=False),
     datetime(2030, 10, 27, 22, 59, 59, tzinfo=UTC)),
    # minutes mode: exact, no weekend rule even on a Saturday night
    (local(BERLIN, 2030, 3, 9, 23, 50), BERLIN, terms(payment_term_mode="minutes"), local(BERLIN, 2030, 3, 10, 0, 20)),
    # minutes mode across the DST gap: 30 real minutes
    (datetime(2030, 3, 31, 0, 45, tzinfo=UTC), BERLIN, terms(payment_term_mode="minutes", payment_term_minutes=30),
     datetime(2030, 3, 31, 1, 15, tzinfo=UTC)),
    # capped by the last payment date (its end of day, local)
    (local(BERLIN, 2030, 3, 6, 9, 30), BERLIN, terms(payment_term_last=date(2030, 3, 10)),
     local(BERLIN, 2030, 3, 10, 23, 59, 59)),
    # the cap applies after the weekend rule (a cap on Sunday stays on Sunday)
    (local(BERLIN, 2030, 3, 8, 12, 0), BERLIN, terms(payment_term_days=1, payment_term_last=date(2030, 3, 10)),
     local(BERLIN, 2030, 3, 10, 23, 59, 59)),
    # a later cap changes nothing
    (local(BERLIN, 2030, 3, 6, 9, 30), BERLIN, terms(payment_term_last=date(2030, 12, 31)),
     local(BERLIN, 2030, 3, 20, 23, 59, 59)),
    # a datetime cap is exact; it caps minute mode too
    (local(BERLIN, 2030, 3, 6, 9, 30), BERLIN,
     terms(payment_term_mode="minutes", payment_term_last=local(BERLIN, 2030, 3, 6, 9, 40)),
     local(BERLIN, 2030, 3, 6, 9, 40)),
])
def test_payment_deadline(now: datetime, zone: ZoneInfo, settings: dict[str, Any], expected: datetime) -> None:
    deadline = payment_deadline(now, settings, tz=zone)
    assert deadline == expected
    assert deadline.tzinfo is UTC


def test_days_mode_is_end_of_day_on_the_event_wall_clock() -> None:
    deadline = payment_deadline(local(BERLIN, 2030, 3, 29, 8, 0), terms(payment_term_days=3), tz="Europe/Berlin")
    assert deadline.astimezone(BERLIN).timetz().replace(tzinfo=None).isoformat() == "23:59:59"
    assert deadline.astimezone(BERLIN).date() == date(2030, 4, 1)


def test_relative_last_date_uses_the_earliest_ordered_date() -> None:
    def three_days_before(start: datetime) -> date:
        return (start - timedelta(days=3)).date()

    dates = [local(BERLIN, 2030, 5, 20, 19, 0), local(BERLIN, 2030, 5, 10, 19, 0), local(BERLIN, 2030, 6, 1, 19, 0)]
    settings = terms(payment_term_last=three_days_before)
    assert payment_deadline(local(BERLIN, 2030, 5, 1, 10, 0), settings, tz=BERLIN, event_dates=dates) == local(
        BERLIN, 2030, 5, 7, 23, 59, 59)
    assert last_payment_date(settings, tz=BERLIN, event_dates=dates[:1]) == local(BERLIN, 2030, 5, 17, 23, 59, 59)
    with pytest.raises(ValueError, match="at least one ordered date"):
        payment_deadline(local(BERLIN, 2030, 5, 1, 10, 0), settings, tz=BERLIN)


def test_no_last_date_means_no_cap() -> None:
    assert last_payment_date(terms(), tz=BERLIN) is None


def test_channel_overrides_apply_only_when_set() -> None:
    settings = terms(payment_term_mode_box="minutes", payment_term_minutes_box=5, payment_term_days_web=None)
    now = local(BERLIN, 2030, 3, 6, 9, 30)
    assert payment_deadline(now, settings, tz=BERLIN, channel="box") == local(BERLIN, 2030, 3, 6, 9, 35)
    assert payment_deadline(now, settings, tz=BERLIN, channel="web") == local(BERLIN, 2030, 3, 20, 23, 59, 59)
    assert payment_deadline(now, settings, tz=BERLIN) == local(BERLIN, 2030, 3, 20, 23, 59, 59)


def test_works_with_the_event_settings_proxy(event_settings: SettingsProxy) -> None:
    now = local(BERLIN, 2030, 3, 8, 12, 0)
    assert payment_deadline(now, event_settings, tz=BERLIN) == local(BERLIN, 2030, 3, 22, 23, 59, 59)
    event_settings.set("payment_term_days", 1)
    assert payment_deadline(now, event_settings, tz=BERLIN, channel="web") == local(BERLIN, 2030, 3, 11, 23, 59, 59)
    event_settings.set("payment_term_mode", "minutes")
    assert payment_deadline(now, event_settings, tz=BERLIN) == local(BERLIN, 2030, 3, 8, 12, 30)


def test_bad_input_is_refused() -> None:
    with pytest.raises(ValueError, match="time-zone aware"):
        payment_deadline(datetime(2030, 1, 1), terms(), tz=BERLIN)
    with pytest.raises(ValueError, match="'days' or 'minutes'"):
        payment_deadline(local(BERLIN, 2030, 1, 1), terms(payment_term_mode="weeks"), tz=BERLIN)


@pytest.mark.parametrize(("expires", "settings", "expected"), [
    # no delay: the deadline itself
    (local(BERLIN, 2030, 3, 6, 23, 59, 59), terms(), local(BERLIN, 2030, 3, 6, 23, 59, 59)),
    # Wednesday + 2 = Friday
    (local(BERLIN, 2030, 3, 6, 23, 59, 59), terms(payment_term_expire_delay_days=2),
     local(BERLIN, 2030, 3, 8, 23, 59, 59)),
    # Thursday + 2 = Saturday -> Monday
    (local(BERLIN, 2030, 3, 7, 23, 59, 59), terms(payment_term_expire_delay_days=2),
     local(BERLIN, 2030, 3, 11, 23, 59, 59)),
    # without the weekday rule Saturday stays
    (local(BERLIN, 2030, 3, 7, 23, 59, 59), terms(payment_term_expire_delay_days=2, payment_term_weekdays=False),
     local(BERLIN, 2030, 3, 9, 23, 59, 59)),
    # wall clock kept across DST (Friday 29 March + 3 = Monday 1 April, 23:59:59 CEST)
    (local(BERLIN, 2030, 3, 29, 23, 59, 59), terms(payment_term_expire_delay_days=3),
     datetime(2030, 4, 1, 21, 59, 59, tzinfo=UTC)),
    # capped by the last payment date ...
    (local(BERLIN, 2030, 3, 6, 23, 59, 59), terms(payment_term_expire_delay_days=5, payment_term_last=date(2030, 3, 8)),
     local(BERLIN, 2030, 3, 8, 23, 59, 59)),
    # ... but never earlier than the deadline itself
    (local(BERLIN, 2030, 3, 9, 23, 59, 59), terms(payment_term_expire_delay_days=5, payment_term_last=date(2030, 3, 8)),
     local(BERLIN, 2030, 3, 9, 23, 59, 59)),
])
def test_expiry_date_with_delay(expires: datetime, settings: dict[str, Any], expected: datetime) -> None:
    assert expiry_date_with_delay(expires, settings, tz=BERLIN) == expected
