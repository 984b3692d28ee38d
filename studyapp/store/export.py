"""Every table as plain values, for a backup the learner can read.

`studyapp export --json` writes them as one document (`export_document`);
`studyapp restore` reads it back (`restore.py`).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlmodel import Session, SQLModel, select

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


def _plain(value: Any) -> Any:
    if isinstance(value, date | datetime):
        return value.isoformat()
    return value


def export_tables(session: Session) -> dict[str, list[dict[str, Any]]]:
    """Table name -> rows (column -> JSON-ready value), in primary-key order."""
    result: dict[str, list[dict[str, Any]]] = {}
    for table in EXPORTED:
        columns = list(table.__table__.columns)  # type: ignore[attr-defined]
        keys = [column for column in columns if column.primary_key]
        rows = session.exec(select(*columns).order_by(*keys))  # type: ignore[call-overload]
        result[table.__tablename__] = [  # type: ignore[attr-defined]
            {column.name: _plain(value) for column, value in zip(columns, row, strict=True)}
            for row in rows
        ]
    return result


def export_document(tables: dict[str, list[dict[str, Any]]], now: datetime) -> dict[str, Any]:
    """The JSON document of `studyapp export --json`: a header, then the tables."""
    return {"format": FORMAT, "schema_version": SCHEMA_VERSION, "exported_at": now.isoformat(),
            "tables": tables}
