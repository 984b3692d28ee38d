"""Putting a JSON export (`studyapp export --json`) back into a database.

`parse_export` checks the whole document before anything is written: its header,
every table, row and column, each value's type, unique keys, the references
between tables, and then every constraint of the schema itself, by putting the rows
into an empty database in memory. A problem is one `StoreError` that names the
table, the row and, where it is one, the column. `restore_tables` then replaces
every exported table in the caller's transaction, so a restore lands whole or not
at all. The answers per day (`review_day`) are not in the export: the triggers on
`review_log` count them again as the log is inserted.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from datetime import date, datetime
from itertools import chain
from pathlib import Path
from typing import Any, TypeGuard

from sqlalchemy import Column, Connection, Table, create_engine, delete, func, insert
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, SQLModel, col, select

from studyapp.jsonvalue import JsonValue, parse_json
from studyapp.store.cells import Cell
from studyapp.store.errors import StoreError
from studyapp.store.export import EXPORTED, FORMAT
from studyapp.store.migrations import MIGRATIONS, SCHEMA_VERSION
from studyapp.store.tables import (
    LabRunRow,
    ModuleProgressRow,
    PriorAnswerRow,
    ReviewDayRow,
    ReviewLogRow,
    SettingRow,
)

Tables = dict[str, list[dict[str, Cell]]]  # table -> rows (column -> value to insert)

# Settings the app keeps for itself: a database holding only these holds no study data.
MAINTENANCE_PREFIX = "maintenance."

# Parents before children: the order rows can be inserted in (deleted in reverse).
_NAMES = {row.__tablename__ for row in EXPORTED}
_ORDER: list[Table] = [table for table in SQLModel.metadata.sorted_tables if table.name in _NAMES]


def read_export(path: Path) -> Tables:
    """The checked tables of the export file at `path`, as column values ready to insert."""
    try:
        document = parse_json(path.read_bytes())
    except OSError as exc:
        raise StoreError("cannot_read", path=path, detail=exc.strerror) from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise StoreError("restore_not_json", path=path, detail=exc) from None
    return parse_export(document, path)


def parse_export(document: JsonValue, path: Path) -> Tables:
    """The tables of an export document; StoreError naming the first thing wrong."""
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise StoreError("restore_not_export", path=path)
    version = document.get("schema_version")
    if not _is_int(version) or version < 1:
        raise StoreError("restore_not_export", path=path)
    if version > SCHEMA_VERSION:
        raise StoreError("restore_newer", path=path, version=version, known=SCHEMA_VERSION)
    given = document.get("tables")
    if not isinstance(given, dict):
        raise StoreError("restore_not_export", path=path)
    unknown = sorted(set(given) - _NAMES)
    if unknown:
        raise StoreError("restore_unknown_table", path=path, table=unknown[0])
    tables: Tables = {}
    for table in _ORDER:
        if table.name not in given and version == SCHEMA_VERSION:
            raise StoreError("restore_missing_table", path=path, table=table.name)
        # an older export lacks the tables its version did not have: they are empty
        tables[table.name] = _rows(table, given.get(table.name, []), path)
    _check_keys(tables, path)
    _check_constraints(tables, path)
    return tables


def holds_study_data(session: Session) -> bool:
    """Whether the database has anything of the learner's beyond fresh card states."""
    for row in (ReviewLogRow, LabRunRow, PriorAnswerRow, ModuleProgressRow):
        if session.exec(select(func.count()).select_from(row)).one():
            return True
    own = col(SettingRow.key).startswith(MAINTENANCE_PREFIX)
    settings = select(func.count()).select_from(SettingRow).where(~own)
    return bool(session.exec(settings).one())


def restore_tables(session: Session, tables: Tables, path: Path) -> None:
    """Replace every exported table with `tables` (from `parse_export`) in `session`'s
    transaction; `path` names the export in errors."""
    for table in reversed(_ORDER):
        session.execute(delete(table))
    session.execute(delete(ReviewDayRow))  # emptied rows the log's deletion left at zero
    for table in _ORDER:
        if tables[table.name]:
            session.execute(insert(table), tables[table.name])


# -- checking -------------------------------------------------------------------------------


def _rows(table: Table, given: JsonValue, path: Path) -> list[dict[str, Cell]]:
    if not isinstance(given, list):
        raise StoreError("restore_not_list", path=path, table=table.name)
    names = [column.name for column in table.columns]
    rows = []
    for number, row in enumerate(given, start=1):
        where = {"path": path, "table": table.name, "row": number}
        if not isinstance(row, dict):
            raise StoreError("restore_not_object", **where)
        missing = [name for name in names if name not in row]
        if missing:
            raise StoreError("restore_missing_column", **where, column=missing[0])
        extra = sorted(set(row) - set(names))
        if extra:
            raise StoreError("restore_unknown_column", **where, column=extra[0])
        rows.append({column.name: _value(column, row[column.name], where)
                     for column in table.columns})
    return rows


def _value(column: Column[Any], value: JsonValue,  # Any: a column of any kind
           where: Mapping[str, object]) -> Cell:
    if value is None:
        if not column.nullable or column.primary_key:
            raise StoreError("restore_null", **where, column=column.name)
        return None
    kind: type = getattr(column.type, "impl", column.type).python_type  # under SQLModel's types
    try:
        return _PARSERS[kind](value)
    except (TypeError, ValueError):
        raise StoreError(f"restore_bad_{kind.__name__}", **where, column=column.name,
                         value=json.dumps(value, ensure_ascii=False)[:40]) from None


def _check_keys(tables: Tables, path: Path) -> None:
    """Primary keys are unique, and every reference points at a row of the export."""
    for table in _ORDER:
        keys = [column.name for column in table.primary_key.columns]
        seen: set[tuple[Cell, ...]] = set()
        for number, row in enumerate(tables[table.name], start=1):
            key = tuple(row[name] for name in keys)
            if key in seen:
                raise StoreError("restore_duplicate", path=path, table=table.name, row=number,
                                 column=", ".join(keys), value=", ".join(map(str, key)))
            seen.add(key)
        for column in table.columns:
            for foreign in column.foreign_keys:
                target = foreign.column
                present = {row[target.name] for row in tables[target.table.name]}
                for number, row in enumerate(tables[table.name], start=1):
                    if row[column.name] is not None and row[column.name] not in present:
                        raise StoreError("restore_dangling", path=path, table=table.name,
                                         row=number, column=column.name,
                                         value=row[column.name], target=target.table.name)


def _check_constraints(tables: Tables, path: Path) -> None:
    """Put the rows into an empty in-memory database of the current schema, so that what
    its constraints refuse (a grade outside 0-5, say) is named by its row before any
    database file is created or written."""
    engine = create_engine("sqlite://")
    try:
        with engine.connect() as connection:
            for statement in chain.from_iterable(MIGRATIONS):
                connection.exec_driver_sql(statement)
            for table in _ORDER:
                _insert_checked(connection, table, tables[table.name], path)
    finally:
        engine.dispose()


def _insert_checked(connection: Connection, table: Table, rows: list[dict[str, Cell]],
                    path: Path) -> None:
    if not rows:
        return
    try:
        connection.execute(insert(table), rows)
        return
    except IntegrityError as exc:
        refused = StoreError("restore_rejected", path=path, table=table.name, detail=exc.orig)
    # the rows before the refused one are in: from there, one at a time names it
    done = connection.execute(func.count().select().select_from(table)).scalar_one()
    for number, row in enumerate(rows[done:], start=done + 1):
        try:
            connection.execute(insert(table), row)
        except IntegrityError as exc:
            raise StoreError("restore_invalid", path=path, table=table.name, row=number,
                             detail=exc.orig) from None
    raise refused


def _is_int(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def _int(value: JsonValue) -> int:
    if not _is_int(value):
        raise TypeError(value)
    return int(value)


def _float(value: JsonValue) -> float:
    if not isinstance(value, int | float) or isinstance(value, bool):
        raise TypeError(value)
    return float(value)


def _bool(value: JsonValue) -> bool:
    if not isinstance(value, bool):
        raise TypeError(value)
    return value


def _str(value: JsonValue) -> str:
    if not isinstance(value, str):
        raise TypeError(value)
    return value


def _date(value: JsonValue) -> date:
    return date.fromisoformat(_str(value))


def _datetime(value: JsonValue) -> datetime:
    """An instant: the tables keep aware ones only."""
    instant = datetime.fromisoformat(_str(value))
    if instant.utcoffset() is None:
        raise ValueError(value)
    return instant


_PARSERS: dict[type, Callable[[JsonValue], Cell]] = {
    int: _int, float: _float, bool: _bool, str: _str, date: _date, datetime: _datetime,
}
