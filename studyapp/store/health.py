"""Read-only checks of a database file, for `studyapp doctor` and the app's daily check.

Nothing here writes: the file is opened as `engine.read_only_connection` opens it, so no
`-wal`/`-shm` files appear beside a file nobody has open.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path

from studyapp.jsonvalue import JsonValue
from studyapp.store.engine import read_only_connection
from studyapp.store.errors import StoreError
from studyapp.store.lab_runs import RUNNING, run_owner


@dataclass(frozen=True)
class RunningRun:
    """A lab run marked running, and its owner: the process that follows it, as
    `lifeline.owner()` named it (None for a run recorded before owners were kept)."""

    id: int
    lab_id: str
    owner: JsonValue

    @property
    def pid(self) -> int | None:
        """The owner's process id, where it names one."""
        pid = self.owner.get("pid") if isinstance(self.owner, dict) else None
        return pid if isinstance(pid, int) else None


def integrity_problems(path: Path) -> list[str]:
    """What SQLite's full `PRAGMA integrity_check` finds wrong with `path`; [] when sound."""
    try:
        with read_only_connection(path) as con:
            found = [str(row[0]) for row in con.execute("PRAGMA integrity_check")]
    except sqlite3.DatabaseError as exc:
        return [str(exc)]
    return [] if found == ["ok"] else found


def running_lab_runs(path: Path) -> list[RunningRun]:
    """The lab runs still marked running, oldest first."""
    try:
        with read_only_connection(path) as con:
            if not con.execute("SELECT 1 FROM sqlite_master WHERE name = 'lab_run'").fetchone():
                return []
            query = "SELECT id, lab_id, env_json FROM lab_run WHERE status = ? ORDER BY id"
            return [RunningRun(run_id, lab_id, run_owner(env_json))
                    for run_id, lab_id, env_json in con.execute(query, (RUNNING,))]
    except sqlite3.DatabaseError as exc:
        raise StoreError("damaged", path=path, detail=exc) from None


def saved_setting(path: Path, key: str) -> str | None:
    """The value of setting `key` in the database at `path`; None where there is none,
    or no database that can be read."""
    try:
        with read_only_connection(path) as con:
            row = con.execute("SELECT value FROM setting WHERE key = ?", (key,)).fetchone()
    except sqlite3.DatabaseError:
        return None
    return None if row is None else str(row[0])
