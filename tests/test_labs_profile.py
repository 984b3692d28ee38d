"""The profile lab, run for real (quick size) in this process, and its per-pass profile readers:
physical truths, never timings."""

from __future__ import annotations

import io
from pathlib import Path
from types import SimpleNamespace

import pytest
from real_rows import assert_rows_drive_verdict_and_cards

from studyapp.labs import findings, registry
from studyapp.labs.events import Emitter, Result, Series, Table, decode
from studyapp.labs.lessons.profile import hotspot
from studyapp.labs.profile import SIZES, TOP_OPERATORS
from studyapp.labs.profile_passes import (
    PassTimes,
    operation,
    operation_rows,
    operator_rows,
    ort_pass_times,
    torch_pass_times,
)
from studyapp.labs.result_cards import result_cards
from studyapp.labs.roofline import BOUNDS

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
            "reading": list(result.reading), "roofline": result.roofline,
            "series": [event for event in events if isinstance(event, Series)],
            "tables": {event.name for event in events if isinstance(event, Table)}}


def test_operator_tables_are_the_top_ten_by_self_time(quick_run: dict) -> None:
    for name in ("operators", "ort"):
        rows = quick_run["sections"][name]
        assert 0 < len(rows) <= TOP_OPERATORS
        times = [row["self_cpu_ms"] for row in rows]
        assert times == sorted(times, reverse=True)
        assert 0 < sum(row["share"] for row in rows) <= 1 + 1e-9
        assert all(row["calls"] > 0 for row in rows)
    ops = {row["variant"] for row in quick_run["sections"]["operators"]}
    assert any("conv" in op for op in ops)  # the CNN's work shows up as convolutions
    nodes = {row["variant"] for row in quick_run["sections"]["ort"]}
    assert any("Conv" in node for node in nodes)


def test_both_profiles_are_set_side_by_side_per_kind_of_operation(quick_run: dict) -> None:
    rows = {row["variant"]: row for row in quick_run["sections"]["operations"]}
    assert {"convolution", "pooling", "matmul"} <= set(rows)
    assert "MaxPool" in rows["pooling"]["ort_ops"] and "max_pool2d" in rows["pooling"]["torch_ops"]
    for row in rows.values():
        assert row["torch_ms_low"] <= row["torch_ms"] <= row["torch_ms_high"]
        assert row["ort_ms_low"] <= row["ort_ms"] <= row["ort_ms_high"]
        speedup = findings.interval(row)
        assert speedup is None or speedup.low <= speedup.value <= speedup.high
    # ONNX Runtime fuses every ReLU of the CNN into a Conv or a Gemm: no activation is left
    assert rows["activation"]["ort_ops"] == "" and rows["activation"]["speedup"] is None
    assert sum(row["share"] for row in rows.values()) == pytest.approx(1.0)


def test_bottleneck_is_one_of_the_models_layers(quick_run: dict) -> None:
    from studyapp.labs import models

    layers = dict(models.build("cnn").named_modules())
    rows = quick_run["sections"]["modules"]
    assert {row["variant"] for row in rows} <= set(layers)
    [slowest] = [row for row in rows if row["bottleneck"]]
    assert slowest["time_ms"] == max(row["time_ms"] for row in rows)
    assert slowest["layer_type"] == type(layers[slowest["variant"]]).__name__
    assert sum(row["share"] for row in rows) == pytest.approx(1.0)


def test_roofline_points_are_timed_together_and_placed(quick_run: dict) -> None:
    rows = quick_run["sections"]["roofline"]
    large = SIZES["quick"].large_batch
    assert {(row["variant"], row["batch_size"]) for row in rows} == {
        (variant, batch) for variant in ("torch eager", "ORT all") for batch in (1, large)}
    for row in rows:
        assert row["bound"] in BOUNDS
        assert row["latency_ms_low"] <= row["latency_ms_median"] <= row["latency_ms_high"]
        assert row["share_of_roofline"] > 0
        assert row["share_of_roofline_low"] <= row["share_of_roofline_high"]
    by_batch = {row["batch_size"]: row for row in rows if row["variant"] == "torch eager"}
    # the weights are read once per call: a larger batch does more FLOPs per byte
    assert by_batch[1]["arithmetic_intensity"] < by_batch[large]["arithmetic_intensity"]
    roof = quick_run["roofline"]
    llc = roof["llc_bytes"]  # 153 kB of weights: in any last-level cache this CPU reports
    assert by_batch[1]["data_in_cache"] == (llc is not None and by_batch[1]["bytes_moved"] <= llc)
    assert roof["threads"] == quick_run["params"]["threads"] and roof["bandwidth_gbs"] > 0
    names = {series.name.en for series in quick_run["series"]}
    assert {"torch", "ONNX Runtime", "roofline (memory)"} <= names


def test_memory_rows_say_how_they_were_measured(quick_run: dict) -> None:
    from studyapp.labs import models
    from studyapp.labs.work import weight_bytes

    rows = {row["variant"]: row for row in quick_run["sections"]["memory"]}
    assert rows["weights"]["size_bytes"] == weight_bytes(models.build("cnn"))
    # batch 32 of 32 channels × 8 × 8 fp32: the second convolution's output alone is 256 kB
    assert rows["peak activations"]["size_bytes"] >= 32 * 32 * 8 * 8 * 4
    assert all(row["method"] for row in rows.values())


def test_every_row_carries_threads_and_device_and_reading_is_bilingual(quick_run: dict) -> None:
    for rows in quick_run["sections"].values():
        for row in rows:
            assert row["threads"] == quick_run["params"]["threads"]
            assert row["device"] == "cpu"
    assert quick_run["tables"] == {"operators", "ort", "operations", "modules", "memory",
                                   "roofline"}
    assert all(text.bg and text.en for text in quick_run["reading"])


def test_the_real_rows_give_a_verdict_and_cards(quick_run: dict) -> None:
    found = hotspot(quick_run["rows"])
    assert found is not None
    top = max(quick_run["sections"]["operators"], key=lambda row: row["share"])
    assert (found.operator, found.share) == (top["variant"], top["share"])
    if not findings.measured_cleanly(quick_run["rows"]):  # a busy machine: said, and no cards
        assert result_cards("profile", quick_run["rows"], quick_run["reading"]) == []
        assert any("Could not measure cleanly" in text.en for text in quick_run["reading"])
        return
    assert_rows_drive_verdict_and_cards("profile", quick_run["rows"], quick_run["reading"])


# --- the per-pass readers, on made-up events ----------------------------------------------


def event(name: str, start: float, end: float, self_us: float = 0.0) -> SimpleNamespace:
    return SimpleNamespace(name=name, time_range=SimpleNamespace(start=start, end=end),
                           self_cpu_time_total=self_us)


def test_torch_events_are_split_by_the_pass_they_started_in() -> None:
    events = [event("pass 0", 0, 100), event("pass 1", 200, 300),
              event("aten::conv2d", 10, 50, 5), event("aten::mkldnn_convolution", 12, 48, 30),
              event("aten::max_pool2d_with_indices", 60, 90, 20), event("[memory]", 70, 70),
              event("aten::mkldnn_convolution", 210, 240, 40),
              event("aten::addmm", 150, 160, 99)]  # between passes: no pass of its own
    times = torch_pass_times(events)
    assert times.passes == 2
    assert times.by_op == {"aten::conv2d": [5, 0], "aten::mkldnn_convolution": [30, 40],
                           "aten::max_pool2d_with_indices": [20, 0]}
    assert times.of("convolution") == [35, 40] and times.of("matmul") == [0.0, 0.0]
    assert times.names("convolution") == "aten::mkldnn_convolution, aten::conv2d"


def test_onnx_runtime_nodes_are_named_from_the_graph_and_its_warm_up_left_out() -> None:
    def run(ts: float) -> dict:
        return {"cat": "Session", "name": "model_run", "ts": ts, "dur": 90.0}

    def node(name: str, op: str, ts: float, dur: float) -> dict:
        return {"cat": "Node", "name": f"{name}_kernel_time", "ts": ts, "dur": dur,
                "args": {"op_name": op}}

    trace = [run(0.0), node("pool_nchwc", "MaxPool", 1.0, 999.0),  # the warm-up run
             run(100.0), node("pool_nchwc", "MaxPool", 101.0, 30.0),
             node("fused gemm", "FusedGemm", 140.0, 20.0),
             run(200.0), node("pool_nchwc", "MaxPool", 201.0, 50.0)]
    times = ort_pass_times(trace, {"pool_nchwc": "NCHWc MaxPool"}, passes=2)
    assert times.by_op == {"NCHWc MaxPool": [30.0, 50.0], "FusedGemm": [20.0, 0.0]}
    rows = operator_rows(times, top=10)
    assert [row["variant"] for row in rows] == ["NCHWc MaxPool", "FusedGemm"]
    assert rows[0]["calls"] == 1.0 and rows[0]["self_cpu_ms"] == pytest.approx(0.04)
    assert rows[0]["share"] == pytest.approx(0.8)


def test_kinds_of_operation_are_compared_pass_by_pass() -> None:
    torch_times = PassTimes({"aten::max_pool2d_with_indices": [900.0] * 6,
                             "aten::relu": [100.0] * 6}, {}, 6)  # type: ignore[arg-type]
    ort_times = PassTimes({"NCHWc MaxPool": [60.0, 70.0, 65.0, 62.0, 68.0, 64.0],
                           "ReorderOutput": [20.0] * 6}, {}, 6)  # type: ignore[arg-type]
    rows = {row["variant"]: row for row in operation_rows(torch_times, ort_times)}
    assert list(rows) == ["pooling", "activation", "layout"]
    pool = rows["pooling"]
    assert pool["torch_ms"] == pytest.approx(0.9) and pool["share"] == pytest.approx(0.9)
    # the median of the per-pass ratios, bounded by the slowest and fastest of six passes
    speedup = findings.interval(pool)
    assert speedup is not None
    assert speedup.value == pytest.approx((900 / 65 + 900 / 64) / 2)
    assert (speedup.low, speedup.high) == pytest.approx((900 / 70, 900 / 60))
    assert rows["activation"]["speedup"] is None and rows["activation"]["ort_ops"] == ""
    assert rows["layout"]["torch_ms"] == 0 and rows["layout"]["speedup"] is None


@pytest.mark.parametrize(("name", "kind"), [
    ("aten::mkldnn_convolution", "convolution"), ("NCHWc Conv+Relu", "convolution"),
    ("aten::max_pool2d_with_indices", "pooling"), ("aten::addmm", "matmul"),
    ("aten::mm", "matmul"), ("FusedGemm", "matmul"), ("aten::clamp_min", "activation"),
    ("ReorderOutput", "layout"), ("aten::empty", "other"), ("Shape", "other"),
])
def test_operators_are_sorted_into_kinds_by_name(name: str, kind: str) -> None:
    assert operation(name) == kind
