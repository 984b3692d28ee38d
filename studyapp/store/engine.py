"""The engine factory and units of work.

Every connection gets WAL, foreign keys and a busy timeout from a connect-event
listener. Transactions are begun by us: a writing unit of work starts with
`BEGIN IMMEDIATE`, so two writers queue on the busy timeout instead of one of
them failing when it upgrades a read lock.

Connections are opened from a quoted `file:` URI, never from a URL that
SQLAlchemy parses: a path with `%20`, `?` or `#` in it names that very file.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from urllib.parse import urlencode

from sqlalchemy import URL, Connection, Engine, create_engine, event
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import ConnectionPoolEntry
from sqlmodel import Session

from studyapp.store.errors import StoreError

APPLICATION_ID = 0x53545944  # "STYD": marks the files this app created
BUSY_TIMEOUT_MS = 15_000
_WRITE = "studyapp_write"
_READ_ONLY = "studyapp_read_only"


def sqlite_uri(path: Path, **options: str) -> str:
    """The `file:` URI of `path` itself, with SQLite's URI `options`."""
    uri = Path(path).resolve().as_uri()  # quotes %, ? and # in the name
    return f"{uri}?{urlencode(options)}" if options else uri


def read_only_uri(path: Path) -> str:
    """A URI that reads `path` without ever changing it or leaving files beside it."""
    return sqlite_uri(path, **_read_only_options(path))


def read_only_connection(path: Path) -> closing[sqlite3.Connection]:
    """A connection that reads `path` as `read_only_uri` does, closed as its `with` ends."""
    return closing(sqlite3.connect(read_only_uri(path), uri=True))


def _read_only_options(path: Path) -> dict[str, str]:
    """Without a `-wal` file beside it the file is complete and nobody writes it,
    so it is read as immutable: no `-wal`/`-shm` files are created."""
    if path.with_name(path.name + "-wal").exists():
        return {"mode": "ro"}
    return {"mode": "ro", "immutable": "1"}


def is_read_only(engine: Engine) -> bool:
    """Whether `engine` was made `read_only` by `make_engine`."""
    return bool(engine.get_execution_options().get(_READ_ONLY, False))


def _apply_pragmas(dbapi_connection: sqlite3.Connection, read_only: bool) -> None:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        if not read_only:
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA synchronous = NORMAL")  # with WAL: durable across a kill
        cursor.execute("PRAGMA foreign_keys = ON")
    finally:
        cursor.close()


def make_engine(path: Path, read_only: bool = False) -> Engine:
    """An engine for the database at `path`; the file must already be checked and migrated.

    A `read_only` engine opens the file as `read_only_uri` does: for a file or
    folder that this process may not write.
    """
    uri = read_only_uri(path) if read_only else sqlite_uri(path)
    engine = create_engine(
        URL.create("sqlite", database=str(path)),  # names the file in errors; never parsed
        creator=lambda: sqlite3.connect(uri, uri=True, check_same_thread=False),
        execution_options={_READ_ONLY: read_only},
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: sqlite3.Connection, _record: ConnectionPoolEntry) -> None:
        dbapi_connection.isolation_level = None  # the driver must not begin on its own
        _apply_pragmas(dbapi_connection, read_only)

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        immediate = connection.get_execution_options().get(_WRITE, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


@contextmanager
def reading(engine: Engine) -> Iterator[Session]:
    """A read-only unit of work."""
    with _unit_of_work(engine) as session:
        yield session


@contextmanager
def writing(engine: Engine) -> Iterator[Session]:
    """A unit of work that commits as one transaction, or not at all."""
    with _unit_of_work(engine.execution_options(**{_WRITE: True})) as session:
        yield session


@contextmanager
def _unit_of_work(bind: Engine) -> Iterator[Session]:
    try:
        with Session(bind, expire_on_commit=False) as session, session.begin():
            yield session
    except DBAPIError as exc:
        raise StoreError("database_error", path=bind.url.database, detail=exc.orig) from exc
