"""Lab use cases: list the labs, run one and record it, look back at earlier runs.

The app and the command line share `LabService`; what the app makes of a run (the lab list's
last runs, predictions, result cards) is `studyapp.services.lab_results`.

A run is recorded as "running", with this process as its owner, before its child starts and
closed with its status (ok, failed, cancelled, timeout), its rows, reading, tables and plots,
the environment fingerprint and its duration by the runner's monotonic clock (the fresh run
and its record say the same); a run stopped by Ctrl+C, SIGTERM or SIGHUP (`Interrupted`)
or by a failure of the caller is closed as cancelled, interrupted or failed. A run whose
process was killed is closed as interrupted when the database is next opened
(`close_orphaned_runs`). A run that could not be saved (a full disk, say) is still handed
back, with the store's error. No torch here.
"""

from __future__ import annotations

import contextlib
import signal
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine
from sqlmodel import Session

from studyapp.clock import Clock
from studyapp.i18n import texts
from studyapp.jsonvalue import Json
from studyapp.labs import lifeline, registry
from studyapp.labs.catalog import LABS
from studyapp.labs.params import ParamSpec
from studyapp.labs.runner import EventCallback, Interrupted, LabRun
from studyapp.labs.runner import LabRunner as LabRunner
from studyapp.store import lab_runs
from studyapp.store.errors import StoreError
from studyapp.store.records import LabRunRecord
from studyapp.text import Text

DEFAULT_TIMEOUT_S = 600.0


@dataclass(frozen=True)
class LabEntry:
    id: str
    step: int | None
    title: Text
    description: Text
    available: bool  # False while its module is missing
    params: dict[str, ParamSpec]  # the lab's own parameters (the common ones come on top)


@dataclass(frozen=True)
class RecordedRun:
    """A run as recorded: the one type for a finished run, fresh from `LabService.run` or
    read back from the history, which agree (the same duration, the same results)."""

    id: int
    run: LabRun
    started_at: datetime  # UTC
    card_id: str | None
    prediction: Json = None  # what the learner expected, as `Prediction.to_json` wrote it
    save_error: StoreError | None = None  # why the finished run could not be saved, if so


def lab_entries() -> list[LabEntry]:
    """Every lab of the app in catalogue order, with its own parameters where it loads."""
    entries = []
    for info in LABS:
        available = registry.is_available(info.id)
        own = dict(registry.load(info.id).PARAMS) if available else {}
        entries.append(LabEntry(info.id, info.step, info.title, info.description, available,
                                own))
    return entries


def _replay(record: LabRunRecord) -> RecordedRun:
    environment = record.environment if record.status != lab_runs.RUNNING else None  # owner
    run = LabRun.from_results(record.lab_id, dict(record.params),  # the run's own copy
                              record.status, record.results, environment, record.duration_s)
    return RecordedRun(record.id, run, record.started_at, record.card_id, record.prediction)


def _reason(reason: Text) -> dict[str, object]:
    """A run's stored results that hold only why it ended."""
    return {"error": reason.to_json()}


def close_orphaned_runs(session: Session, now: datetime) -> list[int]:
    """Close as interrupted the runs left running by a process that has ended (killed, or
    its terminal closed); a run another live process follows is left alone. Their ids."""
    reason = texts("common.interrupted_reason")
    return lab_runs.close_orphans(session, lifeline.is_gone, now, results=_reason(reason),
                                  error=reason.en)


def _abandoned(exc: BaseException) -> tuple[str, dict[str, object] | None, str]:
    """How a run the caller gave up on with `exc` is closed: status, results, error."""
    if isinstance(exc, Interrupted):
        reason = texts("common.stopped_by_signal", signal=signal.Signals(exc.signum).name)
        return lab_runs.INTERRUPTED, _reason(reason), reason.en
    status = "cancelled" if isinstance(exc, KeyboardInterrupt) else "failed"
    return status, None, f"{type(exc).__name__}: {exc}"


class LabService:
    def __init__(self, engine: Engine, clock: Clock) -> None:
        self._engine = engine
        self._clock = clock

    def prepare(self, lab_id: str, params: Mapping[str, object] | None = None,
                timeout_s: float | None = DEFAULT_TIMEOUT_S) -> LabRunner:
        """A runner with checked parameters (or `LabParamError`); nothing is recorded yet."""
        return LabRunner(lab_id, params, timeout_s=timeout_s)

    def run(self, runner: LabRunner, *, card_id: str | None = None,
            prediction: Mapping[str, Json] | None = None,
            on_event: EventCallback | None = None) -> RecordedRun:
        """Run to the end (cancel with `runner.cancel()` from another thread) and record it,
        with the card it was started from and the learner's prediction, if any."""
        started = self._clock()
        run_id = lab_runs.start_run(self._engine, runner.lab_id, dict(runner.params), started,
                                    card_id=card_id, prediction=prediction,
                                    owner=lifeline.owner())
        try:
            run = runner.run(on_event)
        except BaseException as exc:
            status, results, error = _abandoned(exc)
            # Unsaved, the run stays "running" and is closed as interrupted at the next start.
            with contextlib.suppress(StoreError):
                lab_runs.finish_run(self._engine, run_id, status, self._clock(),
                                    results=results, error=error, duration_s=runner.elapsed())
            raise
        try:
            record = lab_runs.finish_run(
                self._engine, run_id, run.status, self._clock(), results=run.results(),
                environment=run.env or None, error=run.error.en if run.error else None,
                duration_s=run.duration_s)
        except StoreError as exc:
            return RecordedRun(run_id, run, started, card_id, prediction, save_error=exc)
        return RecordedRun(record.id, run, record.started_at, card_id, prediction)

    def history(self, lab_id: str | None = None, limit: int | None = None) -> list[RecordedRun]:
        """Recorded runs, newest first; only those of `lab_id` when given."""
        return [_replay(record) for record in lab_runs.list_runs(self._engine, lab_id, limit)]

    def get(self, run_id: int) -> RecordedRun:
        return _replay(lab_runs.get_run(self._engine, run_id))

    def latest(self) -> RecordedRun | None:
        """The newest recorded run of any lab, if there is one."""
        return next(iter(self.history(limit=1)), None)
