"""The profile lab, run for real (quick size) in this process: physical truths, never timings."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from real_rows import assert_rows_drive_verdict_and_cards

from studyapp.labs import findings, registry
from studyapp.labs.events import Emitter, Result, Table, decode
from studyapp.labs.profile import SIZES, TOP_OPERATORS, ort_operator_rows

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def quick_run(labs_data_dir: Path) -> dict:
    """One quick profile of the CNN at batch 32; rows grouped by the table they belong to."""
    params = registry.validate("profile", {"size": "quick", "batch_size": 32})
    stream = io.StringIO()
    registry.load("profile").run(params, Emitter(stream))
    events = [decode(line) for line in stream.getvalue().splitlines()]
    result = events[-1]
    assert isinstance(result, Result)
    sections: dict[str, list[dict]] = {}
    for row in result.rows:
        sections.setdefault(str(row["section"]), []).append(row)
    return {"params": params, "rows": list(result.rows), "sections": sections,
            "reading": list(result.reading),
            "tables": {event.name for event in events if isinstance(event, Table)}}


def test_operator_table_is_the_top_ten_by_self_time(quick_run: dict) -> None:
    for name in ("operators", "ort"):
        rows = quick_run["sections"][name]
        assert 0 < len(rows) <= TOP_OPERATORS
        times = [row["self_cpu_ms"] for row in rows]
        assert times == sorted(times, reverse=True)
        assert 0 < sum(row["share"] for row in rows) <= 1 + 1e-9
        assert all(row["calls"] > 0 for row in rows)
    ops = {row["variant"] for row in quick_run["sections"]["operators"]}
    assert any("conv" in op for op in ops)  # the CNN's work shows up as convolutions


def test_bottleneck_is_one_of_the_models_layers(quick_run: dict) -> None:
    from studyapp.labs import models

    layers = dict(models.build("cnn").named_modules())
    rows = quick_run["sections"]["modules"]
    assert {row["variant"] for row in rows} <= set(layers)
    [slowest] = [row for row in rows if row["bottleneck"]]
    assert slowest["time_ms"] == max(row["time_ms"] for row in rows)
    assert slowest["layer_type"] == type(layers[slowest["variant"]]).__name__
    assert sum(row["share"] for row in rows) == pytest.approx(1.0)


def test_roofline_class_follows_intensity_against_the_ridge(quick_run: dict) -> None:
    rows = quick_run["sections"]["roofline"]
    assert [row["batch_size"] for row in rows] == [1, SIZES["quick"].large_batch]
    for row in rows:
        assert row["memory_bound"] is (row["flop_per_byte"] < row["ridge_flop_per_byte"])
        assert row["share_of_peak"] > 0
    assert rows[0]["flop_per_byte"] < rows[1]["flop_per_byte"]  # weights shared by the batch


def test_memory_rows_say_how_they_were_measured(quick_run: dict) -> None:
    from studyapp.labs import models, roofline

    rows = {row["variant"]: row for row in quick_run["sections"]["memory"]}
    assert rows["weights"]["size_bytes"] == roofline.weight_bytes(models.build("cnn"))
    # batch 32 of 32 channels × 8 × 8 fp32: the second convolution's output alone is 256 kB
    assert rows["peak activations"]["size_bytes"] >= 32 * 32 * 8 * 8 * 4
    assert all(row["method"] for row in rows.values())


def test_every_row_carries_threads_and_device_and_reading_is_bilingual(quick_run: dict) -> None:
    for rows in quick_run["sections"].values():
        for row in rows:
            assert row["threads"] == quick_run["params"]["threads"]
            assert row["device"] == "cpu"
    assert quick_run["tables"] == {"operators", "modules", "memory", "ort", "roofline"}
    assert all(text.bg and text.en for text in quick_run["reading"])



def test_the_real_rows_give_a_verdict_and_cards(quick_run: dict) -> None:
    found = findings.hotspot(quick_run["rows"])
    assert found is not None
    top = max(quick_run["sections"]["operators"], key=lambda row: row["share"])
    assert (found.operator, found.share) == (top["variant"], top["share"])
    [layer] = [row for row in quick_run["sections"]["modules"] if row["bottleneck"]]
    assert found.layer == f"{layer['layer_type']} {layer['variant']}"
    widest = max(quick_run["sections"]["roofline"], key=lambda row: row["batch_size"])
    assert (found.memory_bound, found.share_of_peak) == (widest["memory_bound"],
                                                         widest["share_of_peak"])
    assert len(assert_rows_drive_verdict_and_cards("profile", quick_run["rows"],
                                                   quick_run["reading"])) == 2


def test_ort_trace_is_summed_per_operator_type_after_the_warm_up() -> None:
    def run(ts: float) -> dict:
        return {"cat": "Session", "name": "model_run", "ts": ts, "dur": 90.0}

    def node(op: str, ts: float, dur: float) -> dict:
        return {"cat": "Node", "name": f"{op.lower()}_1_kernel_time", "ts": ts, "dur": dur,
                "args": {"op_name": op}}

    trace = [run(0.0), node("Conv", 1.0, 999.0),  # the warm-up run, left out
             run(100.0), node("Conv", 101.0, 30.0), node("Gemm", 140.0, 20.0),
             run(200.0), node("Conv", 201.0, 50.0)]
    rows = ort_operator_rows(trace, runs=2, threads=1, skip_runs=1)
    assert [row["variant"] for row in rows] == ["ORT Conv", "ORT Gemm"]
    assert rows[0]["calls"] == 1.0 and rows[0]["self_cpu_ms"] == pytest.approx(0.04)
    assert rows[0]["share"] == pytest.approx(0.8)
