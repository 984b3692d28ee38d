"""A lab's table that fits the screen: its row names stay put while its columns scroll.

Columns whose value is the same in every row (threads, device, status…) are said once above
the table instead of being repeated; a header gives the label over its unit, wrapped to the
width of the column's values; long texts wrap inside their cell. The page around the tables
scrolls up and down, and its left and right keys move the columns of all its tables.
"""

from __future__ import annotations

from textwrap import wrap

from rich.text import Text as RichText
from textual.containers import VerticalScroll
from textual.widgets import DataTable

from studyapp.controls import visible
from studyapp.i18n import catalogue, tr
from studyapp.labs.columns import row_value
from studyapp.labs.events import Column, Scalar, Table
from studyapp.tui.widgets.lab_views import fmt_value

NAME_KEY = "variant"  # the column that names a row: first, where the table has one
MAX_CELL = 24  # a wider text wraps inside its cell
MIN_HEADER = 10  # a header may be this wide even over narrow values
COLUMN_STEP = 8  # how far one left or right key moves the columns


def _cell(row: dict[str, Scalar], column: Column, lang: str) -> str:
    return visible(fmt_value(column.key, row_value(row, column.key, lang), lang))


def _label(column: Column, lang: str) -> str:
    """The column's label; where the catalogue names its key (`labs_ui.column.KEY`), that
    name, also over the runs recorded before it read so."""
    return visible(catalogue(lang).get(f"labs_ui.column.{column.key}", column.label.get(lang)))


def split_columns(table: Table, lang: str) -> tuple[list[Column], list[Column]]:
    """(the columns shown in the table, name column first; those the same in every row).
    A column empty in every row is in neither."""
    shown: list[Column] = []
    same: list[Column] = []
    for column in table.columns:
        values = {_cell(row, column, lang) for row in table.rows}
        if values == {"—"}:
            continue
        if column.key != NAME_KEY and len(table.rows) > 1 and len(values) == 1:
            same.append(column)
        else:
            shown.append(column)
    shown.sort(key=lambda column: column.key != NAME_KEY)
    return shown, same


def common_line(table: Table, lang: str) -> str:
    """What every row of the table shares, in one line ("" when nothing is)."""
    _, same = split_columns(table, lang)
    parts = []
    for column in same:
        label = _label(column, lang)
        if column.unit:
            label += f", {visible(column.unit)}"
        parts.append(tr(lang, "labs_ui.table_common", label=label,
                        value=_cell(table.rows[0], column, lang)))
    return " · ".join(parts)


class LabTable(DataTable[RichText]):
    """One lab table; its first column (the row names) stays in view while the rest scrolls."""

    can_focus = False

    def __init__(self, table: Table, lang: str, *, classes: str | None = None) -> None:
        super().__init__(cursor_type="none", zebra_stripes=True, classes=classes)
        self.table = table
        self.lang = lang

    def on_mount(self) -> None:
        columns, _ = split_columns(self.table, self.lang)
        cells = [[_cell(row, column, self.lang) for column in columns]
                 for row in self.table.rows]
        headers = []
        for index, column in enumerate(columns):
            width = min(MAX_CELL, max((len(row[index]) for row in cells), default=1))
            lines = wrap(_label(column, self.lang), max(width, MIN_HEADER),
                         break_long_words=False) or [""]
            if column.unit:
                lines.append(visible(column.unit))
            headers.append((lines, max(width, *map(len, lines))))
        self.header_height = max((len(lines) for lines, _ in headers), default=1)
        for (lines, width), column in zip(headers, columns, strict=True):
            justify = "left" if column.key == NAME_KEY or column.unit == "" else "right"
            self.add_column(RichText("\n".join(lines), justify=justify, style="bold"),
                            width=width)
        for row in cells:
            self.add_row(*(RichText(value, justify=_justify(value)) for value in row),
                         height=None)
        self.fixed_columns = 1


def _justify(value: str) -> str:
    """Numbers line up on the right, texts on the left."""
    return "right" if value[:1].isdigit() or value[:1] in "-—×" else "left"


class LabPage(VerticalScroll):
    """A page of lab tables: up and down scroll it, left and right the tables' columns."""

    def action_scroll_left(self) -> None:
        for table in self.query(LabTable):
            table.scroll_relative(x=-COLUMN_STEP, animate=False)

    def action_scroll_right(self) -> None:
        for table in self.query(LabTable):
            table.scroll_relative(x=COLUMN_STEP, animate=False)
