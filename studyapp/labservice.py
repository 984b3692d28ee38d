"""Lab use cases: list the labs, run one and record it, look back at earlier runs.

The app and the command line share this. A run is recorded as "running" before its child
starts and closed with its status (ok, failed, cancelled, timeout), its rows, reading,
tables and plots, and the environment fingerprint; a run stopped by Ctrl+C or by a failure
of the caller is closed as cancelled or failed, never left running. No torch here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine

from studyapp.clock import Clock
from studyapp.deck.model import Text
from studyapp.labs import registry
from studyapp.labs.catalog import LABS
from studyapp.labs.params import ParamSpec
from studyapp.labs.runner import EventCallback, LabRun, LabRunner
from studyapp.store import lab_runs
from studyapp.store.records import LabRun as LabRunRecord

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
    """A run and its id in the database."""

    id: int
    run: LabRun
    started_at: datetime  # UTC
    card_id: str | None
    prediction: Any = None  # what the learner expected before the run


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
    run = LabRun.from_results(record.lab_id, record.params, record.status, record.results,
                              record.environment, record.duration_s)
    return RecordedRun(record.id, run, record.started_at, record.card_id, record.prediction)


class LabService:
    def __init__(self, engine: Engine, clock: Clock) -> None:
        self._engine = engine
        self._clock = clock

    def prepare(self, lab_id: str, params: Mapping[str, object] | None = None,
                timeout_s: float | None = DEFAULT_TIMEOUT_S) -> LabRunner:
        """A runner with checked parameters (or `LabParamError`); nothing is recorded yet."""
        return LabRunner(lab_id, params, timeout_s=timeout_s)

    def run(self, runner: LabRunner, *, card_id: str | None = None, prediction: Any = None,
            on_event: EventCallback | None = None) -> RecordedRun:
        """Run to the end (cancel with `runner.cancel()` from another thread) and record it,
        with the card it was started from and the learner's prediction, if any."""
        run_id = lab_runs.start_run(self._engine, runner.lab_id, dict(runner.params),
                                    self._clock(), card_id=card_id, prediction=prediction)
        try:
            run = runner.run(on_event)
        except BaseException as exc:
            status = "cancelled" if isinstance(exc, KeyboardInterrupt) else "failed"
            lab_runs.finish_run(self._engine, run_id, status, self._clock(),
                                error=f"{type(exc).__name__}: {exc}")
            raise
        record = lab_runs.finish_run(
            self._engine, run_id, run.status, self._clock(), results=run.results(),
            environment=run.env or None, error=run.error.en if run.error else None)
        return RecordedRun(record.id, run, record.started_at, card_id, prediction)

    def history(self, lab_id: str | None = None, limit: int | None = None) -> list[RecordedRun]:
        """Recorded runs, newest first; only those of `lab_id` when given."""
        return [_replay(record) for record in lab_runs.list_runs(self._engine, lab_id, limit)]

    def get(self, run_id: int) -> RecordedRun:
        return _replay(lab_runs.get_run(self._engine, run_id))
