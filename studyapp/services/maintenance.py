"""Keeping the learner's data safe: an export as JSON, putting it back, the doctor's report.

The daily copy and the daily integrity check are `StudyService`'s (made when it
opens the database, and by `check_integrity_if_due`); this module serves the
`restore` and `doctor` commands.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from studyapp.i18n import tr
from studyapp.labs.lifeline import is_gone
from studyapp.paths import cache_dir
from studyapp.services.labs import close_orphaned_runs
from studyapp.services.study import StudyService
from studyapp.services.values import Settings
from studyapp.store.backups import backup_folder, list_backups
from studyapp.store.engine import writing
from studyapp.store.errors import StoreError
from studyapp.store.export import ExportTables, export_json
from studyapp.store.health import RunningRun, integrity_problems, running_lab_runs, saved_setting
from studyapp.store.migrations import backup, inspect_file, open_database
from studyapp.store.restore import Tables, holds_study_data, read_export, restore_tables
from studyapp.text import LANGS

__all__ = [
    "ExportTables", "Finding", "Restored", "diagnose", "export_json", "read_export", "restore",
    "saved_language", "undone_answers",
]

_DAMAGE = ("damaged", "truncated")  # refusals of the open checks that the full check details


@dataclass(frozen=True)
class Restored:
    rows: dict[str, int]  # table -> rows put back
    previous: Path | None  # the copy of the data a forced restore replaced


@dataclass(frozen=True)
class Finding:
    """One line of the doctor's report: its topic (`cli.doctor_topic_<topic>`), a
    catalogue key and its values."""

    topic: str
    key: str
    values: dict[str, object] = field(default_factory=dict)
    problem: bool = False

    def text(self, lang: str) -> str:
        return " ".join(tr(lang, self.key, **self.values).split())


def undone_answers(review_log: Sequence[Mapping[str, object]]) -> int:
    """How many of the logged answers were undone: an export keeps them, marked, so that a
    restore puts back the log as it was, while stats counts only the answers that stand."""
    return sum(1 for row in review_log if row.get("undone_at") is not None)


def restore(service: StudyService, tables: Tables, source: Path, *, force: bool) -> Restored:
    """Replace the service's data with `tables` (from `read_export(source)`), in one
    transaction. A database holding study data is refused unless `force`; then its data
    is first copied beside it. Open a new service to study the restored data."""
    previous = None
    with writing(service.engine) as session:
        if holds_study_data(session):
            if not force:
                raise StoreError("restore_not_empty", path=service.db_path)
            previous = backup(service.db_path, service.now())
        restore_tables(session, tables, source)
    return Restored({name: len(rows) for name, rows in tables.items()}, previous)


def saved_language(db_path: Path) -> str:
    """The language saved in the database at `db_path`, read without opening it for
    writing; the default one where none can be read."""
    lang = saved_setting(db_path, "lang")
    return lang if lang in LANGS else Settings().lang


def diagnose(db_path: Path, now: datetime, *, fix: bool = False) -> list[Finding]:
    """What `studyapp doctor` reports on the database at `db_path`: the checks every open
    makes, then SQLite's full integrity check, the lab runs marked running, the lab model
    cache and the daily copies. Reads only, as a read-only open does, unless `fix`: then
    the runs that a process which has ended left running are closed as interrupted now,
    as the next writing open would (`now` is their finish)."""
    return [*_database(db_path, now, fix), _cache(cache_dir()), *_backups(db_path)]


def _database(path: Path, now: datetime, fix: bool) -> list[Finding]:
    if not path.exists():
        return [Finding("database", "cli.doctor_no_database", {"path": path})]
    refused = None
    try:
        if inspect_file(path) is None:
            return [Finding("database", "cli.doctor_unfinished", {"path": path})]
    except StoreError as exc:
        refused = exc
    damaged = _damaged(path) if refused is None or refused.key in _DAMAGE else []
    if damaged:
        return damaged
    if refused is not None:
        return [_refused(refused)]
    sound = Finding("database", "cli.doctor_sound", {"path": path})
    try:
        return [sound, *_lab_runs(path, now, fix)]
    except StoreError as exc:
        return [sound, _refused(exc)]


def _damaged(path: Path) -> list[Finding]:
    """What SQLite's full integrity check finds wrong, and where a copy is; [] when sound."""
    problems = integrity_problems(path)
    if not problems:
        return []
    return [*(Finding("database", "cli.doctor_damaged", {"path": path, "problem": problem}, True)
              for problem in problems),
            Finding("database", "cli.doctor_restore_hint", {"folder": backup_folder(path)})]


def _refused(exc: StoreError) -> Finding:
    return Finding("database", f"store.{exc.key}", exc.values, True)


def _lab_runs(path: Path, now: datetime, fix: bool) -> list[Finding]:
    running = running_lab_runs(path)
    if not running:
        return [Finding("lab_runs", "cli.doctor_no_running_runs")]
    stale = [run for run in running if is_gone(run.owner)]
    closed = set(_close_stale_runs(path, now)) if fix and stale else set()
    return [_run_finding(run, run in stale, run.id in closed) for run in running]


def _run_finding(run: RunningRun, stale: bool, closed: bool) -> Finding:
    values = {"id": run.id, "lab": run.lab_id}
    if closed:
        return Finding("lab_runs", "cli.doctor_closed_run", values)
    if stale:
        return Finding("lab_runs", "cli.doctor_stale_run", values, True)
    return Finding("lab_runs", "cli.doctor_running_run", {**values, "pid": run.pid})


def _close_stale_runs(db_path: Path, now: datetime) -> list[int]:
    """Close as interrupted the lab runs left running by a process that has ended, as the
    next writing open of the database would; their ids."""
    engine = open_database(db_path, now)
    try:
        with writing(engine) as session:
            return close_orphaned_runs(session, now)
    finally:
        engine.dispose()


def _cache(folder: Path) -> Finding:
    files = [entry for entry in folder.rglob("*") if entry.is_file()]
    if not files:
        return Finding("cache", "cli.doctor_no_cache", {"path": folder})
    size = sum(entry.stat().st_size for entry in files)
    return Finding("cache", "cli.doctor_cache", {"path": folder, "files": len(files),
                                                 "size": _megabytes(size)})


def _backups(db_path: Path) -> list[Finding]:
    copies = list_backups(db_path)
    if not copies:
        return [Finding("backups", "cli.doctor_no_backups")]
    return [Finding("backups", "cli.doctor_backup", {"day": copy.day.isoformat(),
                                                      "path": copy.path,
                                                      "size": _megabytes(copy.size)})
            for copy in copies]


def _megabytes(size: int) -> str:
    return f"{size / 1_000_000:.2f}"
