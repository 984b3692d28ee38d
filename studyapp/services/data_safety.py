"""Keeping the learner's data safe: the database file's integrity check, once a study day,
and the export of everything the store keeps."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine

from studyapp.files import cannot_write, write_whole
from studyapp.paths import data_dir
from studyapp.services.queue import StudyQueue
from studyapp.store.engine import reading, writing
from studyapp.store.export import BadRow, ExportTables, export_json, export_tables
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

    def export_file(self, lang: str) -> Path:
        """Write what `studyapp export --json` writes to a new file, named by the time, in
        the data folder; its path. StudyappError when it cannot be written (nothing is
        then), StoreError for a row the store cannot read."""
        now = self._queue.now()
        text = export_json(self.export_data(), now)
        folder = data_dir()
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise cannot_write(lang, folder, exc) from None
        path = folder / f"studyapp-export-{now:%Y%m%d-%H%M%S}.json"
        write_whole(path, text, lang, force=True)  # a file of the same second: the same data
        return path
