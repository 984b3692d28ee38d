"""Two runs of one lab side by side: parameters, machine, the measured answer, the numbers."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping

from rich.table import Table as RichTable
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from studyapp.controls import visible
from studyapp.lab_session import outcome
from studyapp.labs.events import Column, Table
from studyapp.labservice import RecordedRun
from studyapp.tui.screens.base import AppScreen
from studyapp.tui.screens.prediction import CSS_PATH
from studyapp.tui.widgets.footer import KeyBar
from studyapp.tui.widgets.lab_views import fmt_number, fmt_started, lab_title
from studyapp.tui.widgets.plain import Plain

Pair = tuple[str, str]  # a line's value in the first and the second run
# the machine; the thread count is among the parameters
ENV_KEYS = ("cpu_model", "cores", "torch", "onnxruntime", "gpu", "load_average_1m")


def _row_name(row: Mapping[str, object], lang: str) -> str:
    """The row's variant in `lang`, with its batch size when it has one."""
    name = str(row["variant_bg"] if lang == "bg" and row.get("variant_bg")
               else row.get("variant", "?"))
    batch = row.get("batch_size")
    return f"{name} · {batch}" if batch is not None else name


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
            yield Static(self.comparison(), id="lab-compare-table")
        yield KeyBar()

    def comparison(self) -> RichTable:
        table = RichTable(box=None, pad_edge=False, show_edge=False, header_style="bold")
        table.add_column("", overflow="fold")
        for record in self.runs:
            table.add_column(self.t("labs_ui.run_number", id=record.id), overflow="fold")
        for name, values in self._rows():
            table.add_row(visible(name), *(visible(value) for value in values))
        return table

    def _both(self, shown: Callable[[RecordedRun], str]) -> Pair:
        first, second = self.runs
        return shown(first), shown(second)

    def _rows(self) -> Iterator[tuple[str, Pair]]:
        clock, lang = self.study_app.clock, self.lang
        yield self.t("labs_ui.col.started"), self._both(
            lambda record: fmt_started(record.started_at, clock))
        yield self.t("labs_ui.col.status"), self._both(
            lambda record: self.t(f"labs_ui.status.{record.run.status}"))
        first, second = self.runs
        for key in sorted(set(first.run.params) | set(second.run.params)):
            yield key, self._both(lambda record, key=key: str(record.run.params.get(key, "—")))
        for key in ENV_KEYS:
            yield key, self._both(lambda record, key=key: fmt_number(record.run.env.get(key),
                                                                     lang))
        yield self.t("labs_ui.col.measured"), self._both(lambda record: _measured(record, lang))
        yield from self._numbers()

    def _numbers(self) -> Iterator[tuple[str, Pair]]:
        """The main table's rows, matched by name, in each numeric column that has a unit."""
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
                for column in _measured_columns(table):
                    label = f"{_row_name(row, self.lang)}: {column.label.get(self.lang)}"
                    if column.unit:
                        label += f", {column.unit}"
                    yield label, (fmt_number(row.get(column.key), self.lang),
                                  fmt_number(twin.get(column.key), self.lang))


def _measured_columns(table: Table) -> list[Column]:
    return [column for column in table.columns if column.unit and column.key != "variant"]


def _measured(record: RecordedRun, lang: str) -> str:
    answer = outcome(record).measured
    return answer.text.get(lang) if answer else "—"
