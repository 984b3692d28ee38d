"""Two runs of one lab side by side: what differs between them, the measured answers, and
the numbers of both with their ratio."""

from __future__ import annotations

from collections.abc import Iterator

from rich.table import Table as RichTable
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from studyapp.controls import visible
from studyapp.services.lab_results import outcome
from studyapp.services.lab_tables import (
    Compared,
    compared_numbers,
    run_status,
    setting_label,
    value_text,
)
from studyapp.services.labs import RecordedRun
from studyapp.tui.screens.base import AppScreen
from studyapp.tui.screens.prediction import CSS_PATH
from studyapp.tui.texts import fmt_started, lab_title
from studyapp.tui.widgets.footer import KeyBar
from studyapp.tui.widgets.plain import Plain

# the machine; the thread count is among the parameters
ENV_KEYS = ("cpu_model", "cores", "torch", "onnxruntime", "gpu", "load_average_1m")
INDENT = "  "
LABEL_WIDTH = 30  # at most, so that two values of VALUE_WIDTH and a ratio fit 80 columns
VALUE_WIDTH = 16  # a start time fits on one line
NARROW_BELOW = 80  # columns


class LabCompareScreen(AppScreen):
    CSS_PATH = CSS_PATH

    def __init__(self, first: RecordedRun, second: RecordedRun) -> None:
        super().__init__()
        self.runs = (first, second)

    def compose(self) -> ComposeResult:
        first, second = self.runs
        yield Plain(self.t("lab.compare_title", lab=lab_title(first.run.lab, self.lang),
                           a=first.id, b=second.id), classes="screen-title")
        with VerticalScroll(id="lab-compare-body"):
            same = [setting_label(key, self.lang) for key, differs in self._settings()
                    if not differs]
            if same:
                yield Plain(self.t("lab.compare_same", keys=", ".join(same)),
                            id="lab-compare-same", classes="hint")
            for record in self.runs:
                answer = outcome(record).measured
                yield Plain(self.t("lab.compare_measured", id=record.id,
                                   text=answer.text.get(self.lang) if answer else "—"))
            yield Static(self.comparison(self._narrow()), id="lab-compare-table")
        yield KeyBar()

    def _narrow(self) -> bool:
        return self.app.size.width < NARROW_BELOW

    def on_resize(self) -> None:
        self.query_one("#lab-compare-table", Static).update(self.comparison(self._narrow()))

    def comparison(self, narrow: bool = False) -> RichTable:
        """The numbers of both runs and their ratio. The labels wrap where they must; on a
        `narrow` screen the start times take two lines too, so that the ratio stays."""
        table = RichTable(box=None, pad_edge=False, show_edge=False, header_style="bold")
        table.add_column("", max_width=LABEL_WIDTH)
        first, second = self.runs
        for record in self.runs:
            table.add_column(self.t("lab.run_number", id=record.id), justify="right",
                             min_width=None if narrow else VALUE_WIDTH)
        table.add_column(self.t("lab.compare_ratio", a=first.id, b=second.id),
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
        return value_text(key, run.params[key] if key in run.params else run.env.get(key),
                          self.lang)

    def _lines(self) -> Iterator[Compared]:
        clock = self.study_app.clock
        first, second = self.runs
        yield (self.t("lab.col.started"), fmt_started(first.started_at, clock),
               fmt_started(second.started_at, clock), "")
        yield (self.t("lab.col.status"), run_status(first.run.status, self.lang),
               run_status(second.run.status, self.lang), "")
        for key, differs in self._settings():
            if differs:
                yield (setting_label(key, self.lang), self._setting(first, key),
                       self._setting(second, key), "")
        yield from compared_numbers(first.run.tables, second.run.tables, INDENT, self.lang)
