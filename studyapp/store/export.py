"""Every table as plain values, for a backup the learner can read.

`studyapp export --json` writes them as one document (`export_document`);
`studyapp restore` reads it back (`restore.py`).

Rows are read as stored and each cell is converted with its column's own type, so a cell
that a hand edit left unreadable (a `due` that is not a date) is found by table, row and
column; the caller decides whether that stops the export or only leaves that row out.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from sqlalchemy import Column, Dialect, type_coerce
from sqlalchemy.types import NullType
from sqlmodel import Session, SQLModel, select

from studyapp.store.errors import StoreError
from studyapp.store.migrations import SCHEMA_VERSION
from studyapp.store.tables import (
    CardStateRow,
    LabRunRow,
    ModuleProgressRow,
    PriorAnswerRow,
    ResultCardRow,
    ReviewLogRow,
    SettingRow,
)

FORMAT = "studyapp-export"

EXPORTED: tuple[type[SQLModel], ...] = (
    CardStateRow, ReviewLogRow, LabRunRow, ResultCardRow, PriorAnswerRow, ModuleProgressRow,
    SettingRow,
)

BadRow = Callable[[StoreError], None]


def _plain(value: Any) -> Any:
    if isinstance(value, date | datetime):
        return value.isoformat()
    return value


def _reader(column: Column[Any], dialect: Dialect) -> Callable[[Any], Any]:
    """The column type's own conversion of a stored value (none for text and numbers)."""
    convert = column.type.dialect_impl(dialect).result_processor(dialect, None)
    return convert or (lambda value: value)


def export_tables(
    session: Session, on_bad_row: BadRow | None = None
) -> dict[str, list[dict[str, Any]]]:
    """Table name -> rows (column -> JSON-ready value), in primary-key order.

    A row with a cell its column cannot read raises `StoreError("bad_value")` naming the
    table, the row and the column; with `on_bad_row`, that error is handed to it instead
    and the row is left out.
    """
    dialect = session.get_bind().dialect
    result: dict[str, list[dict[str, Any]]] = {}
    for table in EXPORTED:
        name: str = table.__tablename__  # type: ignore[assignment]
        columns = list(table.__table__.columns)  # type: ignore[attr-defined]
        keys = [column for column in columns if column.primary_key]
        readers = [_reader(column, dialect) for column in columns]
        stored = select(*(type_coerce(column, NullType()) for column in columns))
        rows = session.exec(stored.order_by(*keys))  # type: ignore[call-overload]
        result[name] = []
        for row in rows:
            try:
                result[name].append(_row(name, columns, readers, row))
            except StoreError as error:
                if on_bad_row is None:
                    raise
                on_bad_row(error)
    return result


def export_document(tables: dict[str, list[dict[str, Any]]], now: datetime) -> dict[str, Any]:
    """The JSON document of `studyapp export --json`: a header, then the tables."""
    return {"format": FORMAT, "schema_version": SCHEMA_VERSION, "exported_at": now.isoformat(),
            "tables": tables}


def _row(
    table: str, columns: list[Column[Any]], readers: list[Callable[[Any], Any]], row: Any
) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for column, read, value in zip(columns, readers, row, strict=True):
        try:
            values[column.name] = _plain(read(value))
        except (ValueError, TypeError) as exc:
            key = ", ".join(str(cell) for part, cell in zip(columns, row, strict=True)
                            if part.primary_key)
            raise StoreError("bad_value", table=table, row=key, column=column.name,
                             detail=exc) from None
    return values
