"""The record of lab runs: started, finished with a status, listed newest first.

Usage, from a study service (`service.engine`) or on its own:

    engine = open_database(path, now)          # studyapp.store.migrations
    run_id = start_run(engine, "quantize", {"size": "quick"}, now, card_id="example.1")
    finish_run(engine, run_id, "ok", later, results={...}, environment={...})
    list_runs(engine, "quantize")              # newest first

While a run is running, its environment holds its owner, the process that follows it
(`start_run(owner=...)`); a run whose owner has ended without closing it is closed as
interrupted by `close_orphans`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from studyapp.store.engine import reading, writing
from studyapp.store.errors import StoreError
from studyapp.store.records import LabRun
from studyapp.store.tables import LabRunRow, to_utc

RUNNING = "running"
INTERRUPTED = "interrupted"  # its process ended (killed, say) before it could close the run
FINISHED_STATUSES = frozenset({"ok", "failed", "cancelled", "timeout", INTERRUPTED})


def _dump(value: Any) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True)


def _load(row: LabRunRow, column: str) -> Any:
    """The JSON value of `column`; a hand-edited text that is not JSON is a StoreError."""
    text = getattr(row, column)
    try:
        return None if text is None else json.loads(text)
    except ValueError as exc:
        raise StoreError("bad_value", table=LabRunRow.__tablename__, row=row.id, column=column,
                         detail=exc) from None


def _record(row: LabRunRow) -> LabRun:
    assert row.id is not None
    return LabRun(
        id=row.id, lab_id=row.lab_id, params=_load(row, "params_json"), status=row.status,
        results=_load(row, "results_json"), environment=_load(row, "env_json"),
        error=row.error, prediction=_load(row, "prediction_json"), card_id=row.card_id,
        started_at=row.started_at, finished_at=row.finished_at, duration_s=row.duration_s,
    )


def start_run(
    engine: Engine,
    lab_id: str,
    params: dict[str, Any],
    started_at: datetime,
    *,
    card_id: str | None = None,
    prediction: Any = None,
    owner: dict[str, Any] | None = None,
) -> int:
    """Record a run that has just started (status "running") by `owner`; its id."""
    row = LabRunRow(
        lab_id=lab_id, card_id=card_id, params_json=_dump(params) or "{}", status=RUNNING,
        prediction_json=_dump(prediction), started_at=started_at,
        env_json=_dump({"owner": owner}) if owner is not None else None,
    )
    with writing(engine) as session:
        session.add(row)
        session.flush()
        assert row.id is not None
        return row.id


def finish_run(
    engine: Engine,
    run_id: int,
    status: str,
    finished_at: datetime,
    *,
    results: Any = None,
    environment: dict[str, Any] | None = None,
    error: str | None = None,
) -> LabRun:
    """Close a running run with ok, failed, cancelled or timeout; the stored record."""
    if status not in FINISHED_STATUSES:
        raise ValueError(f"status must be one of {', '.join(sorted(FINISHED_STATUSES))}, "
                         f"got {status!r}")
    finished = to_utc(finished_at)
    with writing(engine) as session:
        row = session.get(LabRunRow, run_id)
        if row is None:
            raise StoreError("no_lab_run", run_id=run_id)
        if row.status != RUNNING:
            raise StoreError("lab_run_finished", run_id=run_id, status=row.status)
        row.status = status
        row.results_json = _dump(results)
        row.env_json = _dump(environment)
        row.error = error
        row.finished_at = finished
        row.duration_s = (finished - row.started_at).total_seconds()
        session.add(row)
        session.flush()
        return _record(row)


def run_owner(env_json: str | None) -> Any:
    """The owner kept in a running run's environment (`env_json`); None where it holds none."""
    try:
        environment = json.loads(env_json or "null")
    except ValueError:
        return None
    return environment.get("owner") if isinstance(environment, dict) else None


def any_running(session: Session) -> bool:
    """Whether any run is marked running."""
    query = select(LabRunRow.id).where(LabRunRow.status == RUNNING).limit(1)
    return session.exec(query).first() is not None


def close_orphans(session: Session, is_gone: Callable[[Any], bool], found_at: datetime, *,
                  results: Any, error: str) -> list[int]:
    """Close as interrupted each running run whose owner `is_gone` says has ended; their ids.

    When it ended is not known: `found_at` is its finish, its duration is left unknown."""
    closed = []
    for row in session.exec(select(LabRunRow).where(LabRunRow.status == RUNNING)):
        if is_gone(run_owner(row.env_json)):
            row.status, row.results_json, row.env_json = INTERRUPTED, _dump(results), None
            row.error, row.finished_at = error, to_utc(found_at)
            session.add(row)
            assert row.id is not None
            closed.append(row.id)
    return closed


def get_run(engine: Engine, run_id: int) -> LabRun:
    with reading(engine) as session:
        row = session.get(LabRunRow, run_id)
        if row is None:
            raise StoreError("no_lab_run", run_id=run_id)
        return _record(row)


def list_runs(engine: Engine, lab_id: str | None = None, limit: int | None = None) -> list[LabRun]:
    """Runs, newest first; only those of `lab_id` when given."""
    query = select(LabRunRow).order_by(col(LabRunRow.started_at).desc(), col(LabRunRow.id).desc())
    if lab_id is not None:
        query = query.where(LabRunRow.lab_id == lab_id)
    if limit is not None:
        query = query.limit(limit)
    with reading(engine) as session:
        return [_record(row) for row in session.exec(query)]
