"""The batching lab, run for real (quick size) in this process: physical truths, never timings."""

from __future__ import annotations

import io
from itertools import pairwise
from pathlib import Path

import pytest
from real_rows import assert_rows_drive_verdict_and_cards

from studyapp.labs import findings, registry
from studyapp.labs.batching import SWEEPS, knee
from studyapp.labs.events import Emitter, Result, Series, decode

pytestmark = pytest.mark.slow


def _run(params: dict) -> tuple[Result, list]:
    stream = io.StringIO()
    registry.load("batching").run(registry.validate("batching", params), Emitter(stream))
    events = [decode(line) for line in stream.getvalue().splitlines()]
    assert isinstance(events[-1], Result)
    return events[-1], events


@pytest.fixture(scope="module")
def quick_run(labs_data_dir: Path) -> dict:
    """One quick run on the small MLP at two threads (one-thread rows come with it)."""
    params = {"size": "quick", "model": "mlp", "threads": 2}
    result, events = _run(params)
    return {"params": registry.validate("batching", params), "rows": list(result.rows),
            "reading": result.reading,
            "series": [event for event in events if isinstance(event, Series)]}


def _cpu(run: dict, threads: int) -> list[dict]:
    return [row for row in run["rows"] if row["variant"] == f"cpu {threads}T"]


def test_a_row_for_each_batch_size(quick_run: dict) -> None:
    batches = list(SWEEPS["quick"].batches)
    assert [row["batch_size"] for row in _cpu(quick_run, 2)] == batches
    assert [row["batch_size"] for row in _cpu(quick_run, 1)] == [
        batches[0], SWEEPS["quick"].one_thread_max]


def test_throughput_and_per_item_latency_follow_from_the_batch_latency(quick_run: dict) -> None:
    for row in _cpu(quick_run, 2) + _cpu(quick_run, 1):
        seconds = row["latency_ms_median"] / 1e3
        assert row["throughput_per_s"] == pytest.approx(row["batch_size"] / seconds)
        assert row["latency_ms_per_item"] == pytest.approx(
            row["latency_ms_median"] / row["batch_size"])
        assert row["latency_ms_median"] <= row["latency_ms_p90"] <= row["latency_ms_p99"]


def test_rows_sit_on_the_measured_roofline(quick_run: dict) -> None:
    from studyapp.labs import models, roofline

    model = models.build("mlp")
    rows = _cpu(quick_run, 2)
    intensities = [row["flop_per_byte"] for row in rows]
    assert intensities == sorted(intensities) and intensities[0] < intensities[-1]
    ridge = {row["ridge_flop_per_byte"] for row in rows}
    assert len(ridge) == 1  # one roofline for the whole sweep
    for row in rows:
        flops = roofline.linear_flops(model, row["batch_size"])
        assert row["gflops"] == pytest.approx(flops / (row["latency_ms_median"] / 1e3) / 1e9)
        assert row["flop_per_byte"] == pytest.approx(flops / row["bytes_moved"])
        assert row["bytes_moved"] >= roofline.weight_bytes(model)
        assert row["memory_bound"] is (row["flop_per_byte"] < row["ridge_flop_per_byte"])
        assert row["share_of_peak"] == pytest.approx(row["gflops"] / row["attainable_gflops"])
    # below the ridge the attainable speed is bandwidth × intensity: it grows with the batch
    bound = [row for row in rows if row["memory_bound"]]
    assert bound and bound[0]["batch_size"] == 1
    for low, high in pairwise(bound):
        ratio = high["flop_per_byte"] / low["flop_per_byte"]
        assert high["attainable_gflops"] == pytest.approx(low["attainable_gflops"] * ratio)


def test_threads_and_device_recorded_on_every_row(quick_run: dict) -> None:
    for row in quick_run["rows"]:
        assert row["device"] in ("cpu", "cuda")
        assert isinstance(row["threads"], int) and row["threads"] >= 1
    assert {row["threads"] for row in _cpu(quick_run, 2)} == {2}
    assert {row["threads"] for row in _cpu(quick_run, 1)} == {1}


def test_cuda_rows_are_skipped_without_a_gpu(quick_run: dict) -> None:
    import torch

    cuda = [row for row in quick_run["rows"] if row["device"] == "cuda"]
    if torch.cuda.is_available():
        assert cuda and all(row["status"] == "ok" for row in cuda)
    else:
        assert [row["status"] for row in cuda] == ["skipped: no CUDA device"]


def test_plots_are_throughput_and_per_item_latency(quick_run: dict) -> None:
    rows = _cpu(quick_run, 2)
    by_axis = {(s.name.en, s.y_label.en): s for s in quick_run["series"]}
    throughput = by_axis[("cpu 2T", "items/s")]
    assert list(throughput.x) == [row["batch_size"] for row in rows]
    assert list(throughput.y) == pytest.approx([row["throughput_per_s"] for row in rows])
    at_knee = knee(rows)
    assert f"batch {at_knee['batch_size']}" in " ".join(text.en for text in quick_run["reading"])
    assert all(text.bg and text.en for text in quick_run["reading"])



def test_the_real_rows_give_a_verdict_and_cards(quick_run: dict) -> None:
    found = findings.batching(quick_run["rows"])
    assert found is not None
    rows = _cpu(quick_run, 2)
    assert found.variant == "cpu 2T" and found.batch == rows[-1]["batch_size"]
    assert (found.throughput_1, found.throughput) == (rows[0]["throughput_per_s"],
                                                      rows[-1]["throughput_per_s"])
    assert found.one_thread_ms == _cpu(quick_run, 1)[0]["latency_ms_median"]
    assert len(assert_rows_drive_verdict_and_cards("batching", quick_run["rows"],
                                                   quick_run["reading"])) == 2


@pytest.mark.cuda
def test_cuda_rows_with_and_without_the_host_to_device_copy(labs_data_dir: Path) -> None:
    import torch

    if not torch.cuda.is_available():
        pytest.skip("no CUDA device")
    result, _ = _run({"size": "quick", "model": "wide_mlp", "device": "cuda"})
    resident = {row["batch_size"]: row for row in result.rows if row["variant"] == "cuda"}
    copied = {row["batch_size"]: row for row in result.rows if row["variant"] == "cuda+H2D"}
    assert set(resident) == set(copied) == set(SWEEPS["quick"].batches)
    for batch, row in resident.items():
        for timed in (row, copied[batch]):
            assert timed["status"] == "ok" and timed["device"] == "cuda"
            assert timed["throughput_per_s"] == pytest.approx(
                batch / (timed["latency_ms_median"] / 1e3))
            assert timed["share_of_peak"] > 0  # placed on the GPU's own probed roofline
    assert any("host→device" in text.en for text in result.reading)


def test_steps_send_the_live_table_as_it_stands_before_each_progress() -> None:
    from studyapp.deck.model import Text
    from studyapp.labs.events import Progress, Table
    from studyapp.labs.readings import LiveTable, Steps

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
