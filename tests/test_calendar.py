"""Study days: rollover hour, time zones, DST changes, travel, review-plan offsets.

Instants are always stepped in UTC and then shown in a zone: arithmetic on two
aware datetimes of the same zone is wall-clock arithmetic in Python and would
hide the DST changes under test.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from studyapp.deck.model import PlanOffset
from studyapp.srs.calendar import (
    check_rollover_hour,
    day_start,
    due_day,
    plan_unlock_day,
    study_day,
)
from studyapp.srs.sm2 import Sm2State, review

SOFIA = ZoneInfo("Europe/Sofia")
NEW_YORK = ZoneInfo("America/New_York")
TOKYO = ZoneInfo("Asia/Tokyo")
HOUR = timedelta(hours=1)

# (zone, the local date of the change, the offset change in hours)
DST_CHANGES = [
    pytest.param(SOFIA, date(2026, 3, 29), +1, id="sofia-spring-last-sunday-of-march"),
    pytest.param(SOFIA, date(2026, 10, 25), -1, id="sofia-autumn-last-sunday-of-october"),
    pytest.param(NEW_YORK, date(2026, 3, 8), +1, id="new-york-spring"),
    pytest.param(NEW_YORK, date(2026, 11, 1), -1, id="new-york-autumn"),
]


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def hourly(start: datetime, hours: int) -> list[datetime]:
    return [start + k * HOUR for k in range(hours)]


# --- rollover hour -------------------------------------------------------------------------


def test_half_past_two_belongs_to_the_previous_study_day_at_rollover_four() -> None:
    assert study_day(datetime(2026, 5, 5, 2, 30, tzinfo=SOFIA), 4) == date(2026, 5, 4)


@pytest.mark.parametrize(
    ("hour", "minute", "expected"),
    [(0, 0, 4), (3, 59, 4), (4, 0, 5), (23, 59, 5)],
)
def test_day_changes_exactly_at_the_rollover_hour(hour: int, minute: int, expected: int) -> None:
    now = datetime(2026, 5, 5, hour, minute, tzinfo=SOFIA)
    assert study_day(now, 4) == date(2026, 5, expected)


def test_rollover_zero_is_the_calendar_date() -> None:
    assert study_day(datetime(2026, 5, 5, 0, 0, tzinfo=SOFIA), 0) == date(2026, 5, 5)


def test_default_rollover_is_four() -> None:
    assert study_day(datetime(2026, 5, 5, 3, 0, tzinfo=SOFIA)) == date(2026, 5, 4)


def test_study_day_is_taken_in_the_given_zone() -> None:
    now = utc(2026, 5, 5, 1, 30)  # 04:30 in Sofia (EEST), 21:30 the day before in New York
    assert study_day(now, 4, SOFIA) == date(2026, 5, 5)
    assert study_day(now, 4, NEW_YORK) == date(2026, 5, 4)
    assert study_day(now, 4) == date(2026, 5, 4)  # UTC 01:30 is before 04:00


def test_naive_datetime_raises() -> None:
    with pytest.raises(ValueError, match="naive"):
        study_day(datetime(2026, 5, 5, 12, 0), 4)
    with pytest.raises(ValueError, match="naive"):
        study_day(datetime(2026, 5, 5, 12, 0), 4, SOFIA)


@pytest.mark.parametrize("hour", [-1, 24, 4.0, "4", True, None])
def test_rollover_hour_outside_whole_hours_0_to_23_raises(hour: object) -> None:
    with pytest.raises(ValueError, match="rollover hour"):
        check_rollover_hour(hour)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="rollover hour"):
        study_day(utc(2026, 5, 5, 12), hour)  # type: ignore[arg-type]


# --- DST: every calendar day is a study day exactly once ---------------------------------------


@pytest.mark.parametrize(("zone", "change_day", "shift"), DST_CHANGES)
@pytest.mark.parametrize("rollover", range(24))
def test_walking_across_a_dst_change_hits_every_day_once(
    zone: ZoneInfo, change_day: date, shift: int, rollover: int
) -> None:
    first = datetime.combine(change_day - timedelta(days=3), datetime.min.time(), tzinfo=UTC)
    instants = hourly(first, 7 * 24)
    offsets = {t.astimezone(zone).utcoffset() for t in instants}
    assert len(offsets) == 2, "the window must contain the DST change"

    days = [study_day(t.astimezone(zone), rollover) for t in instants]

    # nothing twice: once the day has moved on it never comes back
    assert days == sorted(days)
    # nothing skipped: consecutive hours are on the same or the next day
    assert all((b - a).days in (0, 1) for a, b in pairwise(days))
    # every full day in the window lasts 24 hours, except the one holding the change
    hours = Counter(days)
    full = [hours[d] for d in sorted(hours)[1:-1]]
    assert sorted(full) == sorted([24] * (len(full) - 1) + [24 - shift])


@pytest.mark.parametrize(("zone", "change_day", "shift"), DST_CHANGES)
@pytest.mark.parametrize("rollover", range(24))
def test_day_start_is_the_first_instant_of_the_study_day(
    zone: ZoneInfo, change_day: date, shift: int, rollover: int
) -> None:
    for delta in range(-2, 3):
        day = change_day + timedelta(days=delta)
        start = day_start(day, rollover, zone).astimezone(UTC)
        assert study_day(start.astimezone(zone), rollover) == day
        just_before = (start - timedelta(seconds=1)).astimezone(zone)
        assert study_day(just_before, rollover) == day - timedelta(days=1)


ZONES = ["Europe/Sofia", "America/New_York", "Asia/Tokyo", "Australia/Lord_Howe",
         "America/Santiago", "Pacific/Kiritimati", "Pacific/Pago_Pago", "UTC"]


@given(
    st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2037, 12, 31)),
    st.integers(min_value=1, max_value=10**7),
    st.sampled_from(ZONES),
    st.integers(min_value=0, max_value=23),
)
def test_study_day_never_goes_back_in_one_zone(
    start: datetime, seconds: int, zone_name: str, rollover: int
) -> None:
    zone = ZoneInfo(zone_name)
    earlier = start.replace(tzinfo=UTC)
    later = earlier + timedelta(seconds=seconds)
    assert study_day(earlier.astimezone(zone), rollover) <= study_day(
        later.astimezone(zone), rollover
    )


# --- travel --------------------------------------------------------------------------------


@dataclass
class Deck:
    """Cards on the scheduler's rule: a card is due when its due day <= today."""

    due: dict[str, date]
    state: dict[str, Sm2State]
    reviews: list[tuple[str, date, datetime]]

    @classmethod
    def first_seen(cls, ids: list[str], today: date) -> Deck:
        return cls({i: today for i in ids}, {i: Sm2State.new() for i in ids}, [])

    def study(self, now: datetime, rollover: int, grades: Mapping[str, int]) -> None:
        """Answer every due card, each with its grade in `grades`."""
        today = study_day(now, rollover)
        for card_id, due in self.due.items():
            if due <= today:
                self.state[card_id] = review(self.state[card_id], grades[card_id])
                self.due[card_id] = due_day(today, self.state[card_id].interval)
                self.reviews.append((card_id, today, now))


def check_no_card_due_twice(deck: Deck) -> None:
    """The reviews of each card fall on strictly increasing study days.

    This is stronger than "never twice on one date": when travel makes the
    study day go back (westward), a card answered on the later day must not
    come due again on the earlier one.
    """
    by_card: dict[str, list[date]] = {}
    for card_id, day, _ in deck.reviews:
        by_card.setdefault(card_id, []).append(day)
    for days in by_card.values():
        assert all(a < b for a, b in pairwise(days)), days


def test_sofia_new_york_tokyo_never_makes_a_card_due_twice() -> None:
    """A learner who studies every hour they are awake while flying around the world.

    The clock's zone is the learner's: Sofia, then New York from 10 March 03:00 UTC
    (05:00 in Sofia, 23:00 the day before in New York), then Tokyo from 14 March
    02:00 UTC. The study day is computed in the clock's zone.
    """
    rollover = 4

    def zone_at(t: datetime) -> ZoneInfo:
        if t < utc(2026, 3, 10, 3):
            return SOFIA
        if t < utc(2026, 3, 14, 2):
            return NEW_YORK
        return TOKYO

    instants = [t.astimezone(zone_at(t)) for t in hourly(utc(2026, 3, 8, 0), 14 * 24)]
    days = [study_day(t, rollover) for t in instants]
    # the trip does send the study day back (westward) and forward by more than a day
    # of real time (eastward): the test covers both directions
    assert any(b < a for a, b in pairwise(days))

    deck = Deck.first_seen(["good", "failing"], days[0])
    for now in instants:
        deck.study(now, rollover, {"good": 4, "failing": 2})
    check_no_card_due_twice(deck)

    def review_days(card_id: str) -> list[date]:
        return [day for reviewed, day, _ in deck.reviews if reviewed == card_id]

    # 02:00 in Sofia on 8 March is study day 7 March; SM-2 gives 1, 6 and then 15 days
    assert review_days("good") == [date(2026, 3, 7), date(2026, 3, 8), date(2026, 3, 14)]
    # a card failed every time is due every day: it is answered on each study day of the
    # trip exactly once, although the clock shows 9 and 10 March again in New York
    # (the trip ends at 08:00 on 22 March in Tokyo)
    assert review_days("failing") == [date(2026, 3, 7) + timedelta(days=k) for k in range(16)]


def test_sofia_to_new_york_shows_the_day_before_without_a_second_review() -> None:
    """05:00 on 10 March in Sofia is 23:00 on 9 March in New York (study day 9 March)."""
    deck = Deck.first_seen(["a"], date(2026, 3, 10))
    deck.study(datetime(2026, 3, 10, 5, 0, tzinfo=SOFIA), 4, {"a": 5})
    assert deck.due["a"] == date(2026, 3, 11)
    same_instant_in_new_york = datetime(2026, 3, 10, 5, 0, tzinfo=SOFIA).astimezone(NEW_YORK)
    assert study_day(same_instant_in_new_york, 4) == date(2026, 3, 9)
    deck.study(same_instant_in_new_york, 4, {"a": 5})
    four_hours_later = (same_instant_in_new_york.astimezone(UTC) + 4 * HOUR).astimezone(NEW_YORK)
    assert study_day(four_hours_later, 4) == date(2026, 3, 9)  # 03:00 local
    deck.study(four_hours_later, 4, {"a": 5})
    assert len(deck.reviews) == 1


def test_a_day_skipped_by_the_date_line_leaves_its_cards_due_the_next_day() -> None:
    """Pago Pago (UTC-11) to Kiritimati (UTC+14): the local clock jumps 25 hours.

    03:00 on 2 June in Pago Pago is study day 1 June; one hour later it is 05:00 on
    3 June on Kiritimati, so study day 2 June never happens.
    """
    rollover = 4
    pago_pago = datetime(2026, 6, 2, 3, 0, tzinfo=ZoneInfo("Pacific/Pago_Pago"))
    deck = Deck.first_seen(["a"], date(2026, 6, 1))
    deck.study(pago_pago, rollover, {"a": 5})
    assert deck.due["a"] == date(2026, 6, 2)
    later = (pago_pago.astimezone(UTC) + HOUR).astimezone(ZoneInfo("Pacific/Kiritimati"))
    assert study_day(later, rollover) == date(2026, 6, 3)
    deck.study(later, rollover, {"a": 5})
    assert [d for _, d, _ in deck.reviews] == [date(2026, 6, 1), date(2026, 6, 3)]


@st.composite
def itineraries(draw: st.DrawFn) -> list[tuple[int, str]]:
    """Legs of a trip: (hours spent, zone name)."""
    legs = st.tuples(st.integers(min_value=1, max_value=60), st.sampled_from(ZONES))
    return draw(st.lists(legs, min_size=1, max_size=8))


@given(
    itineraries(),
    st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2030, 12, 31)),
    st.integers(min_value=0, max_value=23),
    st.lists(st.integers(min_value=0, max_value=5), min_size=1, max_size=5),
)
def test_no_itinerary_makes_a_card_due_twice_or_loses_one(
    legs: list[tuple[int, str]], start: datetime, rollover: int, grades: list[int]
) -> None:
    """Whatever the trip, reviews of a card fall on strictly increasing study days, and a
    card is never left overdue: after every hour, no card is due on or before today."""
    now = start.replace(minute=0, second=0, microsecond=0, tzinfo=UTC)
    deck = Deck.first_seen(["a", "b"], study_day(now.astimezone(ZoneInfo(legs[0][1])), rollover))
    step = 0
    for hours, zone_name in legs:
        for _ in range(hours):
            local = now.astimezone(ZoneInfo(zone_name))
            grade = grades[step % len(grades)]
            deck.study(local, rollover, {"a": grade, "b": 5 - grade})
            step += 1
            today = study_day(local, rollover)
            assert all(due > today for due in deck.due.values())
            now += HOUR
    check_no_card_due_twice(deck)


# --- due days and plan offsets ------------------------------------------------------------


def test_due_day_adds_whole_days() -> None:
    assert due_day(date(2026, 2, 27), 1) == date(2026, 2, 28)
    assert due_day(date(2026, 2, 27), 6) == date(2026, 3, 5)


@pytest.mark.parametrize(
    ("first", "offset", "unlock"),
    [
        (date(2026, 1, 31), PlanOffset(months=1), date(2026, 2, 28)),
        (date(2028, 1, 31), PlanOffset(months=1), date(2028, 2, 29)),
        (date(2026, 3, 31), PlanOffset(months=1), date(2026, 4, 30)),
        (date(2026, 12, 15), PlanOffset(months=1), date(2027, 1, 15)),
        (date(2026, 2, 28), PlanOffset(days=1), date(2026, 3, 1)),
        (date(2026, 2, 27), PlanOffset(days=3), date(2026, 3, 2)),
        (date(2026, 12, 28), PlanOffset(weeks=1), date(2027, 1, 4)),
        (date(2026, 1, 31), PlanOffset(days=1, weeks=1, months=1), date(2026, 3, 8)),
    ],
)
def test_plan_unlock_day_is_calendar_aware(first: date, offset: PlanOffset, unlock: date) -> None:
    assert plan_unlock_day(first, offset) == unlock
