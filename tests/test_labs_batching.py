"""The batching lab, run for real (quick size) in this process: physical truths, never timings."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from real_rows import assert_rows_drive_verdict_and_cards

from studyapp.labs import batching_rows as vocab
from studyapp.labs import findings, registry, work
from studyapp.labs.batching import EXACT, SIZES
from studyapp.labs.batching_demos import COMPUTE_BATCH, MEMORY_SIDE
from studyapp.labs.batching_variants import thread_counts
from studyapp.labs.envinfo import usable_cores
from studyapp.labs.events import Emitter, Result, Series, decode
from studyapp.labs.lessons import batching as lesson
from studyapp.labs.roofline import BOUNDS, Roofline, place

pytestmark = pytest.mark.slow
THREADS = 2
BATCHES = SIZES["quick"].batches
CPU_VARIANTS = vocab.CPU_VARIANTS


def _run(params: dict) -> tuple[Result, list]:
    stream = io.StringIO()
    registry.load("batching").run(registry.validate("batching", params), Emitter(stream))
    events = [decode(line) for line in stream.getvalue().splitlines()]
    assert isinstance(events[-1], Result)
    return events[-1], events


@pytest.fixture(scope="module")
def quick_run(labs_data_dir: Path) -> dict:
    """One quick run on the small MLP at two threads (one-thread rows come with it)."""
    result, events = _run({"size": "quick", "model": "mlp", "threads": THREADS})
    roof = Roofline.from_json(result.roofline)
    assert roof is not None
    return {"rows": list(result.rows), "reading": result.reading, "roof": roof,
            "series": [event for event in events if isinstance(event, Series)]}


def _model(name: str = "mlp") -> Any:
    """The lab's timing-only model, seeded as the lab seeds it."""
    from studyapp.labs import zoo

    return zoo.untrained(name).model


def test_a_row_for_every_variant_at_every_batch_and_one_thread_at_the_ends(
        quick_run: dict) -> None:
    rows = quick_run["rows"]
    for variant in CPU_VARIANTS:
        expected = [batch for batch in BATCHES
                    if variant != vocab.MKL_PACKED or batch <= vocab.PLATEAU_UP_TO]
        assert [row["batch_size"] for row in vocab.series(rows, variant)] == expected
    ends = vocab.series(rows, vocab.THREAD_VARIANT, threads=1)
    assert [row["batch_size"] for row in ends] == [BATCHES[0], BATCHES[-1]]
    assert {row["threads"] for row in rows if row.get("comparison")} == {1, THREADS}
    assert {row["cores"] for row in rows if row.get("comparison") == vocab.SWEEP} \
        == {usable_cores()}


def test_throughput_and_time_per_item_follow_from_the_time_per_call(quick_run: dict) -> None:
    for row in quick_run["rows"]:
        if row.get("comparison") != vocab.SWEEP:
            continue
        seconds = row["latency_ms_median"] / 1e3
        assert row["throughput_per_s"] == pytest.approx(row["batch_size"] / seconds)
        assert row["latency_ms_per_item"] == pytest.approx(seconds * 1e3 / row["batch_size"])
        assert row["latency_ms_low"] <= row["latency_ms_median"] <= row["latency_ms_high"]
        assert row["latency_ms_median"] <= row["latency_ms_p90"] <= row["latency_ms_p99"]


def test_ratios_are_paired_against_the_right_base(quick_run: dict) -> None:
    rows = quick_run["rows"]
    for variant in CPU_VARIANTS:
        first, *rest = vocab.series(rows, variant)
        assert findings.interval(first, "throughput_gain") == EXACT
        for row in rest:
            gain = findings.interval(row, "throughput_gain")
            assert gain is not None and gain.low <= gain.value <= gain.high
        best = [row for row in vocab.series(rows, variant)
                if findings.interval(row, "share_of_best") == EXACT]
        assert len(best) == 1
    assert not any("speedup" in row for row in vocab.series(rows, vocab.EAGER))
    for variant in vocab.PACKED_ONCE:
        assert all(findings.interval(row, "speedup") for row in vocab.series(rows, variant))
    for batch in (BATCHES[0], BATCHES[-1]):
        one, many = vocab.thread_sweep(rows, batch)
        assert findings.interval(many, "thread_speedup") is not None
        assert "thread_speedup" not in one


def test_prepacked_weights_and_onnx_runtime_compute_what_eager_torch_does(
        quick_run: dict) -> None:
    for row in quick_run["rows"]:
        if row.get("variant") in vocab.PACKED_ONCE:
            assert row["max_abs_diff"] < 1e-4
        if row.get("variant") == vocab.EAGER:
            assert row["max_abs_diff"] is None
            assert row["gemm_library"] in ("MKL", "BLAS")


def test_each_row_sits_on_the_roofline_of_its_own_thread_count(quick_run: dict) -> None:
    model, roof = _model(), quick_run["roof"]
    for row in quick_run["rows"]:
        if row.get("comparison") != vocab.SWEEP:
            continue
        expected = work.work(model, row["batch_size"])
        assert row["flops"] == pytest.approx(work.linear_flops(model, row["batch_size"]))
        assert row["bytes_moved"] == pytest.approx(expected.bytes)
        assert row["bytes_moved"] >= work.weight_bytes(model) == row["weights_bytes"]
        assert row["gflops"] == pytest.approx(row["flops"] / row["latency_ms_median"] * 1e-6)
        assert row["bound"] in BOUNDS
        again = place(dict(row), expected, roof)  # the 1-thread rows on the 1-thread ceiling
        assert row["attainable_gflops"] == pytest.approx(again["attainable_gflops"])
        assert row["share_of_roofline_low"] <= row["share_of_roofline"] \
            <= row["share_of_roofline_high"]


def test_the_demonstrations_move_what_they_claim_and_share_in_the_same_rounds(
        quick_run: dict) -> None:
    rows = {row["demo"]: row for row in quick_run["rows"] if row.get("comparison")
            == vocab.DEMOS}
    assert set(rows) == {vocab.MEMORY_DEMO, vocab.BANDWIDTH_PROBE, vocab.COMPUTE_DEMO,
                         vocab.PEAK_PROBE}
    memory, compute = rows[vocab.MEMORY_DEMO], rows[vocab.COMPUTE_DEMO]
    assert memory["flops"] == 2 * MEMORY_SIDE**2
    assert memory["weights_bytes"] >= 256 * 2**20
    llc = quick_run["roof"].llc_bytes
    assert memory["data_in_cache"] is (llc is not None and memory["bytes_moved"] <= llc)
    assert rows[vocab.BANDWIDTH_PROBE]["bytes_moved"] >= 512 * 2**20
    assert compute["flops"] == pytest.approx(
        work.linear_flops(_model("wide_mlp"), COMPUTE_BATCH))
    assert compute["arithmetic_intensity"] > 100 * memory["arithmetic_intensity"]
    for row in (memory, compute):
        share = findings.interval(row, "share_of_probe")
        assert share is not None and share.low <= share.value <= share.high
        assert 0 < row["threshold"] < 1


def test_cuda_rows_are_skipped_without_a_gpu(quick_run: dict) -> None:
    import torch

    cuda = [row for row in quick_run["rows"] if row.get("device") == "cuda"]
    if torch.cuda.is_available():
        assert cuda and all(row["status"] == "ok" for row in cuda)
    else:
        assert [row["status"] for row in cuda] == ["skipped: no CUDA device"]


def test_plots_show_each_variant_and_the_roofline(quick_run: dict) -> None:
    by_axis = {(s.name.en, s.y_label.en): s for s in quick_run["series"]}
    for variant in CPU_VARIANTS:
        rows = vocab.series(quick_run["rows"], variant)
        throughput = by_axis[(variant, "items/s")]
        assert list(throughput.x) == list(BATCHES)
        assert list(throughput.y) == pytest.approx([row["throughput_per_s"] for row in rows])
    assert ("roofline (memory)", "GFLOP/s") in by_axis
    assert (f"{vocab.THREAD_VARIANT}, batch 1", "ms per call") in by_axis


def test_the_reading_is_the_lessons_reading_of_these_rows(quick_run: dict) -> None:
    rows, reading = quick_run["rows"], quick_run["reading"]
    expected = lesson.reading(rows, quick_run["roof"])
    assert all(text in reading for text in expected)
    assert all(text.bg and text.en for text in reading)


def test_the_real_rows_give_a_verdict_and_cards(quick_run: dict) -> None:
    cards = assert_rows_drive_verdict_and_cards("batching", quick_run["rows"],
                                                quick_run["reading"])
    assert cards or not findings.measured_cleanly(quick_run["rows"])


@pytest.mark.cuda
def test_cuda_rows_with_and_without_the_host_to_device_copy(labs_data_dir: Path) -> None:
    import torch

    if not torch.cuda.is_available():
        pytest.skip("no CUDA device")
    result, _ = _run({"size": "quick", "model": "wide_mlp", "device": "cuda"})
    resident = vocab.series(result.rows, vocab.GPU)
    copied = vocab.series(result.rows, vocab.GPU_COPY)
    assert [row["batch_size"] for row in resident] == list(BATCHES)
    assert [row["batch_size"] for row in copied] == list(BATCHES)
    for row in resident + copied:
        assert row["status"] == "ok" and row["device"] == "cuda"
        assert row["throughput_per_s"] == pytest.approx(
            row["batch_size"] / (row["latency_ms_median"] / 1e3))
        assert findings.interval(row, "speedup") is not None  # against eager torch on the CPU
        assert row["share_of_roofline"] > 0  # placed on the GPU's own probed roofline
    assert any("host→device" in text.en for text in result.reading)


def test_steps_send_the_live_table_as_it_stands_before_each_progress() -> None:
    from studyapp.labs.events import Progress, Table
    from studyapp.labs.readings import LiveTable, Steps
    from studyapp.text import Text

    stream = io.StringIO()
    rows: list[dict] = []
    step = Steps(Emitter(stream), 2, LiveTable("t", Text("т", "t"), (), rows))
    step(Text("едно", "one"))
    rows.append({"variant": "a"})
    step(Text("две", "two"))
    step(Text("три", "three"))  # past the total: progress stays at 2 of 2
    events = [decode(line) for line in stream.getvalue().splitlines()]
    assert [type(event) for event in events] == [Table, Progress] * 3
    assert [len(event.rows) for event in events if isinstance(event, Table)] == [0, 1, 1]
    assert [(e.done, e.total) for e in events if isinstance(e, Progress)] == [(1, 2), (2, 2),
                                                                             (2, 2)]


@pytest.mark.parametrize(("threads", "counts"), [
    (1, (1,)), (2, (1, 2)), (4, (1, 2, 3, 4)), (8, (1, 2, 3, 4, 8)), (12, (1, 2, 3, 4, 8, 12))])
def test_the_thread_sweep_runs_from_one_thread_to_the_labs(threads: int,
                                                          counts: tuple[int, ...]) -> None:
    assert thread_counts(threads) == counts
