"""A recorded quantize run with fixed numbers, and the tables of a real default run of every
lab (`fixtures/lab_tables.json`, six rows each), for the lab screens' tests and snapshots.

No tests here; the lab TUI test modules import from it.
"""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from tui_support import START, FakeClock, build_app, opened_service

from studyapp.labs.events import Column, Series, Table
from studyapp.labs.predictions import Prediction, question_for
from studyapp.labs.runner import LabRun
from studyapp.services import lab_results
from studyapp.store import lab_runs
from studyapp.text import Text
from studyapp.tui.app import StudyApp

ENV = {"cpu_model": "Test CPU @ 2.5GHz", "isa": {"avx2": True, "avx512f": True,
                                                  "avx512_vnni": True, "amx": False},
       "cores": 2, "threads": 2, "torch": "2.13.0+cpu", "onnxruntime": "1.32.0", "gpu": None}
REAL_TABLES = Path(__file__).parent / "fixtures" / "lab_tables.json"
ROWS = [
    {"model": "mlp", "variant": variant, "runtime": "torch", "precision": precision,
     "batch_size": batch, "latency_ms_median": median, "speedup": speedup,
     "speedup_low": low, "speedup_high": high, "noisy": False,
     "size_ratio": 1.0 if precision == "fp32" else 0.28, "accuracy_change_pp": 0.0,
     "threads": 2, "device": "cpu", "status": "ok"}
    for variant, precision, batch, median, speedup, low, high in (
        ("torch fp32", "fp32", 1, 0.062, 1.0, 1.0, 1.0),
        ("torch fp32", "fp32", 64, 0.31, 1.0, 1.0, 1.0),
        ("torch int8-dyn", "int8", 1, 0.02, 3.1, 2.9, 3.3),
        ("torch int8-dyn", "int8", 64, 0.3, 1.03, 0.98, 1.08))
]
COLUMNS = (Column("variant", Text("вариант", "variant")),
           Column("batch_size", Text("пакет", "batch")),
           Column("latency_ms_median", Text("медиана", "median"), "ms"),
           Column("speedup", Text("ускорение", "speed-up"), "×"))
READING = [Text("mlp, пакет 1: int8 в torch е ×3.1 по-бързо.",
                "mlp, batch 1: int8 in torch is ×3.1 faster."),
           Text("Процесорът има VNNI.", "The CPU has VNNI.")]


def quantize_run(lab: str = "quantize") -> LabRun:
    run = LabRun(lab, {"size": "default", "threads": 2, "device": "cpu", "seed": 0},
                 rows=ROWS, reading=READING, env=ENV)
    run.apply(Table("quantize", Text("Квантизация", "Quantization"), COLUMNS, tuple(ROWS)))
    for variant in ("torch fp32", "torch int8-dyn"):
        points = [row for row in ROWS if row["variant"] == variant]
        run.apply(Series(Text(variant, variant), Text("пакет", "batch"),
                         Text("латентност, ms", "latency, ms"),
                         tuple(float(row["batch_size"]) for row in points),
                         tuple(float(row["latency_ms_median"]) for row in points), True))
    return run


def on_test_machine(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make the recorded runs' machine the one the app runs on."""
    monkeypatch.setattr(lab_results, "this_machine", lambda: (ENV["cpu_model"], ENV["cores"]))


def record_quantize_run(root: Path, choice: int = 1, minutes_later: int = 0,
                        threads: int = 2, cpu: str = str(ENV["cpu_model"])) -> int:
    """Store a finished quantize run as the app would; its id."""
    clock = FakeClock(START + timedelta(minutes=minutes_later))
    with opened_service(root, clock) as service:
        question = question_for("quantize")
        assert question is not None
        run = quantize_run()
        run.params["threads"] = threads
        run_id = lab_runs.start_run(service.engine, "quantize", run.params, clock.now,
                                    prediction=Prediction.of(question, choice).to_json())
        lab_runs.finish_run(service.engine, run_id, "ok", clock.now + timedelta(seconds=21),
                            results=run.results(), environment={**ENV, "cpu_model": cpu})
        return run_id


def real_runs() -> dict[str, dict[str, Any]]:
    """Each lab's recorded run: params, env, duration and tables, by lab id."""
    runs = json.loads(REAL_TABLES.read_text(encoding="utf-8"))
    return {run["lab"]: run for run in runs}


def record_real_run(root: Path, lab: str) -> int:
    """Store the lab's recorded run (its tables, no rows: no verdict, no cards); its id."""
    run = real_runs()[lab]
    clock = FakeClock()
    with opened_service(root, clock) as service:
        run_id = lab_runs.start_run(service.engine, lab, run["params"], clock.now)
        lab_runs.finish_run(service.engine, run_id, "ok",
                            clock.now + timedelta(seconds=run["duration_s"]),
                            results={"tables": run["tables"]}, environment=run["env"])
        return run_id


def app_over_a_recorded_run(root: Path, lang: str, monkeypatch: pytest.MonkeyPatch) -> StudyApp:
    """The app in `lang` over one finished quantize run, recorded on the machine it runs on."""
    on_test_machine(monkeypatch)
    record_quantize_run(root)
    return build_app(root, FakeClock(), lang=lang)
