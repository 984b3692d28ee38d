"""Keeping the learner's data safe: putting an export back, and the doctor's report.

The daily copy and the daily integrity check are `StudyService`'s (made when it
opens the database, and by `check_integrity_if_due`); this module serves the
`restore` and `doctor` commands.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from studyapp.i18n import tr
from studyapp.paths import cache_dir
from studyapp.session import StudyService
from studyapp.store.backups import list_backups
from studyapp.store.engine import writing
from studyapp.store.errors import StoreError
from studyapp.store.health import integrity_problems, running_lab_runs
from studyapp.store.migrations import backup, inspect_file
from studyapp.store.restore import Tables, holds_study_data, read_export, restore_tables

__all__ = ["Finding", "Restored", "diagnose", "read_export", "restore"]


@dataclass(frozen=True)
class Restored:
    rows: dict[str, int]  # table -> rows put back
    previous: Path | None  # the copy of the data a forced restore replaced


@dataclass(frozen=True)
class Finding:
    """One line of the doctor's report: a catalogue key and its values."""

    key: str
    values: dict[str, object] = field(default_factory=dict)
    problem: bool = False

    def text(self, lang: str) -> str:
        return " ".join(tr(lang, self.key, **self.values).split())


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


def diagnose(db_path: Path) -> list[Finding]:
    """What `studyapp doctor` reports on the database at `db_path`, reading only: its
    integrity, lab runs left running, the lab model cache and the daily copies."""
    return [*_database(db_path), _cache(cache_dir()), *_backups(db_path)]


def _database(path: Path) -> list[Finding]:
    if not path.exists():
        return [Finding("cli.doctor_no_database", {"path": path})]
    problems = integrity_problems(path)
    if problems:
        return [Finding("cli.doctor_damaged", {"path": path, "problem": problem}, True)
                for problem in problems]
    try:
        inspect_file(path)
        running = running_lab_runs(path)
    except StoreError as exc:
        return [Finding(f"store.{exc.key}", exc.values, True)]
    findings = [Finding("cli.doctor_sound", {"path": path})]
    if running:
        findings.append(Finding("cli.doctor_running_runs", {"count": running}, True))
    return findings


def _cache(folder: Path) -> Finding:
    files = [entry for entry in folder.rglob("*") if entry.is_file()]
    if not files:
        return Finding("cli.doctor_no_cache", {"path": folder})
    size = sum(entry.stat().st_size for entry in files)
    return Finding("cli.doctor_cache", {"path": folder, "files": len(files),
                                        "size": _megabytes(size)})


def _backups(db_path: Path) -> list[Finding]:
    copies = list_backups(db_path)
    if not copies:
        return [Finding("cli.doctor_no_backups")]
    return [Finding("cli.doctor_backup", {"day": copy.day.isoformat(), "path": copy.path,
                                          "size": _megabytes(copy.size)})
            for copy in copies]


def _megabytes(size: int) -> str:
    return f"{size / 1_000_000:.2f}"
