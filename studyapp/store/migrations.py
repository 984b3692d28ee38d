"""Opening a database file safely: check it, back it up, migrate it forward.

The file is inspected through a read-only connection before anything writes
to it (switching to WAL writes to the file): a file that is not SQLite, is
truncated, belongs to another application or to a newer version of this one
is refused and left byte-for-byte as it was. So is an empty file, or an SQLite
file without tables: only a path that does not exist becomes a new database
(and a file our own interrupted creation left, recognised by its hot journal).
"""

from __future__ import annotations

import os
import sqlite3
import tempfile
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine

from studyapp.paths import data_dir
from studyapp.store.backups import copy_database
from studyapp.store.engine import (
    APPLICATION_ID,
    BUSY_TIMEOUT_MS,
    make_engine,
    read_only_connection,
    sqlite_uri,
)
from studyapp.store.errors import StoreError

_V1 = (
    """CREATE TABLE card_state (
        card_id TEXT NOT NULL PRIMARY KEY,
        module_id TEXT NOT NULL,
        kind TEXT NOT NULL,
        ord INTEGER NOT NULL,
        reviewable BOOLEAN NOT NULL,
        removed BOOLEAN NOT NULL DEFAULT 0,
        repetitions INTEGER NOT NULL DEFAULT 0,
        easiness_x100 INTEGER NOT NULL DEFAULT 250,
        interval INTEGER NOT NULL DEFAULT 0,
        due DATE,
        first_seen DATETIME,
        first_seen_day DATE
    )""",
    # covers the due queue: no table lookups for the hundreds of cards due on a busy day
    "CREATE INDEX ix_card_state_due ON card_state (due, ord, removed, reviewable, card_id)",
    "CREATE INDEX ix_card_state_first_seen_day ON card_state (first_seen_day)",
    "CREATE INDEX ix_card_state_answered ON card_state (removed, kind, easiness_x100, due)",
    """CREATE TABLE review_log (
        id INTEGER NOT NULL PRIMARY KEY,
        card_id TEXT NOT NULL REFERENCES card_state (card_id),
        session_id TEXT NOT NULL,
        at DATETIME NOT NULL,
        study_day DATE NOT NULL,
        grade INTEGER NOT NULL CHECK (grade BETWEEN 0 AND 5),
        answer TEXT,
        response_ms INTEGER,
        redrill BOOLEAN NOT NULL DEFAULT 0,
        first_answer BOOLEAN NOT NULL DEFAULT 0,
        before_repetitions INTEGER NOT NULL,
        before_easiness_x100 INTEGER NOT NULL,
        before_interval INTEGER NOT NULL,
        before_due DATE,
        after_repetitions INTEGER NOT NULL,
        after_easiness_x100 INTEGER NOT NULL,
        after_interval INTEGER NOT NULL,
        after_due DATE NOT NULL,
        undone_at DATETIME
    )""",
    "CREATE INDEX ix_review_log_card ON review_log (card_id, id)",
    "CREATE INDEX ix_review_log_day ON review_log (study_day, undone_at, card_id, grade)",
    """CREATE TABLE prior_answer (
        card_id TEXT NOT NULL PRIMARY KEY,
        text TEXT NOT NULL,
        saved_at DATETIME NOT NULL
    )""",
    "CREATE TABLE setting (key TEXT NOT NULL PRIMARY KEY, value TEXT NOT NULL)",
    """CREATE TABLE module_progress (
        module_id TEXT NOT NULL PRIMARY KEY,
        first_study_day DATE
    )""",
)

def _count_trigger(name: str, event: str, when: str, row: str, sign: int) -> str:
    """A trigger that adds `sign` times the answer `row` to its day in review_day."""
    first = f"{row}.first_answer"
    passed = f"({row}.first_answer AND {row}.grade >= 3)"
    return f"""CREATE TRIGGER {name} {event} WHEN {when} BEGIN
        INSERT INTO review_day (study_day, answers, first_answers, first_passed)
        VALUES ({row}.study_day, {sign}, {sign} * {first}, {sign} * {passed})
        ON CONFLICT (study_day) DO UPDATE SET
            answers = answers + excluded.answers,
            first_answers = first_answers + excluded.first_answers,
            first_passed = first_passed + excluded.first_passed;
    END"""


_V2 = (
    """CREATE TABLE lab_run (
        id INTEGER NOT NULL PRIMARY KEY,
        lab_id TEXT NOT NULL,
        card_id TEXT,
        params_json TEXT NOT NULL,
        status TEXT NOT NULL,
        results_json TEXT,
        env_json TEXT,
        error TEXT,
        prediction_json TEXT,
        started_at DATETIME NOT NULL,
        finished_at DATETIME,
        duration_s FLOAT
    )""",
    "CREATE INDEX ix_lab_run_lab ON lab_run (lab_id, started_at)",
    # Answers per study day, kept by triggers in the same transaction as the log,
    # so that stats read a row per day instead of the whole log.
    """CREATE TABLE review_day (
        study_day DATE NOT NULL PRIMARY KEY,
        answers INTEGER NOT NULL DEFAULT 0,
        first_answers INTEGER NOT NULL DEFAULT 0,
        first_passed INTEGER NOT NULL DEFAULT 0
    )""",
    """INSERT INTO review_day (study_day, answers, first_answers, first_passed)
        SELECT study_day, count(*), sum(first_answer), sum(first_answer AND grade >= 3)
        FROM review_log WHERE undone_at IS NULL GROUP BY study_day""",
    _count_trigger("review_log_counted", "AFTER INSERT ON review_log",
                   "NEW.undone_at IS NULL", "NEW", +1),
    _count_trigger("review_log_undone", "AFTER UPDATE OF undone_at ON review_log",
                   "OLD.undone_at IS NULL AND NEW.undone_at IS NOT NULL", "OLD", -1),
    _count_trigger("review_log_redone", "AFTER UPDATE OF undone_at ON review_log",
                   "OLD.undone_at IS NOT NULL AND NEW.undone_at IS NULL", "NEW", +1),
    _count_trigger("review_log_deleted", "AFTER DELETE ON review_log",
                   "OLD.undone_at IS NULL", "OLD", -1),
)

# Review cards built from lab runs; their SM-2 state lives in card_state like any card's.
_V3 = (
    """CREATE TABLE result_card (
        card_id TEXT NOT NULL PRIMARY KEY REFERENCES card_state (card_id),
        run_id INTEGER NOT NULL REFERENCES lab_run (id),
        lab_id TEXT NOT NULL,
        module_id TEXT NOT NULL,
        front_json TEXT NOT NULL,
        back_json TEXT NOT NULL,
        created_at DATETIME NOT NULL
    )""",
    "CREATE INDEX ix_result_card_run ON result_card (run_id)",
)

# Ordered forward steps; step i brings the schema from version i to i + 1.
MIGRATIONS: tuple[tuple[str, ...], ...] = (_V1, _V2, _V3)
SCHEMA_VERSION = len(MIGRATIONS)

_HEADER = b"SQLite format 3\x00"


def open_database(path: Path, now: datetime, read_only: bool = False) -> Engine:
    """The engine for `path`, created or migrated to SCHEMA_VERSION as needed.

    An existing database of an older version is first copied to a timestamped
    backup next to it (`now` names the copy). A caller that only reads passes
    `read_only`: a file, or a folder, this process may not write is then opened
    read-only; for any other caller it is refused before anything is written.
    """
    path = Path(path)
    version = inspect_file(path)
    if version is None and not path.exists():
        _create(path)
    elif version is None:
        migrate(path)  # a creation of ours that was interrupted: nothing in it to keep
    elif version < SCHEMA_VERSION:
        backup(path, now)
        migrate(path)
    if writable(path):
        return make_engine(path)
    if read_only:
        return make_engine(path, read_only=True)
    raise StoreError("not_writable", path=path)


def writable(path: Path) -> bool:
    """Whether this process may write `path` and the `-wal`/`-shm` files beside it."""
    return os.access(path, os.W_OK) and os.access(path.parent, os.W_OK)


def inspect_file(path: Path) -> int | None:
    """The schema version of our database at `path`, or None when there is none yet.

    None means the path does not exist, or it is a file our own interrupted
    creation left: empty, or without tables, once SQLite has rolled back the
    hot journal (or replayed the WAL) found beside it. Any other empty file is
    refused like any other file that is not ours. Changes nothing but that
    recovery, which any SQLite connection would make; raises StoreError for
    anything we must not open.

    The checks are cheap ones, made on every open: the header, the schema, the
    application id, the version and the first and last rows of each table.
    Only after an unclean shutdown is the whole file checked (`quick_check`).
    """
    if not path.exists():
        return None
    if not path.is_file():
        raise StoreError("not_a_file", path=path)
    interrupted = _recover(path)
    size = path.stat().st_size
    if size == 0:
        if interrupted:
            return None
        raise StoreError("empty_file", path=path)
    _check_header(path, size)
    try:
        with read_only_connection(path) as con:
            app_id = con.execute("PRAGMA application_id").fetchone()[0]
            version = int(con.execute("PRAGMA user_version").fetchone()[0])
            tables = [row[0] for row in con.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' "
                "AND name NOT LIKE 'sqlite_%' ORDER BY name")]
            if app_id == APPLICATION_ID:
                _check_pages(con, tables, thorough=interrupted)
    except sqlite3.DatabaseError as exc:
        raise StoreError("damaged", path=path, detail=exc) from None
    if app_id != APPLICATION_ID:
        if app_id == 0 and not tables:
            if interrupted:
                return None
            raise StoreError("no_tables", path=path)
        if app_id == 0:
            raise StoreError("foreign_tables", path=path, tables=", ".join(tables[:5]))
        raise StoreError("foreign_application", path=path, app_id=app_id)
    if version > SCHEMA_VERSION:
        raise StoreError("newer_schema", path=path, version=version, known=SCHEMA_VERSION)
    return version


def _recover(path: Path) -> bool:
    """Whether an unclean shutdown left a hot journal or a WAL beside `path`.

    If so it is rolled back (or replayed) here by opening the file read-write
    once, as SQLite does on any open. A `-wal` that is still there afterwards
    belongs to a process that has the file open now, not to a crash.
    """
    journal = path.with_name(path.name + "-journal")
    wal = path.with_name(path.name + "-wal")
    if not (journal.exists() or wal.exists()):
        return False
    try:
        with closing(sqlite3.connect(sqlite_uri(path, mode="rw"), uri=True)) as con:
            con.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            con.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlite3.Error as exc:
        raise StoreError("cannot_open", path=path, detail=exc) from None
    return not (journal.exists() or wal.exists())


def _check_header(path: Path, size: int) -> None:
    """Refuse a file that is not SQLite, or shorter than its header says."""
    try:
        with path.open("rb") as handle:
            header = handle.read(100)
    except OSError as exc:
        raise StoreError("cannot_read", path=path, detail=exc.strerror) from None
    if len(header) < 100 or not header.startswith(_HEADER):
        raise StoreError("not_sqlite", path=path)
    page_size = int.from_bytes(header[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    pages = int.from_bytes(header[28:32], "big")
    header_count_valid = header[24:28] == header[92:96]
    if header_count_valid and pages and size < page_size * pages:
        raise StoreError("truncated", path=path)


def _check_pages(con: sqlite3.Connection, tables: list[str], thorough: bool) -> None:
    """Read the first and last row of every table: their pages, from the root down.

    A damaged page deeper in a table is found by the first statement that reads
    it, which then fails with one line; `thorough` checks every page now.
    """
    con.execute("PRAGMA cell_size_check = ON")
    for table in tables:
        for order in ("ASC", "DESC"):
            con.execute(f'SELECT * FROM "{table}" ORDER BY rowid {order} LIMIT 1').fetchall()
    if thorough:
        check = con.execute("PRAGMA quick_check(1)").fetchone()[0]
        if check != "ok":
            raise sqlite3.DatabaseError(check)


def _create(path: Path) -> None:
    """A new database at `path`, whole or not at all.

    It is built beside `path` under a temporary name and then put into place
    (`_place`), never over a file another process made meanwhile: a crash while
    creating leaves no half-made database at `path`. The folder must exist, except
    the app's own data folder, which is made.
    """
    folder = path.parent
    if not folder.is_dir() and folder == data_dir():
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError("cannot_create_folder", path=path, detail=exc.strerror) from None
    if not folder.is_dir():
        raise StoreError("no_folder", path=path, folder=folder)
    try:
        handle, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".new", dir=folder)
    except OSError as exc:
        raise StoreError("cannot_create", path=path, detail=exc.strerror) from None
    os.close(handle)
    built = Path(name)
    try:
        migrate(built)
        _place(built, path)
    except OSError as exc:
        raise StoreError("cannot_create", path=path, detail=exc.strerror) from None
    finally:
        built.unlink(missing_ok=True)


def _place(built: Path, path: Path) -> None:
    """Link the whole database `built` at `path`, unless a file is there already: another
    process made it first, as whole as ours."""
    try:
        os.link(built, path)
    except FileExistsError:
        pass
    except OSError:  # no hard links here: some FUSE, network and FAT mounts
        _claim_and_replace(built, path)


def _claim_and_replace(built: Path, path: Path) -> None:
    """`_place` without a hard link: `path` is claimed by creating it empty, which fails
    if it exists, and then replaced by `built`.

    A crash between the two must leave what `inspect_file` takes for our interrupted
    creation, not an empty file that it refuses: so a one-byte journal is put beside the
    claim first (SQLite discards a journal beside an empty database), and removed after.
    """
    journal = path.with_name(path.name + "-journal")
    journal.write_bytes(b"\0")
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL))
    except FileExistsError:
        journal.unlink()
        return
    os.replace(built, path)
    journal.unlink()


def backup(path: Path, now: datetime) -> Path:
    """A consistent copy of `path` named after `now` (UTC), next to it."""
    stamp = now.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    target = path.with_name(f"{path.name}.{stamp}.bak")
    serial = 1
    while target.exists():
        serial += 1
        target = path.with_name(f"{path.name}.{stamp}-{serial}.bak")
    try:
        with read_only_connection(path) as source:
            copy_database(source, target)
    except (sqlite3.Error, OSError) as exc:
        raise StoreError("backup_failed", path=path, target=target, detail=exc) from None
    return target


def migrate(path: Path, target: int = SCHEMA_VERSION) -> int:
    """Apply the missing steps up to `target` in one transaction; the version reached."""
    try:
        con = sqlite3.connect(sqlite_uri(path), uri=True, isolation_level=None)
    except sqlite3.Error as exc:
        raise StoreError("cannot_open", path=path, detail=exc) from None
    try:
        con.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        con.execute("BEGIN IMMEDIATE")
        # another process may have been first
        version = int(con.execute("PRAGMA user_version").fetchone()[0])
        for step in MIGRATIONS[version:target]:
            for statement in step:
                con.execute(statement)
        reached = max(version, target)
        con.execute(f"PRAGMA application_id = {APPLICATION_ID}")
        con.execute(f"PRAGMA user_version = {reached}")
        con.execute("COMMIT")
        return reached
    except sqlite3.Error as exc:
        if con.in_transaction:
            con.execute("ROLLBACK")
        raise StoreError("upgrade_failed", path=path, detail=exc) from None
    finally:
        con.close()
