"""Study use cases: settings, the review queue, grading, undo, stats.

CONTRACT (being implemented): the TUI and the command line use exactly these
names. The implementation may add to them but not rename or remove.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from studyapp.clock import Clock
from studyapp.deck import Card, Lang, Module


@dataclass(frozen=True)
class Settings:
    lang: Lang = "bg"
    rollover_hour: int = 4  # 0..23: a study day starts at this local hour
    new_per_day: int = 10  # 0..999
    timezone: str | None = None  # IANA name; None = the clock's own zone


@dataclass(frozen=True)
class CardState:
    card_id: str
    repetitions: int
    easiness: float
    interval: int
    due: date | None  # None for a card never answered
    first_seen: datetime | None


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
class ReviewEntry:
    at: datetime  # UTC
    grade: int
    answer: str | None
    redrill: bool
    response_ms: int | None
    before: tuple[int, float, int]  # repetitions, easiness, interval
    after: tuple[int, float, int]


@dataclass(frozen=True)
class CardInfo:
    card: Card
    state: CardState
    history: list[ReviewEntry]


@dataclass(frozen=True)
class SessionSummary:
    reviewed: int
    redrills: int
    grades: dict[int, int]
    seconds: float
    next_due: date | None


@dataclass(frozen=True)
class Dashboard:
    today: date
    due_reviews: int
    redrills: int
    new_available: int
    next_plan: date | None
    streak: int
    forecast: list[tuple[date, int]]  # the next 30 days
    heatmap: dict[date, int] = field(default_factory=dict)  # the last 84 days


@dataclass(frozen=True)
class Stats:
    today: date
    total_reviews: int
    reviews_per_day: list[tuple[date, int]]
    first_review_retention: float | None  # share of first answers graded >= 3
    easiness_histogram: list[tuple[float, int]]
    counts_by_kind: dict[str, int]
    forecast: list[tuple[date, int]]
    streak: int


class ReviewSession:
    def current(self) -> QueueItem | None: ...
    def remaining(self) -> int: ...
    def grade(
        self, grade: int, answer: str | None = None, response_ms: int | None = None
    ) -> GradeResult: ...
    def can_undo(self) -> bool: ...
    def undo(self) -> QueueItem | None: ...
    def summary(self) -> SessionSummary: ...
    def refresh_if_day_changed(self) -> bool: ...


class StudyService:
    @classmethod
    def open(cls, db_path: Path, modules: Sequence[Module], clock: Clock) -> StudyService: ...
    def close(self) -> None: ...
    def settings(self) -> Settings: ...
    def save_settings(self, settings: Settings) -> None: ...
    def today(self) -> date: ...
    def cards(self) -> list[Card]: ...
    def card(self, card_id: str) -> Card: ...
    def dashboard(self) -> Dashboard: ...
    def stats(self, days: int = 365) -> Stats: ...
    def start_review(self) -> ReviewSession: ...
    def card_info(self, card_id: str) -> CardInfo: ...
    def prior_answers(self) -> dict[str, str]: ...
    def save_prior_answer(self, card_id: str, text: str) -> None: ...
    def first_study_day(self) -> date | None: ...
    def mark_studied(self) -> date: ...
    def study_position(self) -> str | None: ...
    def save_study_position(self, position: str) -> None: ...
