"""Stored cells read through their column's own type, so that a value a hand edit left
unreadable is named by table, row and column (`StoreError("bad_value")`) instead of failing
later, far from where it was read.

SQLite keeps whatever a hand edit puts in a column (`UPDATE card_state SET due = 'notadate'`
passes `integrity_check`). SQLAlchemy's conversions raise on some such values (dates) and
let others through (text in an integer column, any value in a boolean one), so here a read
value must also be of its column's kind.

Usage: select a column `stored(...)`, then `read_cell(session, column, value)`; or read
whole rows with `TableCells(table, session)`: `query` selects them, `values(row)` reads one.
"""

from __future__ import annotations

import reprlib
from collections.abc import Callable, Sequence
from datetime import date, datetime
from functools import cache
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    ColumnElement,
    Dialect,
    Float,
    Select,
    String,
    TypeDecorator,
    type_coerce,
)
from sqlalchemy.types import NullType, TypeEngine
from sqlmodel import Session, SQLModel, select

from studyapp.store.errors import StoreError

# A cell read is of its column's Python type (`reader` checks it), which a type checker
# cannot follow from a column's name: Any. Column[Any], TypeEngine[Any], Select[Any] below:
# SQLAlchemy's generics over columns of every kind.
Reader = Callable[[object], Any]
Cells = dict[str, Any]
Cell = str | int | float | bool | date | datetime | None  # the kinds of the tables' columns


def stored(column: Any) -> ColumnElement[Any]:  # Any: SQLModel types `Row.field` as a value
    """`column` in a select as SQLite holds it, for `read_cell` or `TableCells` to read."""
    return type_coerce(column, NullType()).label(column.key)


@cache
def reader(column: Column[Any], dialect: Dialect) -> Reader:
    """The column type's reading of a stored value: the value of its kind, or ValueError or
    TypeError. None stays None (whether a column may hold it is SQLite's to enforce)."""
    kind = column.type.impl_instance if isinstance(column.type, TypeDecorator) else column.type
    if isinstance(kind, Boolean):
        return _boolean
    convert = column.type.dialect_impl(dialect).result_processor(dialect, None)
    expected = _expected(kind)

    def read(value: object) -> Any:  # see Reader
        if value is None:
            return None
        result = convert(value) if convert else value
        if not isinstance(result, expected):
            raise TypeError(f"not a value of type {column.type}")
        return result

    return read


def _expected(kind: TypeEngine[Any]) -> type | tuple[type, ...]:
    if isinstance(kind, String):
        return str
    if isinstance(kind, Float):
        return (float, int)
    expected: type = kind.python_type
    return expected


def _boolean(value: object) -> bool | None:
    if value is None:
        return None
    if value not in (0, 1):
        raise ValueError("not 0 or 1")
    return bool(value)


def bad_value(session: Session, table: str, row: object, column: str, value: object,
              error: Exception) -> StoreError:
    """The error for `value`, the cell of `column` in `table`'s row keyed `row`."""
    return StoreError("bad_value", path=session.get_bind().engine.url.database, table=table,
                      row=row, column=column, value=reprlib.repr(value), detail=error)


def read_cell(session: Session, column: Any, value: object) -> Any:  # see stored, Reader
    """`value`, selected as `stored(column)`, read through the column's type. A value it
    cannot read is a StoreError naming the first row that holds it."""
    dialect = session.get_bind().dialect
    try:
        return reader(column.property.columns[0], dialect)(value)
    except (ValueError, TypeError) as exc:
        table = column.class_.__table__
        keys = [part for part in table.columns if part.primary_key]
        found = session.connection().execute(
            select(*(stored(part) for part in keys)).where(stored(column) == value).limit(1)
        ).first()
        row = ", ".join(str(cell) for cell in found) if found else "?"
        raise bad_value(session, table.name, row, column.key, value, exc) from None


@cache
def _layout(table: type[SQLModel]) -> tuple[list[Column[Any]], Select[Any]]:
    columns: list[Column[Any]] = list(table.__table__.columns)  # type: ignore[attr-defined]
    return columns, select(*(stored(column) for column in columns))


class TableCells:
    """Every cell of `table`'s rows, as stored (`query`) and read (`values`)."""

    def __init__(self, table: type[SQLModel], session: Session) -> None:
        self.table: str = table.__tablename__  # type: ignore[assignment]
        self.columns, self.query = _layout(table)
        self.keys = [column for column in self.columns if column.primary_key]
        self._session = session
        self._readers = [reader(column, session.get_bind().dialect) for column in self.columns]

    def values(self, row: Sequence[object]) -> Cells:
        """Column name -> value of one row of `query`; StoreError("bad_value") when a cell
        cannot be read."""
        values: Cells = {}
        for column, read, value in zip(self.columns, self._readers, row, strict=True):
            try:
                values[column.name] = read(value)
            except (ValueError, TypeError) as exc:
                key = ", ".join(str(cell) for part, cell in zip(self.columns, row, strict=True)
                                if part.primary_key)
                raise bad_value(self._session, self.table, key, column.name, value,
                                exc) from None
        return values

    # SQLModel types `Row.field == value` as bool, SQLAlchemy's where() takes a private type
    def rows(self, *criteria: Any, order_by: Sequence[Any] = (),
             limit: int | None = None) -> list[Cells]:
        """The rows that match `criteria`, read (see `values`)."""
        query = self.query.where(*criteria).order_by(*order_by).limit(limit)
        return [self.values(row) for row in self._session.connection().execute(query)]
