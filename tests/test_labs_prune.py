"""The prune lab, run for real (quick size) in this process: physical truths, never timings."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from real_rows import assert_rows_drive_verdict_and_cards

from studyapp.labs import findings, registry
from studyapp.labs.events import Emitter, Event, Result, Series, decode
from studyapp.labs.prune import SWEEPS

pytestmark = pytest.mark.slow
SPARSITIES = list(SWEEPS["quick"].sparsities)


def _run(given: dict) -> tuple[dict, list[Event]]:
    params = registry.validate("prune", {"size": "quick", **given})
    stream = io.StringIO()
    registry.load("prune").run(params, Emitter(stream))
    events = [decode(line) for line in stream.getvalue().splitlines()]
    assert isinstance(events[-1], Result)
    return params, events


@pytest.fixture(scope="module")
def quick_run(labs_data_dir: Path) -> dict:
    """Rows, plots and reading of one quick run of `prune` on the MLP."""
    params, events = _run({"model": "mlp"})
    result = events[-1]
    assert isinstance(result, Result)
    return {
        "params": params, "rows": list(result.rows), "reading": list(result.reading),
        "series": [event for event in events if isinstance(event, Series)],
    }


def _unstructured(run: dict, tuned: bool) -> list[dict]:
    return [row for row in run["rows"]
            if row["variant"].startswith("L1 unstr") and row["fine_tuned"] is tuned]


def test_measured_sparsity_is_the_requested_one(quick_run: dict) -> None:
    for tuned in (False, True):
        rows = _unstructured(quick_run, tuned)
        assert [round(row["sparsity"], 2) for row in rows] == SPARSITIES
        for row, wanted in zip(rows, SPARSITIES, strict=True):
            assert row["sparsity"] == pytest.approx(wanted, abs=0.01)


def test_unstructured_pruning_keeps_shapes_and_csr_pays_for_indices(quick_run: dict) -> None:
    rows = _unstructured(quick_run, False)
    assert len({row["params_count"] for row in rows}) == 1  # zeros are still parameters
    assert len({row["size_bytes"] for row in rows}) == 1
    dense, half, most = rows
    # every non-zero costs 4 B value + 4 B int32 index: CSR of a dense matrix doubles its size
    assert dense["size_bytes_csr"] > 1.9 * dense["size_bytes"]
    assert half["size_bytes_csr"] > half["size_bytes"] * 0.95
    assert most["size_bytes_csr"] < most["size_bytes"] / 3
    assert most["size_bytes_csr"] < most["size_bytes_csr_int64"]


def test_structured_model_is_smaller_and_still_classifies(quick_run: dict) -> None:
    dense = _unstructured(quick_run, False)[0]
    structured = [row for row in quick_run["rows"] if row["variant"].startswith("L1 struct")]
    assert structured
    for row in structured:
        assert row["params_count"] < dense["params_count"]
        assert row["size_bytes"] < dense["size_bytes"]
        assert 0 < row["sparsity"] < 1
        assert row["accuracy"] > 0.5  # it runs and still does far better than chance (0.1)


def test_fine_tuning_recovers_accuracy_at_high_sparsity(quick_run: dict) -> None:
    pruned = _unstructured(quick_run, False)[-1]
    tuned = _unstructured(quick_run, True)[-1]
    assert pruned["accuracy"] < _unstructured(quick_run, False)[0]["accuracy"]
    assert tuned["accuracy"] >= pruned["accuracy"] - 0.02


def test_every_row_carries_threads_and_device(quick_run: dict) -> None:
    assert quick_run["rows"]
    for row in quick_run["rows"]:
        assert row["threads"] == quick_run["params"]["threads"]
        assert row["device"] == "cpu"
        assert row["status"] == "ok"


def test_final_row_of_each_level_is_timed(quick_run: dict) -> None:
    timed = [row for row in quick_run["rows"] if "latency_ms_median" in row]
    assert timed and all(row["fine_tuned"] for row in timed)
    assert all(row["latency_ms_median"] > 0 for row in timed)


def test_plots_and_reading_come_from_the_rows(quick_run: dict) -> None:
    assert {series.y_label.en for series in quick_run["series"]} == {
        "accuracy", "median, ms per 256 digits"}
    accuracy = next(series for series in quick_run["series"] if series.name.en == "unstructured")
    assert list(accuracy.x) == pytest.approx(SPARSITIES, abs=0.01)  # measured sparsity
    assert list(accuracy.y) == [row["accuracy"] for row in _unstructured(quick_run, False)]
    assert all(text.bg and text.en for text in quick_run["reading"])
    worst = _unstructured(quick_run, False)[-1]["accuracy"]
    assert f"{worst:.3f}" in " ".join(text.en for text in quick_run["reading"])



def test_the_real_rows_give_a_verdict_and_cards(quick_run: dict) -> None:
    found = findings.pruning(quick_run["rows"])
    assert found is not None
    plain, tuned = _unstructured(quick_run, False), _unstructured(quick_run, True)
    assert found.sparsity == plain[-1]["sparsity"]
    assert (found.dense_accuracy, found.pruned_accuracy) == (plain[0]["accuracy"],
                                                             plain[-1]["accuracy"])
    assert found.tuned_accuracy == tuned[-1]["accuracy"]
    assert found.dense_ms is not None and found.pruned_ms is not None
    assert len(assert_rows_drive_verdict_and_cards("prune", quick_run["rows"],
                                                   quick_run["reading"])) == 2


def test_cuda_request_without_gpu_is_a_skipped_row(labs_data_dir: Path) -> None:
    import torch

    if torch.cuda.is_available():
        pytest.skip("this machine has a CUDA device")
    _, events = _run({"fine_tune_epochs": 0, "device": "cuda"})
    result = events[-1]
    assert isinstance(result, Result)
    rows = result.rows
    skipped = [row for row in rows if row["device"] == "cuda"]
    assert [row["status"] for row in skipped] == ["skipped: no CUDA device"]
    assert all(row["device"] == "cpu" for row in rows if row not in skipped)
