"""The study a screen or a command works with: settings, content, the review queue, and the
parts it composes — the overview (`overview`), the learner's progress (`progress`), the
data's safety (`data_safety`) and the exports for Anki and spreadsheets (`exports`).

The TUI and the command line use `StudyService`; the values it hands out live in
`studyapp.services.values`, the queue and the answers in `studyapp.services.queue`, a review
session in `studyapp.services.review`. "Now" always comes from the injected clock; study
days from the saved rollover hour and time zone. Each method is one unit of work on the
database.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import Engine

from studyapp.clock import Clock
from studyapp.deck import Card, Module
from studyapp.deck.model import RESULT_KIND
from studyapp.paths import documents_dir
from studyapp.services.cards import CardIndex
from studyapp.services.content_sync import sync_content
from studyapp.services.data_safety import DataSafety
from studyapp.services.exports import AnkiExport, Exports
from studyapp.services.overview import Overview
from studyapp.services.progress import StudyProgress
from studyapp.services.queue import StudyQueue
from studyapp.services.review import ReviewSession
from studyapp.services.settings import read_settings, write_settings
from studyapp.services.values import CardInfo, Dashboard, QueueItem, Settings, Stats
from studyapp.store.backups import daily_backup
from studyapp.store.engine import reading, writing
from studyapp.store.errors import StoreError
from studyapp.store.export import BadRow, ExportTables
from studyapp.store.migrations import open_database
from studyapp.store.records import CardState
from studyapp.store.result_cards import result_source
from studyapp.store.reviews import history as review_history
from studyapp.store.reviews import read_state

__all__ = ["StudyService"]


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
        self._overview = Overview(engine, self._queue, self._cards)
        self._progress = StudyProgress(engine, self._queue, self._cards)
        self._safety = DataSafety(engine, db_path, self._queue)
        self._exports = Exports(engine, self._cards, self._queue)

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
            accepted = sync_content(engine, modules, clock())
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
        return self._overview.dashboard()

    def stats(self, days: int = 365) -> Stats:
        return self._overview.stats(days)

    # -- study progress ----------------------------------------------------

    def prior_answers(self) -> dict[str, str]:
        return self._progress.prior_answers()

    def save_prior_answer(self, card_id: str, text: str) -> None:
        self._progress.save_prior_answer(card_id, text)

    def first_study_day(self, module_id: str | None = None) -> date | None:
        return self._progress.first_study_day(module_id)

    def mark_studied(self, module_id: str | None = None) -> date:
        return self._progress.mark_studied(module_id)

    def study_position(self) -> str | None:
        return self._progress.study_position()

    def save_study_position(self, position: str) -> None:
        self._progress.save_study_position(position)

    # -- data safety -------------------------------------------------------

    def check_integrity_if_due(self) -> list[str]:
        return self._safety.check_integrity_if_due()

    def export_data(self, on_bad_row: BadRow | None = None) -> ExportTables:
        return self._safety.export_data(on_bad_row)

    def export_file(self, lang: str) -> Path:
        return self._exports.export_json_file(lang)

    def export_folder(self) -> Path:
        """Where the app's exports go: the user's documents folder."""
        return documents_dir()

    # -- exports for other programs ----------------------------------------

    def write_anki(self, path: Path, langs: Sequence[str], lang: str, *, with_schedule: bool,
                   force: bool) -> AnkiExport:
        return self._exports.write_anki(path, langs, lang, with_schedule=with_schedule,
                                        force=force)

    def export_anki_file(self, lang: str) -> AnkiExport:
        return self._exports.export_anki_file(lang)

    def write_csv(self, folder: Path, lang: str, *, force: bool) -> list[Path]:
        return self._exports.write_csv(folder, lang, force=force)
