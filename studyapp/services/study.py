"""Study use cases: settings, content, the review queue, the dashboard, stats, export.

The TUI and the command line use `StudyService`; the values it hands out live in
`studyapp.services.values`, the queue and the answers in `studyapp.services.queue`, a review
session in `studyapp.services.review`. "Now" always comes from the injected clock; study
days from the saved rollover hour and time zone. Each method is one unit of work on the
database.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session

from studyapp.clock import Clock
from studyapp.deck import Card, Module
from studyapp.deck.model import RESULT_KIND
from studyapp.files import cannot_write, write_whole
from studyapp.paths import data_dir
from studyapp.services.cards import CardIndex
from studyapp.services.labs import close_orphaned_runs
from studyapp.services.queue import StudyQueue
from studyapp.services.review import ReviewSession
from studyapp.services.settings import day_of, read_settings, write_settings
from studyapp.services.values import CardInfo, Dashboard, QueueItem, Settings, Stats
from studyapp.store import lab_runs, progress
from studyapp.store import stats as stats_db
from studyapp.store.backups import daily_backup
from studyapp.store.engine import is_read_only, reading, writing
from studyapp.store.errors import StoreError
from studyapp.store.export import BadRow, export_json, export_tables
from studyapp.store.health import integrity_problems
from studyapp.store.migrations import open_database
from studyapp.store.records import CardState
from studyapp.store.restore import MAINTENANCE_PREFIX
from studyapp.store.result_cards import result_cards, result_source
from studyapp.store.reviews import history as review_history
from studyapp.store.reviews import read_state
from studyapp.store.settings import save_settings, setting
from studyapp.store.sync import content_digest, sync_cards

__all__ = ["StudyService"]

FORECAST_DAYS = 30
HEATMAP_DAYS = 84
_POSITION_KEY = "study.position"
_INTEGRITY_KEY = f"{MAINTENANCE_PREFIX}integrity_checked"  # the study day of the last clean check
_CONTENT_KEY = f"{MAINTENANCE_PREFIX}content_synced"  # the digest of the content last synced


class StudyService:
    def __init__(
        self, engine: Engine, modules: Sequence[Module], clock: Clock, db_path: Path
    ) -> None:
        self._engine = engine
        self._db_path = db_path
        # why today's automatic copy could not be made; studying goes on without it
        self.backup_problem: StoreError | None = None
        self._cards = CardIndex(modules)
        self._queue = StudyQueue(engine, self._cards, clock)

    @classmethod
    def open(
        cls, db_path: Path, modules: Sequence[Module], clock: Clock, read_only: bool = False
    ) -> StudyService:
        """Check, migrate and sync the database at `db_path` with the content.

        The sync writes only when the content changed since the last one. A caller
        that only reads passes `read_only`: a database that this process may not
        write is then read as it is, without the sync. A writing open closes the lab runs
        that a process which has ended left running, and makes the day's automatic copy
        of the database (see `store/backups.py`) unless it is made already.
        """
        engine = open_database(Path(db_path), clock(), read_only=read_only)
        try:
            accepted = _sync_content(engine, modules, clock())
        except BaseException:
            engine.dispose()
            raise
        service = cls(engine, modules, clock, Path(db_path))
        service.include_cards(accepted)
        if not read_only:
            try:
                daily_backup(Path(db_path), clock())
            except StoreError as exc:
                service.backup_problem = exc
        return service

    def close(self) -> None:
        self._engine.dispose()

    def include_cards(self, cards: Sequence[tuple[str, Card]]) -> None:
        """Queue (module id, card) pairs kept in the database, not the content: result cards."""
        self._cards.include(cards)

    @property
    def engine(self) -> Engine:
        return self._engine

    @property
    def db_path(self) -> Path:
        return self._db_path

    # -- time and settings -------------------------------------------------

    def now(self) -> datetime:
        return self._queue.now()

    def settings(self) -> Settings:
        with reading(self._engine) as session:
            return read_settings(session)

    def save_settings(self, settings: Settings) -> None:
        with writing(self._engine) as session:
            write_settings(session, settings)

    def today(self) -> date:
        return self._queue.today()

    def day_of(self, at: datetime) -> date:
        return self._queue.day_of(at)

    # -- content -----------------------------------------------------------

    def modules(self) -> list[Module]:
        return self._cards.modules()

    def cards(self) -> list[Card]:
        return self._cards.cards()

    def card(self, card_id: str) -> Card:
        return self._cards.card(card_id)

    def card_state(self, card_id: str) -> CardState:
        self.card(card_id)
        with reading(self._engine) as session:
            return read_state(session, card_id)

    def card_info(self, card_id: str) -> CardInfo:
        card = self.card(card_id)
        with reading(self._engine) as session:
            state = read_state(session, card_id)
            source = result_source(session, card_id) if card.kind == RESULT_KIND else None
            return CardInfo(card, state, review_history(session, card_id), source)

    # -- reviewing ---------------------------------------------------------

    def start_review(self) -> ReviewSession:
        return ReviewSession(self._queue)

    def queue(self) -> list[QueueItem]:
        """Today's queue as a new review session would show it (nothing is written)."""
        return self._queue.items(self._queue.entries(self.today()))

    def next_due(self) -> date | None:
        return self._queue.next_due()

    # -- overview ----------------------------------------------------------

    def dashboard(self) -> Dashboard:
        now = self.now()
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
            plan_prompts=tuple(self.card(entry.card_id) for entry in parts.scheduled
                               if entry.is_new),  # the plan prompts among them
        )

    def stats(self, days: int = 365) -> Stats:
        if isinstance(days, bool) or not isinstance(days, int) or days < 1:
            raise ValueError(f"days must be a whole number >= 1, got {days!r}")
        today = self.today()
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

    # -- study progress ----------------------------------------------------

    def prior_answers(self) -> dict[str, str]:
        with reading(self._engine) as session:
            return progress.prior_answers(session)

    def save_prior_answer(self, card_id: str, text: str) -> None:
        """Keep the learner's own words for a prompt; blank text clears it."""
        self.card(card_id)
        with writing(self._engine) as session:
            progress.save_prior_answer(session, card_id, text, self.now())

    def first_study_day(self, module_id: str | None = None) -> date | None:
        """The day the module (default: the first one) was first studied, if it was."""
        with reading(self._engine) as session:
            return progress.first_study_day(session, self._cards.module_id(module_id))

    def mark_studied(self, module_id: str | None = None) -> date:
        """Record today as the first study day unless one is recorded; the day that stands."""
        today = self.today()
        with writing(self._engine) as session:
            return progress.mark_studied(session, self._cards.module_id(module_id), today)

    def study_position(self) -> str | None:
        with reading(self._engine) as session:
            return setting(session, _POSITION_KEY)

    def save_study_position(self, position: str) -> None:
        with writing(self._engine) as session:
            save_settings(session, {_POSITION_KEY: position})

    def check_integrity_if_due(self) -> list[str]:
        """The full integrity check of the database file, at most once a study day: what it
        found wrong ([] when sound or already checked today). Only a clean check is
        remembered, so a damaged file is checked, and reported, at every start."""
        today = self.today().isoformat()
        with reading(self._engine) as session:
            checked = setting(session, _INTEGRITY_KEY)
        if checked == today:
            return []
        problems = integrity_problems(self._db_path)
        if not problems:
            with writing(self._engine) as session:
                save_settings(session, {_INTEGRITY_KEY: today})
        return problems

    def export_data(self, on_bad_row: BadRow | None = None) -> dict[str, list[dict[str, Any]]]:
        """Card states, the review log, lab runs, prior answers and settings, as plain values.

        A row the store cannot read raises StoreError, or with `on_bad_row` is handed to it
        and left out.
        """
        with reading(self._engine) as session:
            return export_tables(session, on_bad_row)

    def export_file(self, lang: str) -> Path:
        """Write what `studyapp export --json` writes to a new file, named by the time, in
        the data folder; its path. StudyappError when it cannot be written (nothing is
        then), StoreError for a row the store cannot read."""
        now = self.now()
        text = export_json(self.export_data(), now)
        folder = data_dir()
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise cannot_write(lang, folder, exc) from None
        path = folder / f"studyapp-export-{now:%Y%m%d-%H%M%S}.json"
        write_whole(path, text, lang, force=True)  # a file of the same second: the same data
        return path


def _sync_content(engine: Engine, modules: Sequence[Module], now: datetime
                  ) -> list[tuple[str, Card]]:
    """Sync the cards with `modules` unless the last sync was of the same content, and close
    the lab runs whose process has ended; nothing when the engine is read-only. The result
    cards kept in the database."""
    digest = content_digest(modules)
    with reading(engine) as session:
        current = setting(session, _CONTENT_KEY) == digest
        if is_read_only(engine) or (current and not lab_runs.any_running(session)):
            return result_cards(session)
    with writing(engine) as session:
        if not current:
            sync_cards(session, modules)
            save_settings(session, {_CONTENT_KEY: digest})
        close_orphaned_runs(session, now)
        return result_cards(session)


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
