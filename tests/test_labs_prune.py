"""The prune lab, run for real (quick size) in this process: physical truths, never timings."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from real_rows import assert_rows_drive_verdict_and_cards

from studyapp.labs import findings, registry
from studyapp.labs.events import Emitter, Event, Result, Series, decode
from studyapp.labs.models import build
from studyapp.labs.predictions import measured
from studyapp.labs.prune import SWEEPS
from studyapp.labs.result_cards import result_cards
from studyapp.labs.roofline import BOUNDS

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
    """Rows, plots, reading and roofline of one quick run of `prune` on the MLP."""
    params, events = _run({"model": "mlp"})
    result = events[-1]
    assert isinstance(result, Result)
    return {
        "params": params, "rows": list(result.rows), "reading": list(result.reading),
        "roofline": result.roofline,
        "series": [event for event in events if isinstance(event, Series)],
    }


def _method(run: dict, method: str, tuned: bool | None = None) -> list[dict]:
    return [row for row in run["rows"] if row.get("method") == method
            and (tuned is None or row["fine_tuned"] is tuned)]


def _dense(run: dict) -> dict:
    return _method(run, "dense")[0]


def test_measured_zeros_are_the_requested_sparsity(quick_run: dict) -> None:
    for tuned in (False, True):
        rows = _method(quick_run, "unstructured", tuned)
        assert [row["amount"] for row in rows] == SPARSITIES
        for row in rows:
            assert row["sparsity"] == pytest.approx(row["amount"], abs=0.01)
    for method in ("masked", "csr"):
        [row] = _method(quick_run, method)
        assert row["sparsity"] == pytest.approx(SPARSITIES[-1], abs=0.01)


def test_csr_bytes_are_exactly_values_indices_and_row_pointers(quick_run: dict) -> None:
    layers = [module for module in build("mlp").modules() if hasattr(module, "weight")]
    weights = sum(layer.weight.numel() for layer in layers)
    row_pointers = sum(layer.weight.shape[0] + 1 for layer in layers)
    biases = 4 * sum(layer.bias.numel() for layer in layers)
    for row in [_dense(quick_run), *_method(quick_run, "unstructured")]:
        nonzero = round(weights * (1 - row["sparsity"]))
        assert row["size_bytes"] == 4 * weights + biases  # zeros are still dense weights
        assert row["size_bytes_csr"] == 8 * nonzero + 4 * row_pointers + biases
        assert row["size_bytes_csr_int64"] == 12 * nonzero + 8 * row_pointers + biases


def test_structured_models_are_smaller_and_still_classify(quick_run: dict) -> None:
    dense = _dense(quick_run)
    structured = _method(quick_run, "structured")
    assert structured
    for row in structured:
        assert row["params_count"] < dense["params_count"]
        assert row["size_bytes"] < dense["size_bytes"]
        assert 0 < row["sparsity"] < 1
        assert row["accuracy"] > 0.5  # it runs and still does far better than chance (0.1)


def test_images_lost_and_gained_account_for_every_accuracy(quick_run: dict) -> None:
    dense = _dense(quick_run)
    assert dense["test_images"] == 355 and dense["lost_images"] == dense["gained_images"] == 0
    for row in quick_run["rows"]:
        if "accuracy" not in row:
            continue
        assert row["accuracy"] == pytest.approx(row["correct_images"] / row["test_images"])
        assert row["correct_images"] == (dense["correct_images"] - row["lost_images"]
                                         + row["gained_images"])


def test_fine_tuning_is_counted_against_the_same_model_before_it(quick_run: dict) -> None:
    for method in ("unstructured", "structured"):
        plain, tuned = _method(quick_run, method, False), _method(quick_run, method, True)
        assert [row["amount"] for row in plain] == [row["amount"] for row in tuned]
        for before, after in zip(plain, tuned, strict=True):
            assert after["correct_images"] - before["correct_images"] == (
                after["fixed_images"] - after["broken_images"])
    pruned, tuned = (_method(quick_run, "unstructured", flag)[-1] for flag in (False, True))
    assert pruned["accuracy"] < _dense(quick_run)["accuracy"]
    assert tuned["accuracy"] > pruned["accuracy"]  # seeded: fine-tuning wins back images


def test_the_mask_and_the_sparse_kernel_compute_the_same_model(quick_run: dict) -> None:
    top = _method(quick_run, "unstructured", True)[-1]
    for method in ("masked", "csr"):
        [row] = _method(quick_run, method)
        assert row["correct_images"] == top["correct_images"]


def test_every_final_model_is_timed_in_one_comparison_against_dense(quick_run: dict) -> None:
    timed = [row for row in quick_run["rows"] if "latency_ms_median" in row]
    expected = {row["variant"] for row in quick_run["rows"]
                if row["method"] in ("dense", "masked", "csr") or row["fine_tuned"]}
    assert {row["variant"] for row in timed} == expected
    rounds = {row["rounds"] for row in timed}
    assert len(rounds) == 1  # interleaved: every variant got the same rounds
    for row in timed:
        assert 0 < row["latency_ms_low"] <= row["latency_ms_median"] <= row["latency_ms_high"]
        found = findings.interval(row)
        if row["method"] == "dense":
            assert found is None
        else:
            assert found is not None and found.low <= found.value <= found.high


def test_rows_sit_on_the_roofline_with_the_work_of_their_own_shapes(quick_run: dict) -> None:
    assert quick_run["roofline"]["peak_gflops"] > 0 and quick_run["roofline"]["threads"] == 2
    dense = _dense(quick_run)
    placed = [row for row in quick_run["rows"] if "bound" in row]
    assert {row["method"] for row in placed} == {"dense", "unstructured", "masked",
                                                 "structured"}
    for row in placed:
        assert row["bound"] in BOUNDS and row["share_of_roofline"] > 0
    for row in _method(quick_run, "unstructured", True):
        assert row["flops"] == dense["flops"]  # a dense kernel multiplies the zeros too
    for row in _method(quick_run, "structured", True):
        assert row["flops"] < dense["flops"] and row["bytes_moved"] < dense["bytes_moved"]
    assert "bound" not in _method(quick_run, "csr")[0]


def test_every_row_carries_threads_and_device(quick_run: dict) -> None:
    for row in quick_run["rows"]:
        assert row["threads"] == quick_run["params"]["threads"]
        assert row["device"] == "cpu" and row["status"] == "ok"


def test_plots_and_reading_come_from_the_rows(quick_run: dict) -> None:
    assert {series.y_label.en for series in quick_run["series"]} >= {
        "accuracy", "median, ms per 256 digits", "GFLOP/s"}
    accuracy = next(series for series in quick_run["series"] if series.name.en == "unstructured")
    plain = [_dense(quick_run), *_method(quick_run, "unstructured", False)]
    assert list(accuracy.x) == [row["sparsity"] for row in plain]  # measured sparsity
    assert list(accuracy.y) == [row["accuracy"] for row in plain]
    assert all(text.bg and text.en for text in quick_run["reading"])
    worst = _method(quick_run, "unstructured", False)[-1]["accuracy"]
    assert f"{worst:.1%}" in " ".join(text.en for text in quick_run["reading"])


def test_the_real_rows_give_a_verdict_and_cards_when_clean(quick_run: dict) -> None:
    rows, reading = quick_run["rows"], quick_run["reading"]
    if not findings.measured_cleanly(rows):  # a busy machine: honest, and it says so
        assert measured("prune", rows) is None and result_cards("prune", rows, reading) == []
        assert any("Could not measure cleanly" in text.en for text in reading)
        return
    assert assert_rows_drive_verdict_and_cards("prune", rows, reading)


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
