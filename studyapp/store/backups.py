"""Automatic daily copies of the database; the last seven days are kept.

The copies live in a folder beside the database, one file per UTC day:
`study.db.backups/2026-11-30.db`. The first writing open of a day makes that
day's copy with SQLite's backup API (a consistent snapshot even while another
process writes); once it is there, the check costs one stat. A copy is written
under a temporary name and renamed when complete, so a copy cut short never
carries a day's name. Rotation removes only files named like a day's copy.
"""

from __future__ import annotations

import os
import re
import sqlite3
import tempfile
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from studyapp.store.engine import BUSY_TIMEOUT_MS
from studyapp.store.errors import StoreError

KEEP_DAYS = 7
_COPY_NAME = re.compile(r"(\d{4}-\d{2}-\d{2})\.db")


@dataclass(frozen=True)
class Backup:
    day: date
    path: Path
    size: int  # bytes


def backup_folder(db_path: Path) -> Path:
    return db_path.with_name(f"{db_path.name}.backups")


def daily_backup(db_path: Path, now: datetime, keep: int = KEEP_DAYS) -> Path | None:
    """Today's copy of `db_path` unless it is made already (then None); copies beyond
    the newest `keep` days are removed. Raises StoreError when no copy could be made."""
    target = backup_folder(db_path) / f"{now.astimezone(UTC).date().isoformat()}.db"
    if target.exists():
        return None
    try:
        target.parent.mkdir(exist_ok=True)
        with closing(sqlite3.connect(db_path)) as source:
            source.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            copy_database(source, target)
        for old in list_backups(db_path)[keep:]:
            old.path.unlink(missing_ok=True)
    except (sqlite3.Error, OSError) as exc:
        raise StoreError("daily_backup_failed", path=db_path, target=target, detail=exc) from None
    return target


def list_backups(db_path: Path) -> list[Backup]:
    """The daily copies of `db_path`, newest first."""
    folder = backup_folder(db_path)
    if not folder.is_dir():
        return []
    found = []
    for entry in folder.iterdir():
        match = _COPY_NAME.fullmatch(entry.name)
        if match is None or not entry.is_file():
            continue
        try:
            day = date.fromisoformat(match[1])
        except ValueError:
            continue
        found.append(Backup(day, entry, entry.stat().st_size))
    return sorted(found, key=lambda backup: backup.day, reverse=True)


def copy_database(source: sqlite3.Connection, target: Path) -> None:
    """A consistent copy of the database `source` has open, at `target`: one file, in
    rollback-journal mode, written under a temporary name and renamed when complete."""
    handle, temp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    os.close(handle)
    try:
        with closing(sqlite3.connect(temp)) as copy:
            source.backup(copy)
            copy.execute("PRAGMA journal_mode = DELETE")  # no -wal file beside the copy
        os.replace(temp, target)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
