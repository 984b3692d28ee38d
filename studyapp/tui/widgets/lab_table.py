"""A lab's table that fits the screen: its row names stay put while its columns scroll.

Columns whose value is the same in every row (threads, device, status…) are said once above
the table instead of being repeated; a header is at most two lines, the label over its unit,
a short name where the label is too long (`studyapp.services.lab_tables` says which, and the
legend under the table). Long texts wrap inside their cell. The page around the tables
scrolls up and down, and its left and right keys move the columns of all its tables.
"""

from __future__ import annotations

from rich.console import JustifyMethod
from rich.text import Text as RichText
from textual.containers import VerticalScroll
from textual.widgets import DataTable

from studyapp.services.lab_tables import NAME_KEY, TableLayout, cell_text

COLUMN_STEP = 8  # how far one left or right key moves the columns


class LabTable(DataTable[RichText]):
    """One lab table; its first column (the row names) stays in view while the rest scrolls."""

    can_focus = False

    def __init__(self, shown: TableLayout, lang: str, *, classes: str | None = None) -> None:
        super().__init__(cursor_type="none", zebra_stripes=True, classes=classes)
        self.table = shown.table
        self.headers = shown.headers
        self.lang = lang

    def on_mount(self) -> None:
        shown = self.headers
        self.header_height = 2 if any(header.unit for _, header in shown) else 1
        for column, header in shown:
            justify: JustifyMethod = (
                "left" if column.key == NAME_KEY or column.unit == "" else "right")
            label = "\n".join(line for line in (header.label, header.unit) if line)
            self.add_column(RichText(label, justify=justify, style="bold"), width=header.width)
        for row in self.table.rows:
            values = [cell_text(row, column, self.lang) for column, _ in shown]
            self.add_row(*(RichText(value, justify=_justify(value)) for value in values),
                         height=None)
        self.fixed_columns = 1


def _justify(value: str) -> JustifyMethod:
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
