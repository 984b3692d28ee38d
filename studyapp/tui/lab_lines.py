"""One-line texts about labs, shared by the lab list and the dashboard."""

from __future__ import annotations

from typing import TYPE_CHECKING

from studyapp.services.lab_tables import run_status
from studyapp.tui.texts import fmt_started

if TYPE_CHECKING:
    from studyapp.services.labs import RecordedRun
    from studyapp.tui.app import StudyApp


def running_line(app: StudyApp) -> str | None:
    """The running lab's progress, step and time; None when no lab runs."""
    active = app.lab_run
    if active is None:
        return None
    progress = active.progress
    share = progress.done / progress.total if progress and progress.total else 0.0
    step = progress.message.get(app.language) if progress else ""
    return app.t("lab.running_line", lab=active.lab_id, share=share, step=step,
                 seconds=active.elapsed())


def last_run_line(app: StudyApp, record: RecordedRun) -> str:
    """When a run started, how it ended and what it measured."""
    # not at start-up: the lab results bring the database layer, which the dashboard's
    # first paint does without
    from studyapp.services.lab_results import outcome

    found = outcome(record)
    verdict = found.measured.text.get(app.language) if found.measured else ""
    return app.t("lab.last_run", started=fmt_started(record.started_at, app.clock),
                 status=run_status(record.run.status, app.language),
                 measured=f" · {verdict}" if verdict else "")
