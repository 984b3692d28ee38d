"""Read-only checks of a database file, for `studyapp doctor` and the app's daily check.

Nothing here writes: the file is opened as `engine.read_only_connection` opens it, so no
`-wal`/`-shm` files appear beside a file nobody has open.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from studyapp.store.engine import read_only_connection
from studyapp.store.errors import StoreError
from studyapp.store.lab_runs import RUNNING


def integrity_problems(path: Path) -> list[str]:
    """What SQLite's full `PRAGMA integrity_check` finds wrong with `path`; [] when sound."""
    try:
        with read_only_connection(path) as con:
            found = [str(row[0]) for row in con.execute("PRAGMA integrity_check")]
    except sqlite3.DatabaseError as exc:
        return [str(exc)]
    return [] if found == ["ok"] else found


def running_lab_runs(path: Path) -> int:
    """How many lab runs are still marked running: stopped without a result, unless a lab
    is running right now."""
    try:
        with read_only_connection(path) as con:
            if not con.execute("SELECT 1 FROM sqlite_master WHERE name = 'lab_run'").fetchone():
                return 0
            query = "SELECT count(*) FROM lab_run WHERE status = ?"
            return int(con.execute(query, (RUNNING,)).fetchone()[0])
    except sqlite3.DatabaseError as exc:
        raise StoreError("damaged", path=path, detail=exc) from None

