"""A lab's table that fits the screen: its row names stay put while its columns scroll.

Columns whose value is the same in every row (threads, device, status…) are said once above
the table instead of being repeated; a header is at most two lines, the label over its unit:
a label too long for its column's values shows its short name (`labs_ui.short.KEY`), and a
legend under the table gives the full one. Long texts wrap inside their cell. The page around
the tables scrolls up and down, and its left and right keys move the columns of all its tables.
"""

from __future__ import annotations

from dataclasses import dataclass

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
MIN_HEADER = 12  # a header may be this wide even over narrow values
COLUMN_STEP = 8  # how far one left or right key moves the columns


def _cell(row: dict[str, Scalar], column: Column, lang: str) -> str:
    return visible(fmt_value(column.key, row_value(row, column.key, lang), lang))


def _label(column: Column, lang: str) -> str:
    """The column's label; where the catalogue names its key (`labs_ui.column.KEY`), that
    name, also over the runs recorded before it read so."""
    return visible(catalogue(lang).get(f"labs_ui.column.{column.key}", column.label.get(lang)))


@dataclass(frozen=True)
class Header:
    """A shown column's header: its label (the short name where the full one is too long),
    its unit, and its width; `full` is the full label where the short name stands for it."""

    label: str
    unit: str
    width: int
    full: str | None = None


def headers(table: Table, lang: str) -> list[tuple[Column, Header]]:
    """The shown columns with their headers, name column first."""
    columns, _ = split_columns(table, lang)
    shown = []
    for column in columns:
        width = min(MAX_CELL, max((len(_cell(row, column, lang)) for row in table.rows),
                                   default=1))
        label, full = _label(column, lang), None
        short = catalogue(lang).get(f"labs_ui.short.{column.key}")
        if len(label) > max(width, MIN_HEADER) and short is not None:
            label, full = visible(short), label
        unit = visible(column.unit)
        shown.append((column, Header(label, unit, max(width, len(label), len(unit)), full)))
    return shown


def legend_line(table: Table, lang: str) -> str:
    """The full names of the columns whose header shows a short one ("" when none does)."""
    return " · ".join(tr(lang, "labs_ui.table_legend", short=header.label, full=header.full)
                      for _, header in headers(table, lang) if header.full is not None)


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
        shown = headers(self.table, self.lang)
        self.header_height = 2 if any(header.unit for _, header in shown) else 1
        for column, header in shown:
            justify = "left" if column.key == NAME_KEY or column.unit == "" else "right"
            label = "\n".join(line for line in (header.label, header.unit) if line)
            self.add_column(RichText(label, justify=justify, style="bold"), width=header.width)
        for row in self.table.rows:
            values = [_cell(row, column, self.lang) for column, _ in shown]
            self.add_row(*(RichText(value, justify=_justify(value)) for value in values),
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
