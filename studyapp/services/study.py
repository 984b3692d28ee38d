"""Study use cases: settings, the review queue, grading, undo, stats.

The TUI and the command line use `StudyService`; the values it hands out live in
`studyapp.services.values`, a review session in `studyapp.services.review`. "Now" always
comes from the injected clock; study days from the saved rollover hour and time zone.
Each method is one unit of work on the database.
"""

from __future__ import annotations

import heapq
from collections import Counter
from collections.abc import Sequence
from contextlib import suppress
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from itertools import count, islice
from pathlib import Path
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from studyapp.ascii_numbers import ascii_int
from studyapp.clock import Clock
from studyapp.deck import LANGS, Card, Module
from studyapp.deck.model import RESULT_KIND
from studyapp.files import cannot_write, write_whole
from studyapp.paths import data_dir
from studyapp.services.labs import close_orphaned_runs
from studyapp.services.review import QueueEntry, ReviewSession
from studyapp.services.values import (
    CardInfo,
    Dashboard,
    QueueItem,
    Settings,
    Stats,
    UnknownCardError,
)
from studyapp.srs.calendar import plan_unlock_day, study_day
from studyapp.srs.pairs import PairGate
from studyapp.srs.sm2 import check_grade
from studyapp.store import lab_runs
from studyapp.store import queue as queue_db
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
from studyapp.store.reviews import (
    Recorded,
    read_state,
    record_answer,
    undo_answer,
)
from studyapp.store.reviews import history as review_history
from studyapp.store.sync import content_digest, sync_cards
from studyapp.store.tables import ModuleProgressRow, PriorAnswerRow, SettingRow

__all__ = ["StudyService"]

FORECAST_DAYS = 30
HEATMAP_DAYS = 84
_POSITION_KEY = "study.position"
_INTEGRITY_KEY = f"{MAINTENANCE_PREFIX}integrity_checked"  # the study day of the last clean check
_CONTENT_KEY = f"{MAINTENANCE_PREFIX}content_synced"  # the digest of the content last synced


@dataclass(frozen=True)
class _QueueParts:
    """Today's queue: scheduled reviews and unlocked plan prompts, new cards, re-drills."""

    scheduled: list[QueueEntry]
    new: list[str]
    redrills: list[str]


class StudyService:
    def __init__(
        self, engine: Engine, modules: Sequence[Module], clock: Clock, db_path: Path
    ) -> None:
        self._engine = engine
        self._db_path = db_path
        # why today's automatic copy could not be made; studying goes on without it
        self.backup_problem: StoreError | None = None
        self._modules = list(modules)
        self._clock = clock
        # Every card, content then result cards, and each id's place in that list (its rank
        # in the queue order). A module keeps its own places, so the first module's are
        # copied whole (no per-card work when the modules were opened before).
        self._cards: list[Card] = []
        self._rank: dict[str, int] = {}
        for module in self._modules:
            start = len(self._cards)
            self._rank.update(zip(module.positions, count(start)) if start else module.positions)
            self._cards.extend(module.cards)
        self._included_module: dict[str, str] = {}  # the module of each result card
        self._plan_ids = [card_id for module in self._modules for card_id in module.plan_ids]
        self._studied: set[str] = set()  # modules known to have a first study day

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
        for module_id, card in cards:
            rank = self._rank.setdefault(card.id, len(self._cards))
            if rank == len(self._cards):
                self._cards.append(card)
            else:
                self._cards[rank] = card
            self._included_module[card.id] = module_id

    @property
    def engine(self) -> Engine:
        return self._engine

    @property
    def db_path(self) -> Path:
        return self._db_path

    # -- time and settings -------------------------------------------------

    def now(self) -> datetime:
        now = self._clock()
        if now.tzinfo is None or now.utcoffset() is None:
            raise ValueError("the clock must give timezone-aware instants")
        return now

    def settings(self) -> Settings:
        with reading(self._engine) as session:
            return _read_settings(session)

    def save_settings(self, settings: Settings) -> None:
        settings.check()
        values = {
            "lang": settings.lang,
            "rollover_hour": str(settings.rollover_hour),
            "new_per_day": str(settings.new_per_day),
            "timezone": settings.timezone or "",
        }
        with writing(self._engine) as session:
            for key, value in values.items():
                session.merge(SettingRow(key=key, value=value))

    def today(self) -> date:
        return self.day_of(self.now())

    def day_of(self, at: datetime) -> date:
        return _day_of(self.settings(), at)

    # -- content -----------------------------------------------------------

    def modules(self) -> list[Module]:
        return list(self._modules)

    def cards(self) -> list[Card]:
        return list(self._cards)

    def card(self, card_id: str) -> Card:
        card = self._known_card(card_id)
        if card is None:
            raise UnknownCardError(card_id)
        return card

    def _known_card(self, card_id: str) -> Card | None:
        rank = self._rank.get(card_id)
        return None if rank is None else self._cards[rank]

    def _module_of(self, card_id: str) -> str:
        """The module of a known card: a result card's, or the content module holding it."""
        included = self._included_module.get(card_id)
        if included is not None:
            return included
        return next(module.id for module in self._modules if card_id in module.positions)

    def _is_reviewable(self, card_id: str) -> bool:
        card = self._known_card(card_id)
        return card is not None and card.reviewable

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
        return ReviewSession(self)

    def queue(self) -> list[QueueItem]:
        """Today's queue as a new review session would show it (nothing is written)."""
        entries = self._build_queue(self.today())
        with reading(self._engine) as session:
            return [
                QueueItem(self.card(entry.card_id),
                          read_state(session, entry.card_id),
                          entry.is_new, entry.redrill)
                for entry in entries
            ]

    def _build_queue(self, day: date) -> list[QueueEntry]:
        with reading(self._engine) as session:
            parts = self._queue_parts(session, day, _read_settings(session).new_per_day,
                                      self._unlocked_plans(session, day))
        return [*parts.scheduled,
                *(QueueEntry(card_id, True, False) for card_id in parts.new),
                *(QueueEntry(card_id, False, True) for card_id in parts.redrills)]

    def _queue_parts(
        self, session: Session, day: date, limit: int, plans: list[tuple[str, date]]
    ) -> _QueueParts:
        """Today's queue in its three parts, less the cards held back for the day: a card
        whose other direction was answered today or comes earlier in the queue."""
        rank = self._rank
        due = ((due_on, rank[card_id], card_id, False)
               for card_id, due_on in queue_db.due_cards(session, day)  # by due day, path order
               if card_id in rank)
        unlocked = sorted((unlock, rank[card_id], card_id, True)
                          for card_id, unlock in plans if unlock <= day)
        scheduled = [QueueEntry(card_id, is_new, False)  # plan prompts merged in by unlock day
                     for _, _, card_id, is_new in heapq.merge(due, unlocked)]
        gate = PairGate(queue_db.answered_on(session, day))
        scheduled = [entry for entry in scheduled if gate.admits(entry.card_id)]
        room = max(0, limit - queue_db.first_seen_on(session, day))
        new = list(islice((card_id for card_id in queue_db.new_cards(session)
                           if card_id in rank and gate.admits(card_id)), room)) if room else []
        queued = {entry.card_id for entry in scheduled} | set(new)
        redrills = [card_id for card_id in queue_db.open_redrills(session, day)
                    if self._is_reviewable(card_id) and card_id not in queued]
        return _QueueParts(scheduled, new, redrills)

    def _record(
        self, card_id: str, grade: int, *, redrill: bool, session_id: str,
        answer: str | None = None, response_ms: int | None = None,
    ) -> Recorded:
        """Write one answer (state and log, one transaction): its log id, the new state and
        whether it counted as a re-drill (asked for, or the card already moved today)."""
        check_grade(grade)
        self.card(card_id)
        module_id = self._module_of(card_id)
        now = self.now()
        with writing(self._engine) as session:
            day = _day_of(_read_settings(session), now)
            result = record_answer(
                session, card_id=card_id, grade=grade, at=now, day=day, session_id=session_id,
                redrill=redrill, answer=answer, response_ms=response_ms,
            )
            if module_id not in self._studied:
                _mark_studied(session, module_id, day)
        self._studied.add(module_id)
        return result

    def _take_back(self, log_id: int) -> CardState:
        """Undo one logged answer: the log row is marked undone, the state restored."""
        with writing(self._engine) as session:
            return undo_answer(session, log_id, self.now())

    def next_due(self) -> date | None:
        today = self.today()
        with reading(self._engine) as session:
            return queue_db.next_due_after(session, today)

    # -- overview ----------------------------------------------------------

    def dashboard(self) -> Dashboard:
        now = self.now()
        with reading(self._engine) as session:
            settings = _read_settings(session)
            today = _day_of(settings, now)
            first = today - timedelta(days=HEATMAP_DAYS - 1)
            plans = self._unlocked_plans(session, today)
            parts = self._queue_parts(session, today, settings.new_per_day, plans)
            per_day = stats_db.reviews_per_day(session, first, today)
            streak = stats_db.streak(session, today, per_day, first)
            forecast = self._forecast(session, today, plans)
            studied = session.get(ModuleProgressRow, self._module_id(None)) is not None
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
            plans = self._unlocked_plans(session, today)
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
                forecast=self._forecast(session, today, plans),
                streak=stats_db.streak(session, today, per_day, first),
            )

    def _forecast(
        self, session: Session, today: date, plans: list[tuple[str, date]]
    ) -> list[tuple[date, int]]:
        counts = dict(stats_db.due_per_day(session, today, FORECAST_DAYS))
        for _, unlock in plans:
            day = max(unlock, today)
            if day in counts:
                counts[day] += 1
        return sorted(counts.items())

    def _unlocked_plans(self, session: Session, today: date) -> list[tuple[str, date]]:
        """(card id, unlock day) of unanswered plan prompts of modules already studied."""
        firsts = dict(session.exec(
            select(ModuleProgressRow.module_id, col(ModuleProgressRow.first_study_day))
        ).all())
        plans = []
        for card_id, module_id in queue_db.unanswered_plan_cards(session, self._plan_ids):
            card = self._known_card(card_id)
            first = firsts.get(module_id)
            if card is not None and card.offset is not None and first is not None:
                plans.append((card_id, plan_unlock_day(first, card.offset)))
        return plans

    # -- study progress ----------------------------------------------------

    def prior_answers(self) -> dict[str, str]:
        with reading(self._engine) as session:
            return dict(session.exec(select(PriorAnswerRow.card_id, PriorAnswerRow.text)).all())

    def save_prior_answer(self, card_id: str, text: str) -> None:
        """Keep the learner's own words for a prompt; blank text clears it."""
        self.card(card_id)
        with writing(self._engine) as session:
            row = session.get(PriorAnswerRow, card_id)
            if not text.strip():
                if row is not None:
                    session.delete(row)
                return
            session.merge(PriorAnswerRow(card_id=card_id, text=text, saved_at=self.now()))

    def first_study_day(self, module_id: str | None = None) -> date | None:
        """The day the module (default: the first one) was first studied, if it was."""
        with reading(self._engine) as session:
            row = session.get(ModuleProgressRow, self._module_id(module_id))
            return row.first_study_day if row is not None else None

    def mark_studied(self, module_id: str | None = None) -> date:
        """Record today as the first study day unless one is recorded; the day that stands."""
        today = self.today()
        with writing(self._engine) as session:
            return _mark_studied(session, self._module_id(module_id), today)

    def study_position(self) -> str | None:
        with reading(self._engine) as session:
            row = session.get(SettingRow, _POSITION_KEY)
            return row.value if row is not None else None

    def save_study_position(self, position: str) -> None:
        with writing(self._engine) as session:
            session.merge(SettingRow(key=_POSITION_KEY, value=position))

    def check_integrity_if_due(self) -> list[str]:
        """The full integrity check of the database file, at most once a study day: what it
        found wrong ([] when sound or already checked today). Only a clean check is
        remembered, so a damaged file is checked, and reported, at every start."""
        today = self.today().isoformat()
        with reading(self._engine) as session:
            checked = session.get(SettingRow, _INTEGRITY_KEY)
        if checked is not None and checked.value == today:
            return []
        problems = integrity_problems(self._db_path)
        if not problems:
            with writing(self._engine) as session:
                session.merge(SettingRow(key=_INTEGRITY_KEY, value=today))
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

    def _module_id(self, module_id: str | None) -> str:
        known = [module.id for module in self._modules]
        if module_id is None:
            if not known:
                raise StoreError("no_module")
            return known[0]
        if module_id not in known:
            raise StoreError("unknown_module", module_id=module_id)
        return module_id


def _mark_studied(session: Session, module_id: str, day: date) -> date:
    row = session.get(ModuleProgressRow, module_id)
    if row is None:
        row = ModuleProgressRow(module_id=module_id)
    if row.first_study_day is None:
        row.first_study_day = day
        session.add(row)
    return row.first_study_day


def _sync_content(engine: Engine, modules: Sequence[Module], now: datetime
                  ) -> list[tuple[str, Card]]:
    """Sync the cards with `modules` unless the last sync was of the same content, and close
    the lab runs whose process has ended; nothing when the engine is read-only. The result
    cards kept in the database."""
    digest = content_digest(modules)
    with reading(engine) as session:
        synced = session.get(SettingRow, _CONTENT_KEY)
        current = synced is not None and synced.value == digest
        if is_read_only(engine) or (current and not lab_runs.any_running(session)):
            return result_cards(session)
    with writing(engine) as session:
        if not current:
            sync_cards(session, modules)
            session.merge(SettingRow(key=_CONTENT_KEY, value=digest))
        close_orphaned_runs(session, now)
        return result_cards(session)


def _read_settings(session: Session) -> Settings:
    rows = session.connection().execute(select(SettingRow.key, SettingRow.value))
    return _settings_from({key: value for key, value in rows})


def _day_of(settings: Settings, at: datetime) -> date:
    return study_day(at, settings.rollover_hour, settings.zone())


def _settings_from(stored: dict[str, str]) -> Settings:
    """Saved settings over the defaults; a value that no longer parses keeps its default."""
    default = Settings()
    candidates: dict[str, Any] = {}
    if stored.get("lang") in LANGS:
        candidates["lang"] = stored["lang"]
    for key in ("rollover_hour", "new_per_day"):
        with suppress(ValueError):
            candidates[key] = ascii_int(stored.get(key, ""))
    if stored.get("timezone"):
        candidates["timezone"] = stored["timezone"]
    settings = default
    for key, value in candidates.items():
        try:
            settings = replace(settings, **{key: value}).check()
        except ValueError:
            continue
    return settings


def _every_day(counts: dict[date, int], first: date, last: date) -> dict[date, int]:
    span = (last - first).days + 1
    days = (first + timedelta(days=i) for i in range(span))
    return {day: counts.get(day, 0) for day in days}
