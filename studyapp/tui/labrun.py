"""The lab run of the app: one at a time, owned by the app, not by the screen that started it.

The child process is followed in a worker thread that never touches widgets: it posts
`LabProgress` (a newer one replaces one still queued, so the UI does not drown) and
`LabFinished` messages to the app, whose handlers here keep the state (`ActiveRun`, the one
place the run's progress is held) and tell the screens by message: `LabChanged` to every
screen, `LabOver` to the screen that follows the run. So the learner can switch screens and
review while a lab runs.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from time import monotonic
from typing import TYPE_CHECKING

from studyapp.tui.lab_messages import LabChanged, LabFinished, LabOver, LabProgress

if TYPE_CHECKING:

    from studyapp.services.lab_results import Prediction, StudyLabs
    from studyapp.services.lab_values import Event, Progress
    from studyapp.services.labs import LabRunner, RecordedRun
    from studyapp.tui.app import StudyApp
    from studyapp.tui.screens.lab_run import LabRunScreen

LAB_WORKER = "lab-run"
CLOSE_WAIT_S = 5.0  # how long closing the app waits for a cancelled lab to be recorded


@dataclass
class ActiveRun:
    """The app's view of its running lab, kept on the app's thread."""

    lab_id: str
    runner: LabRunner
    started: float = field(default_factory=monotonic)  # a run's one clock (`LabRunner.elapsed`)
    progress: Progress | None = None
    cancelling: bool = False
    ended: threading.Event = field(default_factory=threading.Event)  # set by the worker

    def elapsed(self) -> float:
        return monotonic() - self.started


class LabRunHost:
    """What the app adds for labs: start, follow and cancel the one running lab."""

    lab_run: ActiveRun | None = None
    lab_size = "default"  # "quick" in tests
    finished_lab: str | None = None  # finished while the learner was elsewhere; Labs shows it

    def launch_lab(self, lab_id: str, card_id: str | None = None,
                   size: str | None = None) -> None:
        """Predict first (where the lab asks), then start the lab at `size` (the app's size
        unless given) and show its progress."""
        from studyapp.services.lab_results import question_for
        from studyapp.tui.screens.lab_run import LabRunScreen
        from studyapp.tui.screens.prediction import PredictionDialog

        app = self._host
        if not app.ready:
            app.bell()
            return
        if self.lab_run is not None:
            app.notify(app.t("lab.busy", lab=self.lab_run.lab_id), severity="warning")
            return

        def start(prediction: Prediction | None) -> None:
            if self.start_lab(lab_id, prediction=prediction, card_id=card_id,
                              size=size or self.lab_size):
                app.push_screen(LabRunScreen())

        question = question_for(lab_id)
        if question is None:
            start(None)
        else:
            app.push_screen(PredictionDialog(lab_id, question, app.language,
                                             app.t("lab.predict_title"), start))

    @property
    def _host(self) -> StudyApp:
        return self  # type: ignore[return-value]

    def study_labs(self) -> StudyLabs:
        from studyapp.services.lab_results import StudyLabs

        return StudyLabs(self._host.service)

    def start_lab(self, lab_id: str, *, prediction: Prediction | None, card_id: str | None,
                  size: str) -> bool:
        """Start `lab_id` in a worker; False (and a notice) when another lab is running."""
        app = self._host
        if self.lab_run is not None:
            app.notify(app.t("lab.busy", lab=self.lab_run.lab_id), severity="warning")
            return False
        with app.reporting_errors():
            session = self.study_labs()
            runner = session.prepare(lab_id, {"size": size})
            self.lab_run = active = ActiveRun(lab_id, runner)

            def work() -> None:
                record = None
                try:
                    record = session.run(runner, card_id=card_id, on_event=self._posted,
                                         prediction=prediction.to_json() if prediction else None)
                finally:
                    active.ended.set()
                    app.post_message(LabFinished(record))

            app.run_worker(work, name=LAB_WORKER, group=LAB_WORKER, thread=True,
                           exit_on_error=False)
            self._tell_screens()
            return True
        return False

    def _posted(self, event: Event) -> None:
        """In the worker thread: only progress goes to the app, as a message."""
        from studyapp.services.lab_values import Progress  # not at start-up: it is not needed there

        if isinstance(event, Progress):
            self._host.post_message(LabProgress(event))

    def cancel_lab(self) -> None:
        if self.lab_run is not None and not self.lab_run.cancelling:
            self.lab_run.cancelling = True
            self.lab_run.runner.cancel()
            self._tell_screens()

    async def action_quit(self) -> None:
        """Quit; while a lab runs, only once the learner agrees to cancel it."""
        from studyapp.tui.screens.prediction import ChoiceDialog

        app = self._host
        if self.lab_run is None:
            app.exit()
            return
        app.push_screen(ChoiceDialog(
            app.t("lab.quit_title"), app.t("lab.quit_prompt", lab=self.lab_run.lab_id),
            [app.t("lab.quit_cancel_lab"), app.t("lab.quit_keep_lab")],
            lambda choice: app.exit() if choice == 0 else None))

    def on_unmount(self) -> None:
        """Closing the app stops its lab: the run is recorded as cancelled, no child is left."""
        active = self.lab_run
        if active is not None:
            active.runner.cancel()
            active.ended.wait(CLOSE_WAIT_S)

    def on_lab_progress(self, message: LabProgress) -> None:
        if self.lab_run is not None:
            self.lab_run.progress = message.progress
            self._tell_screens()

    def on_lab_finished(self, message: LabFinished) -> None:
        reached = self.lab_run.progress if self.lab_run is not None else None
        self.lab_run = None
        self._tell_screens()
        if message.record is None:
            return
        record, app = message.record, self._host
        if record.save_error is not None:
            app.notify(app.t("lab.not_saved", reason=record.save_error.text(app.language)),
                       severity="error")
        followers = self._following()
        for screen in followers:
            screen.post_message(LabOver(record, reached))
        if not followers:
            if record.run.status == "ok":
                self.finished_lab = record.run.lab
                app.notify(app.t("lab.finished_elsewhere", lab=record.run.lab))
            else:
                self.show_lab_failure(record, reached)
        app.data_changed()

    def take_finished_lab(self) -> str | None:
        """The lab that finished out of sight, once: the Labs screen highlights it."""
        lab, self.finished_lab = self.finished_lab, None
        return lab

    def show_lab_failure(self, record: RecordedRun, reached: Progress | None) -> None:
        from studyapp.tui.screens.lab_failure import LabFailureDialog

        self._host.push_screen(LabFailureDialog(record, reached))

    def _tell_screens(self) -> None:
        """Tell every screen of the stack that the running lab changed (`LabChanged`)."""
        for screen in self._host.screen_stack:
            screen.post_message(LabChanged())

    def _following(self) -> list[LabRunScreen]:
        """The screens that follow the run and take it when it is over (`LabRunScreen`)."""
        from studyapp.tui.screens.lab_run import LabRunScreen

        return [screen for screen in self._host.screen_stack
                if isinstance(screen, LabRunScreen)]
