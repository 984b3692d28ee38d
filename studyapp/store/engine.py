"""The engine factory and units of work.

Every connection gets WAL, foreign keys and a busy timeout from a connect-event
listener. Transactions are begun by us: a writing unit of work starts with
`BEGIN IMMEDIATE`, so two writers queue on the busy timeout instead of one of
them failing when it upgrades a read lock.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session

from studyapp.store.errors import StoreError

APPLICATION_ID = 0x53545944  # "STYD": marks the files this app created
BUSY_TIMEOUT_MS = 15_000
_WRITE = "studyapp_write"


def _apply_pragmas(dbapi_connection: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")  # with WAL: durable across a killed process
        cursor.execute("PRAGMA foreign_keys = ON")
    finally:
        cursor.close()


def make_engine(path: Path) -> Engine:
    """An engine for the database at `path`; the file must already be checked and migrated."""
    engine = create_engine(
        f"sqlite:///{Path(path)}", connect_args={"check_same_thread": False}
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # the driver must not begin on its own
        _apply_pragmas(dbapi_connection)

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
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
        raise StoreError("database_error", detail=exc.orig) from exc
