"""Past runs of one lab: date, status, verdict, machine; open one or compare two.

The table fits 80 columns: the highlighted run's parameters and full machine are said in
the lines under it, and the machine column gives the CPU's short name, wrapped.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from textwrap import wrap
from typing import ClassVar

from rich.text import Text as RichText
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import DataTable

from studyapp.controls import visible
from studyapp.services.lab_results import outcome
from studyapp.services.lab_tables import env_line, params_line, run_status
from studyapp.services.labs import RecordedRun
from studyapp.tui.screens.base import AppScreen
from studyapp.tui.screens.prediction import CSS_PATH
from studyapp.tui.texts import fmt_started, lab_title
from studyapp.tui.widgets.footer import KeyBar
from studyapp.tui.widgets.plain import Plain

COMPARED = 2
MARK = "●"
MACHINE_WIDTH = 20  # the machine column wraps at this width
# What a CPU's name says that its model does not: marks, the word CPU, the clock.
CPU_NOISE = re.compile(r"\s*\((?:R|TM)\)|\s+CPU\b|\s*@.*")


def machine_cell(env: Mapping[str, object]) -> RichText:
    """The run's machine in a narrow cell: the CPU's model and its cores, wrapped."""
    if not env:
        return RichText("—")
    name = CPU_NOISE.sub("", str(env.get("cpu_model", "?"))) or "?"
    said = visible(f"{name} · {env.get('cores', '?')}")
    return RichText("\n".join(wrap(said, MACHINE_WIDTH)))


class LabHistoryScreen(AppScreen):
    CSS_PATH = CSS_PATH
    AUTO_FOCUS = "#lab-history-table"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "open", "lab.bind.open", id="lab_history.open"),
        Binding("space", "mark", "lab.bind.mark", id="lab_history.mark"),
        Binding("c", "compare", "lab.bind.compare", id="lab_history.compare"),
    ]

    def __init__(self, lab_id: str) -> None:
        super().__init__()
        self.lab_id = lab_id
        self.runs: list[RecordedRun] = []
        self.marked: list[int] = []  # run ids, in the order they were marked

    def compose(self) -> ComposeResult:
        yield Plain(self.t("lab.history_title", lab=lab_title(self.lab_id, self.lang)),
                    classes="screen-title")
        yield DataTable(id="lab-history-table", cursor_type="row", zebra_stripes=True)
        yield Plain(id="lab-history-run")
        yield Plain(self.t("lab.history_hint"), id="lab-history-hint", classes="hint")
        yield KeyBar()

    def on_mount(self) -> None:
        with self.study_app.reporting_errors():
            self.runs = self.study_app.study_labs().history(self.lab_id)
        self.fill()

    async def language_changed(self) -> None:
        await super().language_changed()
        self.fill()

    def refresh_data(self) -> None:
        with self.study_app.reporting_errors():
            self.runs = self.study_app.study_labs().history(self.lab_id)
        self.fill()

    def fill(self) -> None:
        table = self.query_one(DataTable)
        row = table.cursor_row
        table.clear(columns=True)
        for key in ("mark", "id", "started", "status", "verdict", "machine"):
            table.add_column(self.t(f"lab.col.{key}"), key=key)
        for record in self.runs:
            found = outcome(record)
            verdict = found.verdict.get(self.lang).split(":")[0] if found.verdict else "—"
            cells = (
                MARK if record.id in self.marked else " ", str(record.id),
                fmt_started(record.started_at, self.study_app.clock),
                run_status(record.run.status, self.lang), verdict,
            )
            table.add_row(*(visible(cell) for cell in cells), machine_cell(record.run.env),
                          key=str(record.id), height=None)
        if self.runs:
            table.move_cursor(row=min(row, len(self.runs) - 1))
        self.show_current()
        if not self.runs:
            self.query_one("#lab-history-hint", Plain).update(self.t("lab.history_empty"))
        self.refresh_bindings()

    def _current(self) -> RecordedRun | None:
        table = self.query_one(DataTable)
        if not self.runs or table.cursor_row < 0:
            return None
        return self.runs[min(table.cursor_row, len(self.runs) - 1)]

    def show_current(self) -> None:
        """Say the highlighted run's parameters and machine under the table."""
        record = self._current()
        said = "" if record is None else self.t(
            "lab.history_run", id=record.id,
            params=visible(params_line(record.run.params, self.lang)),
            machine=visible(env_line(record.run.env, self.lang)))
        self.query_one("#lab-history-run", Plain).update(said)

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        event.stop()
        self.show_current()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "compare":  # with fewer marked, `c` says what is missing
            return len(self.runs) >= COMPARED
        if action in ("open", "mark"):
            return True if self.runs else None
        return True

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_open()

    def action_open(self) -> None:
        from studyapp.tui.screens.lab_result import LabResultScreen

        record = self._current()
        if record is not None:
            self.app.push_screen(LabResultScreen(record))

    def action_mark(self) -> None:
        record = self._current()
        if record is None:
            return
        if record.id in self.marked:
            self.marked.remove(record.id)
        else:
            self.marked = [*self.marked, record.id][-COMPARED:]
        self.fill()

    def action_compare(self) -> None:
        from studyapp.tui.screens.lab_compare import LabCompareScreen

        if len(self.marked) < COMPARED:
            self.notify(self.t("lab.compare_mark", n=len(self.marked)))
            return
        by_id = {record.id: record for record in self.runs}
        older, newer = sorted(self.marked)
        self.app.push_screen(LabCompareScreen(by_id[older], by_id[newer]))
