"""Keeping the learner's data safe: the database file's integrity check, once a study day,
and everything the store keeps as plain values (what `studyapp export --json` writes)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine

from studyapp.services.queue import StudyQueue
from studyapp.store.engine import reading, writing
from studyapp.store.export import BadRow, ExportTables, export_tables
from studyapp.store.health import integrity_problems
from studyapp.store.restore import MAINTENANCE_PREFIX
from studyapp.store.settings import save_settings, setting

_INTEGRITY_KEY = f"{MAINTENANCE_PREFIX}integrity_checked"  # the study day of the last clean check


class DataSafety:
    def __init__(self, engine: Engine, db_path: Path, queue: StudyQueue) -> None:
        self._engine = engine
        self._db_path = db_path
        self._queue = queue

    def check_integrity_if_due(self) -> list[str]:
        """The full integrity check of the database file, at most once a study day: what it
        found wrong ([] when sound or already checked today). Only a clean check is
        remembered, so a damaged file is checked, and reported, at every start."""
        today = self._queue.today().isoformat()
        with reading(self._engine) as session:
            checked = setting(session, _INTEGRITY_KEY)
        if checked == today:
            return []
        problems = integrity_problems(self._db_path)
        if not problems:
            with writing(self._engine) as session:
                save_settings(session, {_INTEGRITY_KEY: today})
        return problems

    def export_data(self, on_bad_row: BadRow | None = None) -> ExportTables:
        """Card states, the review log, lab runs, prior answers and settings, as plain values.

        A row the store cannot read raises StoreError, or with `on_bad_row` is handed to it
        and left out.
        """
        with reading(self._engine) as session:
            return export_tables(session, on_bad_row)
