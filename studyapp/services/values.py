"""The values the study services hand to the screens and the command line.

Plain frozen dataclasses and one error, with the store's error it refines and the review
log entry a card's history lists; `StudyService` (`studyapp.services.study`) and
`ReviewSession` (`studyapp.services.review`) build them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta, tzinfo
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from studyapp.deck import Card
from studyapp.srs.calendar import check_rollover_hour
from studyapp.store.errors import StoreError
from studyapp.store.records import CardState, ResultSource, ReviewEntry
from studyapp.text import LANGS, Lang

__all__ = [
    "CardInfo", "Dashboard", "GradeResult", "NextStep", "QueueItem", "ReviewEntry",
    "SessionSummary", "Settings", "Stats", "StoreError", "UnknownCardError",
]


@dataclass(frozen=True)
class Settings:
    lang: Lang = "bg"
    rollover_hour: int = 4  # 0..23: a study day starts at this local hour
    new_per_day: int = 10  # 0..999
    timezone: str | None = None  # IANA name; None = the clock's own zone

    def check(self) -> Settings:
        """`self` if every value is valid, else ValueError naming the first bad one."""
        if self.lang not in LANGS:
            raise ValueError(f"language must be one of {', '.join(LANGS)}, got {self.lang!r}")
        check_rollover_hour(self.rollover_hour)
        limit = self.new_per_day
        if isinstance(limit, bool) or not isinstance(limit, int) or not 0 <= limit <= 999:
            raise ValueError(
                f"new cards per day must be a whole number from 0 to 999, got {limit!r}")
        if self.timezone is not None:
            _zone(self.timezone)
        return self

    def zone(self) -> tzinfo | None:
        return _zone(self.timezone) if self.timezone is not None else None


def _zone(name: str) -> tzinfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {name!r}") from None


@dataclass(frozen=True)
class QueueItem:
    card: Card
    state: CardState
    is_new: bool
    redrill: bool  # a same-session repeat of a grade below 4


@dataclass(frozen=True)
class GradeResult:
    card_id: str
    grade: int
    interval_days: int  # the SM-2 interval after this answer (unchanged on a re-drill)
    due: date
    redrill_queued: bool  # True when the card comes back later in this session


@dataclass(frozen=True)
class CardInfo:
    card: Card
    state: CardState
    history: list[ReviewEntry]
    source: ResultSource | None = None  # the lab run a result card was built from


@dataclass(frozen=True)
class SessionSummary:
    reviewed: int  # answers that moved the SM-2 state (each card's first in the session)
    redrills: int  # same-session repeats
    cards: int  # the distinct cards answered
    grades: dict[int, int]  # grade -> count, over the reviewed answers
    seconds: float
    next_due: date | None  # the first day after today with a card due

    @property
    def answers(self) -> int:
        """Every answer that stands: the first ones and the re-drills."""
        return self.reviewed + self.redrills


@dataclass(frozen=True)
class NextStep:
    """What the learner does next: start the module, review `count` cards today, or wait
    for `count` cards due on `day` (tomorrow or later); "done" when nothing is ahead."""

    kind: Literal["start", "review", "tomorrow", "later", "done"]
    count: int = 0
    day: date | None = None


@dataclass(frozen=True)
class Dashboard:
    today: date
    due_reviews: int
    redrills: int
    new_available: int
    next_plan: date | None
    streak: int
    forecast: list[tuple[date, int]]  # the next 30 days, today first
    heatmap: dict[date, int] = field(default_factory=dict)  # the last 84 days
    studied: bool = False  # whether the module has been opened in Study
    plan_prompts: tuple[Card, ...] = ()  # review-plan prompts open today

    def next_step(self) -> NextStep:
        if not self.studied:
            return NextStep("start", self.new_available)
        waiting = self.due_reviews + self.redrills + self.new_available
        if waiting:
            return NextStep("review", waiting)
        tomorrow = self.today + timedelta(days=1)
        day, count = next(((day, count) for day, count in self.forecast
                           if day >= tomorrow and count), (None, 0))
        if day is None:
            return NextStep("done")
        return NextStep("tomorrow" if day == tomorrow else "later", count, day)


@dataclass(frozen=True)
class Stats:
    today: date
    total_reviews: int  # every answer that stands, re-drills included, all time
    reviews_per_day: list[tuple[date, int]]  # each day of the window, oldest first
    first_review_retention: float | None  # share of first answers graded >= 3, in the window
    easiness_histogram: list[tuple[float, int]]
    counts_by_kind: dict[str, int]  # cards answered at least once, by kind
    forecast: list[tuple[date, int]]
    streak: int


class UnknownCardError(StoreError, KeyError):
    """A card id that is not in the loaded content."""

    def __init__(self, card_id: str) -> None:
        self.card_id = card_id
        super().__init__("unknown_card", card_id=card_id)
