"""Payment deadlines: when a pending order expires, from the event's ``payment_term_*`` settings.

``payment_term_mode`` chooses how the term is counted:

* ``days``: ``payment_term_days`` calendar days after ``now`` (in the event's time zone), at
  23:59:59 local time. With ``payment_term_weekdays`` a deadline on a Saturday or Sunday moves to the
  following Monday. Daylight saving time changes do not matter: the result is always 23:59:59 on
  the wall clock of the event.
* ``minutes``: ``payment_term_minutes`` after ``now``; no end of day, no weekend rule.

The result is never later than ``payment_term_last`` (see :func:`last_payment_date`).

**Sales channels.** ``payment_term_mode``, ``payment_term_days``, ``payment_term_minutes`` and
``payment_term_weekdays`` may be overridden per sales channel by a setting with the channel's
identifier as suffix (``payment_term_days_box``). The override is used when such a key is declared
and has a value; otherwise the general key applies.

**Settings.** ``settings`` is a :class:`~core.settings.SettingsProxy` or any mapping with the same keys
(a frozen copy, or a plain dict in tests). ``now`` comes from the caller, usually
:func:`core.timemachine.now`, since the deadline is a sales rule.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from core.settings import SettingsProxy

END_OF_DAY = time(23, 59, 59)
SATURDAY = 5

SettingsLike = SettingsProxy | Mapping[str, Any]
#: A relative last payment date: called with the start of an ordered date, returns a date or datetime.
RelativeLastDate = Callable[[datetime], date | datetime]
#: The per-channel overridable keys.
CHANNEL_KEYS = ("payment_term_mode", "payment_term_days", "payment_term_minutes", "payment_term_weekdays")


def _zone(tz: str | ZoneInfo) -> ZoneInfo:
    return tz if isinstance(tz, ZoneInfo) else ZoneInfo(tz)


def _aware(name: str, value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError(f"{name} must be a time-zone aware datetime, got {value.isoformat()}")
    return value


def _optional(settings: SettingsLike, key: str) -> Any:
    try:
        return settings.get(key)
    except KeyError:
        return None


def setting(settings: SettingsLike, key: str, channel: str | None = None) -> Any:
    """``key`` for sales channel ``channel``: ``<key>_<channel>`` if declared and set, else ``key``."""
    if channel and key in CHANNEL_KEYS:
        override = _optional(settings, f"{key}_{channel}")
        if override is not None:
            return override
    return settings[key]


def end_of_day(day: date, zone: ZoneInfo) -> datetime:
    """23:59:59 on ``day`` in ``zone``."""
    return datetime.combine(day, END_OF_DAY, tzinfo=zone)


def skip_weekend(moment: datetime) -> datetime:
    """``moment`` moved to the same wall-clock time on the next Monday if it falls on a weekend."""
    weekday = moment.weekday()
    return moment + timedelta(days=7 - weekday) if weekday >= SATURDAY else moment


def last_payment_date(
    settings: SettingsLike, *, tz: str | ZoneInfo, event_dates: Iterable[datetime] = ()
) -> datetime | None:
    """The latest possible deadline from ``payment_term_last``, or None if there is no limit.

    The setting may hold a date (its 23:59:59 in the event's time zone), a datetime, or a
    :data:`RelativeLastDate` that is resolved for each of ``event_dates`` (the start of the event, or
    of every date of a series the order contains); then the earliest result counts.
    """
    value = settings["payment_term_last"]
    if value is None:
        return None
    zone = _zone(tz)
    if callable(value):
        starts = list(event_dates)
        if not starts:
            raise ValueError("a relative payment_term_last needs the start of at least one ordered date")
        return min(_as_moment(value(_aware("event date", start)), zone) for start in starts)
    return _as_moment(value, zone)


def _as_moment(value: date | datetime, zone: ZoneInfo) -> datetime:
    if isinstance(value, datetime):
        return _aware("payment_term_last", value)
    return end_of_day(value, zone)


def payment_deadline(
    now: datetime,
    settings: SettingsLike,
    *,
    tz: str | ZoneInfo,
    event_dates: Iterable[datetime] = (),
    channel: str | None = None,
) -> datetime:
    """The payment deadline (``Order.expires``) of an order placed at ``now``, in UTC.

    :param tz: the event's time zone (``Event.timezone``).
    :param event_dates: starts of the event or of the ordered dates of a series (for a relative
        ``payment_term_last``).
    :param channel: identifier of the order's sales channel, for per-channel overrides.
    """
    zone = _zone(tz)
    now = _aware("now", now)
    mode = setting(settings, "payment_term_mode", channel)
    if mode == "minutes":
        deadline = now + timedelta(minutes=int(setting(settings, "payment_term_minutes", channel)))
    elif mode == "days":
        day = now.astimezone(zone).date() + timedelta(days=int(setting(settings, "payment_term_days", channel)))
        deadline = end_of_day(day, zone)
        if setting(settings, "payment_term_weekdays", channel):
            deadline = skip_weekend(deadline)
    else:
        raise ValueError(f"payment_term_mode must be 'days' or 'minutes', not {mode!r}")
    last = last_payment_date(settings, tz=zone, event_dates=event_dates)
    if last is not None and last < deadline:
        deadline = last
    return deadline.astimezone(UTC)


def expiry_date_with_delay(
    expires: datetime,
    settings: SettingsLike,
    *,
    tz: str | ZoneInfo,
    event_dates: Iterable[datetime] = (),
    channel: str | None = None,
) -> datetime:
    """When an order with deadline ``expires`` actually expires (``payment_term_expire_delay_days``), in UTC.

    The delay adds calendar days at the same wall-clock time in the event's time zone; with
    ``payment_term_weekdays`` a result on a weekend moves to Monday; ``payment_term_last`` caps it
    (never below ``expires`` itself). Without a delay the deadline is the expiry date.
    """
    expires = _aware("expires", expires)
    delay = int(settings["payment_term_expire_delay_days"])
    if not delay:
        return expires.astimezone(UTC)
    zone = _zone(tz)
    delayed = expires.astimezone(zone) + timedelta(days=delay)
    if setting(settings, "payment_term_weekdays", channel):
        delayed = skip_weekend(delayed)
    last = last_payment_date(settings, tz=zone, event_dates=event_dates)
    if last is not None and last < delayed:
        delayed = max(last, expires)
    return delayed.astimezone(UTC)
