"""The lab-run record: start, finish, list newest first, get by id."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from studyapp.store.engine import StoreError
from studyapp.store.lab_runs import finish_run, get_run, list_runs, start_run
from studyapp.store.migrations import open_database

T0 = datetime(2026, 3, 2, 7, 0, tzinfo=UTC)


def test_a_run_is_started_finished_and_listed(tmp_path: Path) -> None:
    engine = open_database(tmp_path / "a.db", T0)
    first = start_run(engine, "quantize", {"size": "quick"}, T0, card_id="example.1",
                      prediction={"faster": "int8"})
    second = start_run(engine, "latency", {}, T0 + timedelta(minutes=1))
    third = start_run(engine, "quantize", {"size": "default"}, T0 + timedelta(minutes=2))
    assert get_run(engine, first).status == "running"

    done = finish_run(engine, first, "ok", T0 + timedelta(seconds=12.5),
                      results={"rows": [[1, 2.5]]}, environment={"cpu": "x86", "avx2": True})
    assert done.duration_s == pytest.approx(12.5)
    assert done.results == {"rows": [[1, 2.5]]} and done.environment["avx2"] is True
    assert done.prediction == {"faster": "int8"} and done.card_id == "example.1"
    assert done.finished_at == T0 + timedelta(seconds=12.5)
    failed = finish_run(engine, third, "failed", T0 + timedelta(minutes=3), error="boom")
    assert failed.error == "boom" and failed.results is None

    assert [run.id for run in list_runs(engine)] == [third, second, first]
    assert [run.id for run in list_runs(engine, "quantize")] == [third, first]
    assert [run.id for run in list_runs(engine, limit=1)] == [third]
    assert get_run(engine, first) == done
    engine.dispose()


def test_bad_status_unknown_run_and_double_finish_are_refused(tmp_path: Path) -> None:
    engine = open_database(tmp_path / "a.db", T0)
    run = start_run(engine, "onnx", {}, T0)
    with pytest.raises(ValueError):
        finish_run(engine, run, "great", T0)
    with pytest.raises(StoreError):
        finish_run(engine, run + 1, "ok", T0)
    finish_run(engine, run, "cancelled", T0)
    with pytest.raises(StoreError, match="already finished"):
        finish_run(engine, run, "timeout", T0)
    assert get_run(engine, run).status == "cancelled"
    engine.dispose()
