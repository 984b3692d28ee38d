"""Every table as plain values, for a backup the learner can read.

`studyapp export --json` writes them as one document (`export_document`);
`studyapp restore` reads it back (`restore.py`).

Rows are read as stored and each cell is converted with its column's own type, so a cell
that a hand edit left unreadable (a `due` that is not a date) is found by table, row and
column; the caller decides whether that stops the export or only leaves that row out.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import date, datetime
from typing import TypedDict

from sqlmodel import Session, SQLModel

from studyapp.jsonvalue import JsonScalar
from studyapp.store.cells import Cell, Cells, TableCells
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
ExportTables = dict[str, list[dict[str, JsonScalar]]]  # table -> rows (column -> value)


class ExportDocument(TypedDict):
    format: str
    schema_version: int
    exported_at: str
    tables: ExportTables


def exported_columns() -> dict[str, list[str]]:
    """Each exported table's name -> its column names, in order (a header for a table with
    no rows)."""
    return {str(table.__tablename__): list(table.__table__.columns.keys())  # type: ignore[attr-defined]
            for table in EXPORTED}


def _plain(value: Cell) -> JsonScalar:
    if isinstance(value, date | datetime):
        return value.isoformat()
    return value


def read_tables(
    session: Session, tables: Sequence[type[SQLModel]] = EXPORTED,
    on_bad_row: BadRow | None = None,
) -> dict[str, list[Cells]]:
    """Table name -> rows (column -> value, of the column's type), in primary-key order.

    A row with a cell its column cannot read raises `StoreError("bad_value")` naming the
    table, the row and the column; with `on_bad_row`, that error is handed to it instead
    and the row is left out.
    """
    result: dict[str, list[Cells]] = {}
    for table in tables:
        cells = TableCells(table, session)
        result[cells.table] = []
        for row in session.connection().execute(cells.query.order_by(*cells.keys)):
            try:
                result[cells.table].append(cells.values(row))
            except StoreError as error:
                if on_bad_row is None:
                    raise
                on_bad_row(error)
    return result


def export_tables(session: Session, on_bad_row: BadRow | None = None) -> ExportTables:
    """`read_tables` of every exported table, each value JSON-ready (dates and instants as
    ISO text)."""
    return {table: [{name: _plain(value) for name, value in row.items()} for row in rows]
            for table, rows in read_tables(session, EXPORTED, on_bad_row).items()}


def export_document(tables: ExportTables, now: datetime) -> ExportDocument:
    """The JSON document of `studyapp export --json`: a header, then the tables."""
    return {"format": FORMAT, "schema_version": SCHEMA_VERSION, "exported_at": now.isoformat(),
            "tables": tables}


def export_json(tables: ExportTables, now: datetime) -> str:
    """The text of `studyapp export --json`: `export_document` as indented JSON, in UTF-8."""
    return json.dumps(export_document(tables, now), ensure_ascii=False, indent=2) + "\n"
