"""Study days: local calendar days that start at a rollover hour.

A study day is the local date of `now - rollover_hour`, so 02:30 on the 5th
still belongs to the 4th when the day rolls over at 04:00. Working with
dates (not instants) keeps DST changes and travel from making a card due
twice or skipping a day.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, tzinfo

from dateutil.relativedelta import relativedelta

from studyapp.deck.model import PlanOffset


def _check_aware(now: datetime) -> None:
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("a naive datetime has no study day: pass a timezone-aware one")


def check_rollover_hour(hour: int) -> int:
    if isinstance(hour, bool) or not isinstance(hour, int) or not 0 <= hour <= 23:
        raise ValueError(f"rollover hour must be a whole number from 0 to 23, got {hour!r}")
    return hour


def study_day(now: datetime, rollover_hour: int = 4, tz: tzinfo | None = None) -> date:
    """The study day that `now` belongs to, in `tz` (default: `now`'s own zone)."""
    _check_aware(now)
    check_rollover_hour(rollover_hour)
    local = now.astimezone(tz) if tz is not None else now
    return (local.replace(tzinfo=None) - timedelta(hours=rollover_hour)).date()


def day_start(day: date, rollover_hour: int, tz: tzinfo) -> datetime:
    """The instant the study day `day` begins, in `tz`."""
    check_rollover_hour(rollover_hour)
    return datetime.combine(day, time(hour=rollover_hour), tzinfo=tz)


def due_day(today: date, interval: int) -> date:
    return today + timedelta(days=interval)


def plan_unlock_day(first_day: date, offset: PlanOffset) -> date:
    """First study day + the offset, calendar-aware (+1 month from Jan 31 is Feb 28/29)."""
    return first_day + relativedelta(days=offset.days, weeks=offset.weeks, months=offset.months)
