"""Why a lab did not finish: crashed, timed out or cancelled; its details on request.

A cancelled run says when it was stopped, how far it got and what it had measured by then;
`d` is offered only where there are details to show.
"""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll

from studyapp.services.lab_tables import run_status
from studyapp.services.lab_values import Progress
from studyapp.services.labs import RecordedRun
from studyapp.tui.screens.base import AppModal
from studyapp.tui.screens.prediction import CSS_PATH
from studyapp.tui.texts import fmt_started, lab_title
from studyapp.tui.widgets.plain import Plain


class LabFailureDialog(AppModal):
    CSS_PATH = CSS_PATH
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "close", "bind.close", id="lab_failure.ok"),
        Binding("d", "details", "lab.bind.details", id="lab_failure.details"),
    ]

    def __init__(self, record: RecordedRun, reached: Progress | None) -> None:
        super().__init__()
        self.record = record
        self.reached = reached  # the last step the run reported while the app followed it

    def compose(self) -> ComposeResult:
        run, lang = self.record.run, self.study_app.language
        reason = run.error.get(lang) if run.error else self.t("lab.no_reason")
        with Vertical(id="lab-failure-box", classes="dialog"):
            yield Plain(self.t("lab.failure_title", lab=lab_title(run.lab, lang),
                               status=run_status(run.status, self.study_app.language)),
                        classes="dialog-title")
            yield Plain(self.t("lab.failure_reason", reason=reason), id="lab-failure-reason")
            if run.status == "cancelled":
                yield Plain("\n".join(self._cancelled()), id="lab-failure-cancelled")
            yield Plain(self.t("lab.failure_kept", id=self.record.id), classes="hint")
            with VerticalScroll(id="lab-failure-details"):
                yield Plain(self._details(), id="lab-failure-text")
            yield Plain(self.t("lab.failure_hint" if self._has_details()
                               else "lab.failure_hint_close"), classes="hint")

    def _cancelled(self) -> list[str]:
        """When the run was stopped, the step it had reached, what it had measured."""
        run, lang = self.record.run, self.study_app.language
        lines = [self.t("lab.cancelled_when", seconds=run.duration_s,
                        started=fmt_started(self.record.started_at, self.study_app.clock))]
        if self.reached is not None:
            lines.append(self.t("lab.cancelled_step", done=self.reached.done,
                                total=self.reached.total, step=self.reached.message.get(lang)))
        measured = [table.title.get(lang) for table in run.tables.values()]
        lines.append(self.t("lab.cancelled_measured", tables="; ".join(measured))
                     if measured else self.t("lab.cancelled_nothing"))
        return lines

    def _has_details(self) -> bool:
        run = self.record.run
        return bool(run.detail.strip() or "\n".join(run.stderr_tail).strip())

    def _details(self) -> str:
        run = self.record.run
        parts = [self.t("lab.details_detail"), run.detail.strip() or "—"]
        if run.stderr_tail and "\n".join(run.stderr_tail).strip() != run.detail.strip():
            parts += ["", self.t("lab.details_stderr"), "\n".join(run.stderr_tail)]
        return "\n".join(parts)

    def on_mount(self) -> None:
        self.query_one("#lab-failure-details").display = False

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return self._has_details() if action == "details" else True

    def action_details(self) -> None:
        details = self.query_one("#lab-failure-details")
        details.display = not details.display
