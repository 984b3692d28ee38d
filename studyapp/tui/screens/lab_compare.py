"""Two runs of one lab side by side: what differs between them, the measured answers, and
the numbers of both with their ratio."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from rich.table import Table as RichTable
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from studyapp.controls import visible
from studyapp.labs.columns import row_value
from studyapp.labs.events import Column, Scalar, Table
from studyapp.services.lab_results import outcome
from studyapp.services.labs import RecordedRun
from studyapp.tui.screens.base import AppScreen
from studyapp.tui.screens.prediction import CSS_PATH
from studyapp.tui.widgets.footer import KeyBar
from studyapp.tui.widgets.lab_views import (
    fmt_number,
    fmt_started,
    fmt_value,
    lab_title,
    setting_label,
)
from studyapp.tui.widgets.plain import Plain

Line = tuple[str, str, str, str]  # a label, the value in the first and second run, the ratio
# the machine; the thread count is among the parameters
ENV_KEYS = ("cpu_model", "cores", "torch", "onnxruntime", "gpu", "load_average_1m")
INDENT = "  "
LABEL_WIDTH = 30  # at most, so that two values of VALUE_WIDTH and a ratio fit 80 columns
VALUE_WIDTH = 16  # a start time fits on one line


def _row_name(row: Mapping[str, Scalar], lang: str) -> str:
    """The row's variant in `lang`, with its batch size when it has one."""
    name = str(row_value(row, "variant", lang) or "?")
    batch = row.get("batch_size")
    return f"{name} · {batch}" if batch is not None else name


def ratio(first: Scalar, second: Scalar) -> str:
    """The second number over the first, "×1.23"; "" where there is no ratio to take."""
    numbers = all(isinstance(value, int | float) and not isinstance(value, bool)
                  for value in (first, second))
    if not numbers or not first:
        return ""
    return f"×{second / first:.3g}"  # type: ignore[operator]


class LabCompareScreen(AppScreen):
    CSS_PATH = CSS_PATH

    def __init__(self, first: RecordedRun, second: RecordedRun) -> None:
        super().__init__()
        self.runs = (first, second)

    def compose(self) -> ComposeResult:
        first, second = self.runs
        yield Plain(self.t("labs_ui.compare_title", lab=lab_title(first.run.lab, self.lang),
                           a=first.id, b=second.id), classes="screen-title")
        with VerticalScroll(id="lab-compare-body"):
            same = [setting_label(key, self.lang) for key, differs in self._settings()
                    if not differs]
            if same:
                yield Plain(self.t("labs_ui.compare_same", keys=", ".join(same)),
                            id="lab-compare-same", classes="hint")
            for record in self.runs:
                answer = outcome(record).measured
                yield Plain(self.t("labs_ui.compare_measured", id=record.id,
                                   text=answer.text.get(self.lang) if answer else "—"))
            yield Static(self.comparison(), id="lab-compare-table")
        yield KeyBar()

    def comparison(self) -> RichTable:
        """The numbers of both runs and their ratio; on a narrow screen the labels wrap."""
        table = RichTable(box=None, pad_edge=False, show_edge=False, header_style="bold")
        table.add_column("", max_width=LABEL_WIDTH)
        first, second = self.runs
        for record in self.runs:
            table.add_column(self.t("labs_ui.run_number", id=record.id), justify="right",
                             min_width=VALUE_WIDTH)
        table.add_column(self.t("labs_ui.compare_ratio", a=first.id, b=second.id),
                         justify="right", no_wrap=True)
        for line in self._lines():
            table.add_row(*(visible(cell) for cell in line))
        return table

    def _settings(self) -> Iterator[tuple[str, bool]]:
        """Each parameter and environment key of either run, and whether the runs differ."""
        first, second = (record.run for record in self.runs)
        for key in sorted((set(first.params) | set(second.params)) - {"seed"}):
            yield key, first.params.get(key) != second.params.get(key)
        for key in ENV_KEYS:
            yield key, first.env.get(key) != second.env.get(key)

    def _setting(self, record: RecordedRun, key: str) -> str:
        run = record.run
        return fmt_value(key, run.params[key] if key in run.params else run.env.get(key),
                         self.lang)

    def _lines(self) -> Iterator[Line]:
        clock = self.study_app.clock
        first, second = self.runs
        yield (self.t("labs_ui.col.started"), fmt_started(first.started_at, clock),
               fmt_started(second.started_at, clock), "")
        yield (self.t("labs_ui.col.status"), self.t(f"labs_ui.status.{first.run.status}"),
               self.t(f"labs_ui.status.{second.run.status}"), "")
        for key, differs in self._settings():
            if differs:
                yield (setting_label(key, self.lang), self._setting(first, key),
                       self._setting(second, key), "")
        yield from self._numbers()

    def _numbers(self) -> Iterator[Line]:
        """Rows of the tables matched by name: a line with the name, then each measured
        column that either run has a number in."""
        first, second = (record.run.tables for record in self.runs)
        for name, table in first.items():
            other = second.get(name)
            if other is None:
                continue
            matched = {_row_name(row, "en"): row for row in other.rows}
            for row in table.rows:
                twin = matched.get(_row_name(row, "en"))
                if twin is None:
                    continue
                pairs = [(column, row.get(column.key), twin.get(column.key))
                         for column in _measured_columns(table)
                         if (row.get(column.key), twin.get(column.key)) != (None, None)]
                if pairs:
                    yield _row_name(row, self.lang), "", "", ""
                for column, mine, theirs in pairs:
                    label = f"{INDENT}{column.label.get(self.lang)}"
                    if column.unit:
                        label += f", {column.unit}"
                    yield (label, fmt_number(mine, self.lang), fmt_number(theirs, self.lang),
                           ratio(mine, theirs))


def _measured_columns(table: Table) -> list[Column]:
    return [column for column in table.columns if column.unit and column.key != "variant"]
