"""A lab running: progress bar, current step, elapsed time, cancel; the results when done.

The run belongs to the app (`tui/labrun.py`): leaving this screen with `b` keeps it going,
and the learner can study or review meanwhile. The app tells this screen by message when the
run moves on (`LabChanged`) and when it is over (`LabOver`).
"""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import ProgressBar

from studyapp.tui.lab_messages import LabChanged, LabOver
from studyapp.tui.screens.base import AppScreen
from studyapp.tui.screens.prediction import CSS_PATH
from studyapp.tui.texts import lab_title
from studyapp.tui.widgets.footer import KeyBar
from studyapp.tui.widgets.plain import Plain

TICK_S = 0.5


class LabRunScreen(AppScreen):
    CSS_PATH = CSS_PATH
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("c", "cancel", "lab.bind.cancel", id="lab_run.cancel"),
        Binding("escape", "cancel", "lab.bind.cancel", show=False, id="lab_run.cancel_esc"),
        Binding("b", "back", "lab.bind.background", id="lab_run.background"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.finished: LabOver | None = None  # kept until this screen is shown again

    def compose(self) -> ComposeResult:
        yield Plain("", id="lab-run-title", classes="screen-title")
        with Vertical(id="lab-run-box", classes="panel"):
            yield ProgressBar(show_eta=False, id="lab-run-bar")
            yield Plain("", id="lab-run-step")
            yield Plain("", id="lab-run-elapsed", classes="hint")
        yield Plain(self.t("lab.run_hint"), classes="hint")
        yield KeyBar()

    def on_mount(self) -> None:
        self.set_interval(TICK_S, self.lab_changed)
        self.lab_changed()

    async def language_changed(self) -> None:
        await super().language_changed()
        self.lab_changed()

    @on(LabChanged)
    def lab_changed(self) -> None:
        """Show the app's running lab as it stands."""
        active = self.study_app.lab_run
        if active is None:
            return
        self.query_one("#lab-run-title", Plain).update(
            self.t("lab.run_title", lab=lab_title(active.lab_id, self.lang)))
        bar = self.query_one(ProgressBar)
        progress = active.progress
        if progress is not None and progress.total > 0:
            bar.update(total=progress.total, progress=progress.done)
        step = progress.message.get(self.lang) if progress else self.t("lab.run_starting")
        if active.cancelling:
            step = self.t("lab.run_cancelling")
        self.query_one("#lab-run-step", Plain).update(step)
        self.query_one("#lab-run-elapsed", Plain).update(
            self.t("lab.run_elapsed", seconds=active.elapsed()))

    @on(LabOver)
    def lab_over(self, message: LabOver) -> None:
        self.finished = message
        if self.is_current:
            self._show_finished()

    def on_screen_resume(self) -> None:
        if self.finished is not None:
            self._show_finished()

    def _show_finished(self) -> None:
        from studyapp.tui.screens.lab_failure import LabFailureDialog
        from studyapp.tui.screens.lab_result import LabResultScreen

        over, self.finished = self.finished, None
        assert over is not None
        if over.record.run.status == "ok":
            self.app.switch_screen(LabResultScreen(over.record, fresh=True))
        else:
            self.app.switch_screen(LabFailureDialog(over.record, over.reached))

    def action_cancel(self) -> None:
        self.study_app.cancel_lab()
