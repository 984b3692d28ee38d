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
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, update
from sqlmodel import Session, col, select

from studyapp.jsonvalue import JsonObject, JsonValue, parse_json
from studyapp.store.cells import Cells, TableCells, bad_value
from studyapp.store.engine import reading, writing
from studyapp.store.errors import StoreError
from studyapp.store.records import LabRunRecord
from studyapp.store.tables import LabRunRow, to_utc

RUNNING = "running"
INTERRUPTED = "interrupted"  # its process ended (killed, say) before it could close the run
FINISHED_STATUSES = frozenset({"ok", "failed", "cancelled", "timeout", INTERRUPTED})


def _dump(value: object) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True)


def _load(session: Session, values: Cells, column: str) -> JsonValue:
    """The JSON value of `column`; a hand-edited text that is not JSON is a StoreError."""
    text = values[column]
    try:
        return None if text is None else parse_json(text)
    except ValueError as exc:
        raise bad_value(session, LabRunRow.__tablename__, values["id"], column, text,
                        exc) from None


def _object(session: Session, values: Cells, column: str) -> JsonObject | None:
    """The JSON object of `column` (None for none); a hand-edited text that is JSON but no
    object is a StoreError too."""
    value = _load(session, values, column)
    if value is not None and not isinstance(value, dict):
        raise bad_value(session, LabRunRow.__tablename__, values["id"], column, values[column],
                        TypeError("not a JSON object"))
    return value


# SQLModel types `Row.field == value` as bool, SQLAlchemy's where() takes a private type
def _runs(session: Session, *criteria: Any, limit: int | None = None) -> list[LabRunRecord]:
    """The runs that match `criteria`, newest first, each cell read through its column."""
    rows = TableCells(LabRunRow, session).rows(
        *criteria, order_by=(col(LabRunRow.started_at).desc(), col(LabRunRow.id).desc()),
        limit=limit)
    return [_record(session, values) for values in rows]


def _run(session: Session, run_id: int) -> LabRunRecord:
    found = _runs(session, LabRunRow.id == run_id)
    if not found:
        raise StoreError("no_lab_run", run_id=run_id)
    return found[0]


def _record(session: Session, values: Cells) -> LabRunRecord:
    return LabRunRecord(
        id=values["id"], lab_id=values["lab_id"],
        params=_object(session, values, "params_json") or {}, status=values["status"],
        results=_object(session, values, "results_json"),
        environment=_object(session, values, "env_json"), error=values["error"],
        prediction=_load(session, values, "prediction_json"), card_id=values["card_id"],
        started_at=values["started_at"], finished_at=values["finished_at"],
        duration_s=values["duration_s"],
    )


def start_run(
    engine: Engine,
    lab_id: str,
    params: Mapping[str, object],
    started_at: datetime,
    *,
    card_id: str | None = None,
    prediction: Mapping[str, object] | None = None,
    owner: Mapping[str, object] | None = None,
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
    results: Mapping[str, object] | None = None,
    environment: Mapping[str, object] | None = None,
    error: str | None = None,
    duration_s: float | None = None,
) -> LabRunRecord:
    """Close a running run with ok, failed, cancelled or timeout; the stored record."""
    if status not in FINISHED_STATUSES:
        raise ValueError(f"status must be one of {', '.join(sorted(FINISHED_STATUSES))}, "
                         f"got {status!r}")
    finished = to_utc(finished_at)
    with writing(engine) as session:
        run = _run(session, run_id)
        if run.status != RUNNING:
            raise StoreError("lab_run_finished", run_id=run_id, status=run.status)
        session.connection().execute(
            update(LabRunRow).where(col(LabRunRow.id) == run_id).values(
                status=status, results_json=_dump(results), env_json=_dump(environment),
                error=error, finished_at=finished,
                duration_s=duration_s if duration_s is not None
                else (finished - run.started_at).total_seconds()))
        return _run(session, run_id)


def run_owner(env_json: str | None) -> JsonValue:
    """The owner kept in a running run's environment (`env_json`); None where it holds none."""
    try:
        environment = parse_json(env_json or "null")
    except ValueError:
        return None
    return environment.get("owner") if isinstance(environment, dict) else None


def any_running(session: Session) -> bool:
    """Whether any run is marked running."""
    query = select(LabRunRow.id).where(LabRunRow.status == RUNNING).limit(1)
    return session.exec(query).first() is not None


def close_orphans(session: Session, is_gone: Callable[[JsonValue], bool], found_at: datetime,
                  *, results: Mapping[str, object], error: str) -> list[int]:
    """Close as interrupted each running run whose owner `is_gone` says has ended; their ids.

    When it ended is not known: `found_at` is its finish, its duration is left unknown."""
    running = session.connection().execute(
        select(LabRunRow.id, LabRunRow.env_json).where(LabRunRow.status == RUNNING))
    closed = [run_id for run_id, env_json in running if is_gone(run_owner(env_json))]
    if closed:
        session.connection().execute(
            update(LabRunRow).where(col(LabRunRow.id).in_(closed)).values(
                status=INTERRUPTED, results_json=_dump(results), env_json=None, error=error,
                finished_at=to_utc(found_at)))
    return closed


def get_run(engine: Engine, run_id: int) -> LabRunRecord:
    with reading(engine) as session:
        return _run(session, run_id)


def list_runs(engine: Engine, lab_id: str | None = None,
              limit: int | None = None) -> list[LabRunRecord]:
    """Runs, newest first; only those of `lab_id` when given."""
    criteria = () if lab_id is None else (LabRunRow.lab_id == lab_id,)
    with reading(engine) as session:
        return _runs(session, *criteria, limit=limit)
