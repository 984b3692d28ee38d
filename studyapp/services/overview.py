"""What the dashboard and the stats screen show: today's counts, the next step, the streak,
the heatmap and the forecast. Reads only, each in one unit of work."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

from sqlalchemy import Engine
from sqlmodel import Session

from studyapp.services.cards import CardIndex
from studyapp.services.queue import StudyQueue
from studyapp.services.settings import day_of, read_settings
from studyapp.services.values import Dashboard, Stats
from studyapp.store import progress
from studyapp.store import stats as stats_db
from studyapp.store.engine import reading

FORECAST_DAYS = 30
HEATMAP_DAYS = 84


class Overview:
    def __init__(self, engine: Engine, queue: StudyQueue, cards: CardIndex) -> None:
        self._engine = engine
        self._queue = queue
        self._cards = cards

    def dashboard(self) -> Dashboard:
        now = self._queue.now()
        with reading(self._engine) as session:
            settings = read_settings(session)
            today = day_of(settings, now)
            first = today - timedelta(days=HEATMAP_DAYS - 1)
            plans = self._queue.unlocked_plans(session, today)
            parts = self._queue.parts(session, today, settings.new_per_day, plans)
            per_day = stats_db.reviews_per_day(session, first, today)
            streak = stats_db.streak(session, today, per_day, first)
            forecast = _forecast(session, today, plans)
            studied = self._cards.module_id(None) in progress.first_study_days(session)
        return Dashboard(
            today=today,
            due_reviews=len(parts.scheduled),
            redrills=len(parts.redrills),
            new_available=len(parts.new),
            next_plan=min((unlock for _, unlock in plans if unlock > today), default=None),
            streak=streak,
            forecast=forecast,
            heatmap=_every_day(per_day, first, today),
            studied=studied,
            plan_prompts=tuple(self._cards.card(entry.card_id) for entry in parts.scheduled
                               if entry.is_new),  # the plan prompts among them
        )

    def stats(self, days: int) -> Stats:
        if isinstance(days, bool) or not isinstance(days, int) or days < 1:
            raise ValueError(f"days must be a whole number >= 1, got {days!r}")
        today = self._queue.today()
        first = today - timedelta(days=days - 1)
        with reading(self._engine) as session:
            per_day = stats_db.reviews_per_day(session, first, today)
            answered, passed = stats_db.first_answers(session, first, today)
            plans = self._queue.unlocked_plans(session, today)
            by_easiness: Counter[int] = Counter()
            by_kind: Counter[str] = Counter()
            for kind, x100, count in stats_db.answered_by_kind_and_easiness(session):
                by_easiness[x100] += count
                by_kind[kind] += count
            return Stats(
                today=today,
                total_reviews=stats_db.total_reviews(session),
                reviews_per_day=sorted(_every_day(per_day, first, today).items()),
                first_review_retention=passed / answered if answered else None,
                easiness_histogram=[(x100 / 100, n) for x100, n in sorted(by_easiness.items())],
                counts_by_kind=dict(by_kind),
                forecast=_forecast(session, today, plans),
                streak=stats_db.streak(session, today, per_day, first),
            )


def _forecast(session: Session, today: date, plans: list[tuple[str, date]]
              ) -> list[tuple[date, int]]:
    """Cards due on each of the next days; a plan prompt counts on the day it unlocks (today
    once unlocked)."""
    counts = dict(stats_db.due_per_day(session, today, FORECAST_DAYS))
    for _, unlock in plans:
        day = max(unlock, today)
        if day in counts:
            counts[day] += 1
    return sorted(counts.items())


def _every_day(counts: dict[date, int], first: date, last: date) -> dict[date, int]:
    span = (last - first).days + 1
    days = (first + timedelta(days=i) for i in range(span))
    return {day: counts.get(day, 0) for day in days}
